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

export function initialState(flowVersion: number): ConversationState {
  return {
    flowVersion,
    phase: 'new',
    blockId: null,
    variables: {},
    noMatchCounts: {},
    messageCount: 0,
    offeredOptions: [],
  };
}
