/**
 * What a turn's history events say of it, besides the bot's messages: the blocks entered and the
 * classifications with the branch each intent block took. Read the same way from the engine's effects
 * (engine-driver.ts) and from a server's stored history (server-driver.ts, history-replay.ts).
 */
import type { HistoryEvent } from '../engine/index.ts';
import type { Flow, IntentBlock } from '../flow/types.ts';
import type { IntentBranch, ObservedClassification, ObservedTurn } from './observed.ts';

export type IntentEvent = Extract<
  HistoryEvent,
  { type: 'intent.detected' | 'intent.no_match' | 'intent.error' }
>;

export const isIntentEvent = (event: { type: string }): event is IntentEvent =>
  event.type.startsWith('intent.');

function branchOf(event: IntentEvent, block: IntentBlock | undefined): IntentBranch {
  switch (event.type) {
    case 'intent.detected':
      return { intent: event.data.intent };
    case 'intent.no_match': {
      const exhausted = block?.maxNoMatch !== undefined && event.data.count >= block.maxNoMatch;
      return { exit: exhausted && block?.onMaxNoMatch ? 'onMaxNoMatch' : 'noMatch' };
    }
    case 'intent.error':
      return { exit: block?.onError ? 'onError' : 'noMatch' };
  }
}

export function classificationOf(event: IntentEvent, flow: Flow): ObservedClassification {
  const found = flow.blocks.find((b) => b.id === event.data.blockId);
  const block = found?.type === 'intent' ? found : undefined;
  const common = {
    blockId: event.data.blockId,
    provider: event.data.provider,
    branch: branchOf(event, block),
  };
  switch (event.type) {
    case 'intent.detected':
      return { ...common, answer: event.data.intent, confidence: event.data.confidence };
    case 'intent.no_match':
      return {
        ...common,
        answer: null,
        ...(event.data.confidence === undefined ? {} : { confidence: event.data.confidence }),
      };
    case 'intent.error':
      return { ...common, answer: null, error: event.data.code };
  }
}

export const enteredBlocks = (events: readonly HistoryEvent[]): string[] =>
  events.flatMap((event) => (event.type === 'block.entered' ? [event.data.blockId] : []));

/** The blocks a turn entered and its classifications, from the turn's history events. */
export function turnEventsOf(
  events: readonly HistoryEvent[],
  flow: Flow,
): Pick<ObservedTurn, 'blocks' | 'classifications'> {
  return {
    blocks: enteredBlocks(events),
    classifications: events.filter(isIntentEvent).map((event) => classificationOf(event, flow)),
  };
}
