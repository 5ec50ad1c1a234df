/** Small helpers shared by the block executors. */
import { ENGINE_LIMITS } from '../flow/limits.ts';
import type { ContextMessage } from './classification.ts';
import type { EndReason, HistoryEvent } from './history.ts';
import { renderTemplate } from './template.ts';
import type { Outcome, Turn } from './types.ts';

export const record = (turn: Turn, event: HistoryEvent): void => {
  turn.effects.push({ type: 'history', event });
};

export const render = (turn: Turn, template: string): string =>
  renderTemplate(template, turn.state.variables);

export function setVariable(turn: Turn, name: string, value: string): void {
  const variables = turn.state.variables;
  if (!Object.hasOwn(variables, name) && Object.keys(variables).length >= ENGINE_LIMITS.maxVariables) return;
  variables[name] = value.slice(0, ENGINE_LIMITS.maxVariableChars);
}

/** The newest `bot` bot messages and `user` user messages of `messages`, in their order. */
export function newest(
  messages: readonly ContextMessage[],
  keep: { bot: number; user: number },
): ContextMessage[] {
  const seen = { bot: 0, user: 0 };
  const kept: ContextMessage[] = [];
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message = messages[i] as ContextMessage;
    seen[message.from] += 1;
    if (seen[message.from] <= keep[message.from]) kept.unshift(message);
  }
  return kept;
}

/**
 * Keeps `text` in the state's window of recent messages, cut at maxContextChars: the context window,
 * plus one user message — the one a classification may be reading, which is not its own context.
 */
export function remember(turn: Turn, from: ContextMessage['from'], text: string): void {
  const message = { from, text: text.slice(0, ENGINE_LIMITS.maxContextChars) };
  turn.state.recentMessages = newest([...turn.state.recentMessages, message], {
    bot: ENGINE_LIMITS.contextBotMessages,
    user: ENGINE_LIMITS.contextUserMessages + 1,
  });
}

export function sendMessage(turn: Turn, blockId: string, text: string, options?: readonly string[]): void {
  turn.state.messageCount += 1;
  remember(turn, 'bot', text);
  turn.state.offeredOptions = options ? [...options] : [];
  record(turn, {
    type: 'message.bot',
    data: {
      messageId: `m${turn.state.messageCount}`,
      blockId,
      text,
      ...(options && options.length > 0 ? { options: [...options] } : {}),
    },
  });
}

export function endConversation(turn: Turn, reason: EndReason): Outcome {
  turn.state.phase = 'ended';
  turn.state.blockId = null;
  record(turn, { type: 'conversation.ended', data: { reason } });
  turn.effects.push({ type: 'end', reason });
  return { kind: 'stop' };
}

export const goto = (target: string): Outcome => ({ kind: 'goto', target });
