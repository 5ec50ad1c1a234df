/**
 * The replay reads of the PostgreSQL store (Store.getBotMessagesAfter, getReplyTo): what a client
 * missed, read back from `events` along its (conversation_id, seq) primary key.
 */
import { checkAfterSeq, checkReplayLimit } from '../replay.ts';
import type { StoredBotMessage } from '../store.ts';
import { isStorableKey, toStoredEvent } from './rows.ts';
import type { Query } from './transaction.ts';

/** Larger than any `integer` seq: a bound past it selects nothing, as it would in SQLite. */
const INT4_MAX = 2_147_483_647;

/** The newest `limit` rows of the window, re-sorted oldest first. */
const newestThenOldestFirst = (window: string) =>
  `SELECT seq, type, data, at FROM (${window} ORDER BY e.seq DESC LIMIT $3) newest ORDER BY seq`;

const BOT_MESSAGES_AFTER = newestThenOldestFirst(
  `SELECT e.seq, e.type, e.data, e.at FROM events e
    WHERE e.conversation_id = $1 AND e.seq > $2 AND e.type = 'message.bot'`,
);

/**
 * `data` is json, kept as written, and may hold "\u0000", which PostgreSQL cannot unescape into text:
 * any JSON operator on such a row fails. So the user message is found by its JSON text (the id as
 * JSON.stringify wrote it) and confirmed by parsing that text here.
 */
const USER_MESSAGES_MENTIONING = `SELECT seq, data::text AS data FROM events
  WHERE conversation_id = $1 AND type = 'message.user' AND strpos(data::text, $2) > 0 ORDER BY seq`;

// $2 is the user message's seq; the next user message's seq (NULL when there is none) ends the reply.
const REPLY_AFTER = `WITH bounds AS (
    SELECT (SELECT MIN(u.seq) FROM events u
             WHERE u.conversation_id = $1 AND u.type = 'message.user' AND u.seq > $2) AS before
  )
  ${newestThenOldestFirst(
    `SELECT e.seq, e.type, e.data, e.at FROM events e, bounds
      WHERE e.conversation_id = $1 AND e.type = 'message.bot' AND e.seq > $2
        AND (bounds.before IS NULL OR e.seq < bounds.before)`,
  )}`;

// The queries select only `message.bot` rows.
const toBotMessage = (row: unknown) => toStoredEvent(row) as StoredBotMessage;

export async function botMessagesAfter(
  query: Query,
  conversationId: string,
  afterSeq: number,
  limit: number,
): Promise<StoredBotMessage[]> {
  checkAfterSeq(afterSeq);
  checkReplayLimit(limit);
  if (!isStorableKey(conversationId) || afterSeq >= INT4_MAX) return [];
  const { rows } = await query(BOT_MESSAGES_AFTER, [conversationId, afterSeq, limit]);
  return rows.map(toBotMessage);
}

export async function replyTo(
  query: Query,
  conversationId: string,
  clientMessageId: string,
  limit: number,
): Promise<StoredBotMessage[]> {
  checkReplayLimit(limit);
  if (!isStorableKey(conversationId)) return [];
  const candidates = await query<{ seq: number; data: string }>(USER_MESSAGES_MENTIONING, [
    conversationId,
    JSON.stringify(clientMessageId),
  ]);
  const asked = candidates.rows.find(
    (row) => (JSON.parse(row.data) as { clientMessageId?: unknown }).clientMessageId === clientMessageId,
  );
  if (!asked) return [];
  const { rows } = await query(REPLY_AFTER, [conversationId, asked.seq, limit]);
  return rows.map(toBotMessage);
}
