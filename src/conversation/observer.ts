/**
 * What the runtime reports about its work, for metrics. Plain callbacks with durations in seconds, so
 * the conversation code knows nothing of Prometheus; every hook is optional and must not throw.
 */
export type TurnKind = 'start' | 'user_message' | 'resume';

export interface ConversationObserver {
  /** One input fully processed (engine steps, classifications, writes and frames). */
  turn?(kind: TurnKind, seconds: number): void;
  /** One classification; `provider` is the one that answered (e.g. `openai`, `local`). */
  classified?(provider: string, outcome: 'match' | 'no_match' | 'error', seconds: number): void;
  /** One history write (createConversation or appendTurn), failed ones included. */
  storeWrite?(operation: 'create' | 'append', seconds: number): void;
}
