/** Small helpers shared by the block executors. */
import { ENGINE_LIMITS } from '../flow/limits.ts';
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

export function sendMessage(turn: Turn, blockId: string, text: string, options?: readonly string[]): void {
  turn.state.messageCount += 1;
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
