/**
 * Replay: bot messages a client missed (a socket that dropped, or a server that stopped, after the
 * turn was stored but before its frames arrived) are sent again, marked `replayed`, with the `seq`
 * the store gave them so the client can tell which ones it already shows.
 */
import type { Store, StoredBotMessage } from '../store/store.ts';
import type { OutboxEvent } from './outbox.ts';

/**
 * Most bot messages one replay sends (the newest ones). One turn sends at most 1,000 (the engine's
 * step limit), so a whole missed turn always fits.
 */
export const REPLAY_LIMIT = 1_000;

const replayed = (events: StoredBotMessage[]): OutboxEvent[] =>
  events.map((event) => ({ type: 'bot_message', message: event.data, seq: event.seq, replayed: true }));

/** The bot messages after `afterSeq` (none when the client gave no lastSeq: the behaviour before replay). */
export async function missedMessages(
  store: Store,
  conversationId: string,
  afterSeq: number | undefined,
): Promise<OutboxEvent[]> {
  if (afterSeq === undefined) return [];
  return replayed(await store.getBotMessagesAfter(conversationId, afterSeq, REPLAY_LIMIT));
}

/** The bot messages that answered the user message sent with `clientMessageId`. */
export async function replyTo(
  store: Store,
  conversationId: string,
  clientMessageId: string,
): Promise<OutboxEvent[]> {
  return replayed(await store.getReplyTo(conversationId, clientMessageId, REPLAY_LIMIT));
}
