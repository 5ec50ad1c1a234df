/**
 * What the runtime tells the channel that holds a conversation: domain events, in no wire format. The
 * WebSocket channel (ws/session.ts) turns them into frames and close codes; another channel (HTTP/SSE, a
 * webhook) would implement the same Outbox.
 */
import type { HistoryEvent } from '../engine/index.ts';

/** Why something the client asked for did not happen (the channel words each one for its users). */
export type FailureCode =
  | 'RESUME_REFUSED'
  | 'CONVERSATION_ENDED'
  | 'STORE_UNAVAILABLE'
  | 'TURN_INTERRUPTED'
  | 'FLOW_UNAVAILABLE'
  | 'NOT_WAITING'
  | 'SERVER_SHUTTING_DOWN'
  | 'CONVERSATION_DELETED';

export type BotMessage = Extract<HistoryEvent, { type: 'message.bot' }>['data'];

export type OutboxEvent =
  /** The conversation is open on this channel: started (with its resume token) or resumed. */
  | { type: 'opened'; conversationId: string; flowVersion: number; resumeToken?: string; resumed?: true }
  /** `seq`: the stored seq of its `message.bot` event; `replayed`: sent again, the client may have missed it. */
  | { type: 'bot_message'; message: BotMessage; seq: number; replayed?: true }
  | { type: 'typing' }
  | { type: 'waiting'; blockId: string }
  /** The conversation has ended: nothing more will come, the channel can close. */
  | { type: 'ended' }
  /** A resent message (same clientMessageId) was stored before: acknowledged, not processed again. */
  | { type: 'duplicate'; clientMessageId: string }
  /**
   * `message` overrides the channel's wording of `code`; `fatal`: the conversation could not even be
   * created, so it cannot be resumed, and the channel closes.
   */
  | { type: 'failed'; code: FailureCode; message?: string; fatal?: true }
  /** Another channel resumed the conversation: this one gets nothing more and closes. */
  | { type: 'taken_over' };

/** Where a conversation's events go: the channel currently holding it. */
export interface Outbox {
  /** The client's address, when the channel knows it (per-address limits and logs; never shown to users). */
  readonly clientAddress?: string;
  /** One batch (e.g. what one stored segment of a turn reveals): the channel may deliver it in one write. */
  emit(events: readonly OutboxEvent[]): void;
}
