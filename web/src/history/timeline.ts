/** One history event as a line of the timeline: what happened, in words, from the event's `data`. */
import type { HistoryEvent } from '../admin.ts';

const str = (value: unknown) =>
  typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
const ms = (value: unknown) => (typeof value === 'number' ? `${Math.round(value)} ms` : '');

export interface EventView {
  kind: string;
  title: string;
  detail: string;
}

export function describeEvent(event: HistoryEvent): EventView {
  const d = event.data;
  switch (event.type) {
    case 'conversation.started':
      return { kind: 'system', title: 'Conversation started', detail: `flow version ${str(d.flowVersion)}` };
    case 'conversation.resumed':
      return { kind: 'system', title: 'Conversation resumed', detail: '' };
    case 'conversation.ended':
      return { kind: 'system', title: 'Conversation ended', detail: str(d.reason) };
    case 'block.entered':
      return { kind: 'block', title: `Block ${str(d.blockId)}`, detail: str(d.blockType) };
    case 'message.user':
      return { kind: 'user', title: 'User', detail: str(d.text) };
    case 'message.bot': {
      const options =
        Array.isArray(d.options) && d.options.length > 0 ? ` [${d.options.map(str).join(' | ')}]` : '';
      return { kind: 'bot', title: 'Bot', detail: `${str(d.text)}${options}` };
    }
    case 'intent.detected': {
      const confidence = typeof d.confidence === 'number' ? d.confidence.toFixed(2) : '?';
      const flags = [d.cached ? 'cached' : '', d.fallback ? 'fallback' : ''].filter(Boolean).join(', ');
      return {
        kind: 'intent',
        title: `Intent ${str(d.intent)}`,
        detail: `confidence ${confidence} · ${str(d.provider)} · ${ms(d.latencyMs)}${flags ? ` · ${flags}` : ''}`,
      };
    }
    case 'intent.no_match':
      return {
        kind: 'intent',
        title: 'No intent matched',
        detail: `count ${str(d.count)} · ${str(d.provider)} · ${ms(d.latencyMs)}`,
      };
    case 'intent.error':
      return {
        kind: 'error',
        title: `Intent error ${str(d.code)}`,
        detail: `${str(d.message)} · ${str(d.provider)} · ${ms(d.latencyMs)}`,
      };
    default:
      return { kind: 'system', title: event.type, detail: JSON.stringify(d) };
  }
}
