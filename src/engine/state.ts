/**
 * Conversation state: plain serialisable data, stored after every turn, so a conversation can be
 * resumed on any instance after a disconnect or a restart.
 */
export type Phase =
  /** Created, the `start` event not yet applied. */
  | 'new'
  /** Waiting at a `wait` block for the user's next message. */
  | 'waiting'
  /** Paused at an `intent` block until its classification comes back. */
  | 'classifying'
  | 'ended';

export interface ConversationState {
  flowVersion: number;
  phase: Phase;
  /** The `wait` or `intent` block the conversation is paused at (null when new or ended). */
  blockId: string | null;
  variables: Record<string, string>;
  /** Consecutive no-matches per intent block id. */
  noMatchCounts: Record<string, number>;
  /** Bot messages sent so far; message ids derive from it. */
  messageCount: number;
  /** Quick replies of the last bot message, offered to the classifier as certain labels. */
  offeredOptions: string[];
}

/**
 * A copy of a record keyed by names that come from the flow (variable names, block ids), without a
 * prototype: `constructor`, `toString` or `__proto__` are then ordinary keys, read and written as
 * data. On a plain object, reading `counts.constructor` finds Object, and writing `vars.__proto__`
 * replaces the prototype instead of storing the value.
 */
export const byName = <T>(record: Readonly<Record<string, T>>): Record<string, T> =>
  Object.assign(Object.create(null) as Record<string, T>, record);

export function initialState(flowVersion: number): ConversationState {
  return {
    flowVersion,
    phase: 'new',
    blockId: null,
    variables: byName({}),
    noMatchCounts: byName({}),
    messageCount: 0,
    offeredOptions: [],
  };
}
