/**
 * What a test run sees of one turn, whatever ran it: the engine in this process (engine-driver.ts) or a
 * server over its WebSocket (server-driver.ts). Expectations are compared with this (compare.ts), and
 * coverage is counted from it (coverage.ts).
 */
import type { IntentAnswer } from './format.ts';

export interface ObservedMessage {
  text: string;
  options?: string[];
}

/**
 * Which way an intent block sent the turn: an intent id, or one of the block's other exits. The exit
 * a no-match or an error takes is the block's own (`onMaxNoMatch` once `maxNoMatch` is reached,
 * `onError` when it has one): coverage counts branches, not targets.
 */
export type IntentBranch = { intent: string } | { exit: 'noMatch' | 'onMaxNoMatch' | 'onError' };

export interface ObservedClassification {
  blockId: string;
  /** The intent detected, null for a no-match; `error` is set (and answer null) when the provider failed. */
  answer: IntentAnswer;
  error?: string;
  confidence?: number;
  provider: string;
  branch: IntentBranch;
}

export interface ObservedTurn {
  /** The bot's messages of the turn, in order. */
  bot: ObservedMessage[];
  classifications: ObservedClassification[];
  /** The block the conversation waits at after the turn; null when it has ended. */
  at: string | null;
  ended: boolean;
  /** The variables after the turn. */
  vars: Record<string, string>;
  /** The blocks entered during the turn, in order. */
  blocks: string[];
}

/** What a step sends: the text, and the answers to give the turn's classifications instead of a classifier. */
export interface TurnInput {
  text: string;
  pinned?: readonly IntentAnswer[];
}

/** One conversation with a bot, however it is reached. A driver fails with an Error only on a broken channel. */
export interface ConversationDriver {
  /** Opens the conversation: the bot's first turn. */
  start(): Promise<ObservedTurn>;
  send(input: TurnInput): Promise<ObservedTurn>;
  close(): Promise<void>;
}
