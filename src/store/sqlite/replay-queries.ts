/**
 * The replay reads of the SQLite store (Store.getBotMessagesAfter, getReplyTo): what a client missed,
 * read back from `events` along its (conversation_id, seq) primary key.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { checkAfterSeq, checkReplayLimit } from '../replay.ts';
import type { StoredBotMessage } from '../store.ts';
import type { Row } from './rows.ts';

/** The newest `limit` rows of the window, re-sorted oldest first. */
const newestFirstThenOldest = (window: string) =>
  `SELECT seq, type, data, at FROM (${window} ORDER BY e.seq DESC LIMIT ?3) ORDER BY seq`;

// ?1 conversation id, ?2 seq bound or clientMessageId, ?3 limit.
const BOT_MESSAGES_AFTER = newestFirstThenOldest(
  `SELECT e.seq, e.type, e.data, e.at FROM events e
    WHERE e.conversation_id = ?1 AND e.seq > ?2 AND e.type = 'message.bot'`,
);

// The user message's own seq and the next user message's seq (NULL when there is none yet) bound the reply.
const REPLY_TO = `WITH asked AS (
    SELECT MIN(seq) AS seq FROM events
     WHERE conversation_id = ?1 AND type = 'message.user' AND data ->> '$.clientMessageId' = ?2
  ), bounds AS (
    SELECT asked.seq AS after,
           (SELECT MIN(u.seq) FROM events u
             WHERE u.conversation_id = ?1 AND u.type = 'message.user' AND u.seq > asked.seq) AS before
      FROM asked
  )
  ${newestFirstThenOldest(
    `SELECT e.seq, e.type, e.data, e.at FROM events e, bounds
      WHERE e.conversation_id = ?1 AND e.type = 'message.bot' AND e.seq > bounds.after
        AND (bounds.before IS NULL OR e.seq < bounds.before)`,
  )}`;

export class SqliteReplayQueries {
  readonly #botMessagesAfter: StatementSync;
  readonly #replyTo: StatementSync;
  readonly #toEvent: (row: Row) => unknown;

  constructor(db: DatabaseSync, toEvent: (row: Row) => unknown) {
    this.#botMessagesAfter = db.prepare(BOT_MESSAGES_AFTER);
    this.#replyTo = db.prepare(REPLY_TO);
    this.#toEvent = toEvent;
  }

  botMessagesAfter(conversationId: string, afterSeq: number, limit: number): StoredBotMessage[] {
    checkAfterSeq(afterSeq);
    checkReplayLimit(limit);
    return this.#read(this.#botMessagesAfter.all(conversationId, afterSeq, limit));
  }

  replyTo(conversationId: string, clientMessageId: string, limit: number): StoredBotMessage[] {
    checkReplayLimit(limit);
    return this.#read(this.#replyTo.all(conversationId, clientMessageId, limit));
  }

  #read(rows: Row[]): StoredBotMessage[] {
    // The queries select only `message.bot` rows.
    return rows.map((row) => this.#toEvent(row) as StoredBotMessage);
  }
}
