/**
 * Group commit for the PostgreSQL store: the `appendTurn` calls that arrive in one event-loop turn (the
 * turns of many conversations) run in ONE transaction on one pooled connection — one COMMIT, hence one
 * WAL flush, instead of one each — and each write is ONE statement (lock, fencing and duplicate checks,
 * events, state), so a batch of n writes costs n + 2 round trips instead of 6n.
 *
 * Each write's outcome (ok / duplicate / fenced / not_found) is decided by its own statement exactly as
 * a write of its own would decide it, and every promise settles after COMMIT. If the transaction fails
 * because the database cannot be reached (connection cut, timeout), nothing of the batch was committed
 * and every write rejects with StoreUnavailableError. If it fails for one write's own reason (a value
 * the database refuses), nothing was committed either, and every write is run again in a transaction of
 * its own, so that failure is that write's alone.
 *
 * Writes are run in conversation-id order: two instances' batches lock their rows in the same order and
 * cannot deadlock on each other.
 */
import type { Pool } from 'pg';
import type { AppendResult, ConversationStatus } from '../store.ts';
import { isUnavailable } from './errors.ts';
import { inTransaction, type Query } from './transaction.ts';

/** One appendTurn, its values already serialised (a value that cannot be serialised never gets here). */
export interface PreparedAppend {
  conversationId: string;
  epoch: number | null;
  clientMessageId: Buffer | null;
  state: string;
  status: ConversationStatus;
  at: string;
  types: string[];
  data: string[];
}

interface Job {
  write: PreparedAppend;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** Large enough to take a loop turn's writes at any realistic load; bounds how long one transaction holds its locks. */
const MAX_BATCH = 100;

/**
 * One write in one statement. `target` locks the conversation row (FOR UPDATE re-reads the newest
 * committed version, as the separate SELECT did); the idempotency record is inserted only when the
 * epoch matches; events and state are written only when that record was new (or not asked for).
 * Data-modifying CTEs all run; their order here is fixed by what each reads from the one before.
 */
const APPEND_SQL = `
WITH target AS (
  SELECT id, event_count, epoch FROM conversations WHERE id = $1 FOR UPDATE
), allowed AS (
  SELECT id, event_count FROM target WHERE $2::integer IS NULL OR epoch = $2::integer
), recorded AS (
  INSERT INTO client_message_ids (conversation_id, client_message_id)
  SELECT id, $3::bytea FROM allowed WHERE $3::bytea IS NOT NULL
  ON CONFLICT DO NOTHING
  RETURNING conversation_id
), accepted AS (
  SELECT id, event_count FROM allowed WHERE $3::bytea IS NULL OR EXISTS (SELECT 1 FROM recorded)
), inserted AS (
  INSERT INTO events (conversation_id, seq, type, data, at)
  SELECT a.id, a.event_count + e.ordinal, e.type, e.data::json, $6::timestamptz
    FROM accepted a, unnest($7::text[], $8::text[]) WITH ORDINALITY AS e (type, data, ordinal)
), updated AS (
  UPDATE conversations c
     SET state = $4::json, status = $5, updated_at = $6::timestamptz,
         event_count = a.event_count + cardinality($7::text[])
    FROM accepted a
   WHERE c.id = a.id
  RETURNING c.event_count
)
SELECT (SELECT count(*) FROM target)::integer AS found,
       (SELECT count(*) FROM allowed)::integer AS allowed,
       (SELECT event_count FROM updated) AS last_seq`;

/** Runs one prepared write inside the caller's transaction and reads its outcome. */
export async function appendInTransaction(query: Query, write: PreparedAppend): Promise<AppendResult> {
  const { rows } = await query<{ found: number; allowed: number; last_seq: number | null }>(APPEND_SQL, [
    write.conversationId,
    write.epoch,
    write.clientMessageId,
    write.state,
    write.status,
    write.at,
    write.types,
    write.data,
  ]);
  const row = rows[0];
  if (!row || row.found === 0) return { ok: false, reason: 'not_found' };
  if (row.allowed === 0) return { ok: false, reason: 'fenced' };
  if (row.last_seq === null) return { ok: false, reason: 'duplicate' };
  return { ok: true, lastSeq: row.last_seq };
}

export interface PostgresGroupCommitStats {
  /** Transactions committed or attempted for batched writes (retries of a failed batch included). */
  transactions: number;
  /** Writes run. */
  writes: number;
}

export class PostgresGroupCommit {
  readonly #pool: Pool;
  #queue: Job[] = [];
  #scheduled = false;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #stats: PostgresGroupCommitStats = { transactions: 0, writes: 0 };

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  /** Queues the write for this loop turn's batch; settles with its own outcome once the batch committed. */
  append(write: PreparedAppend): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      this.#queue.push({ write, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // setImmediate: after the I/O callbacks of this loop turn, so every message read in it joins.
        setImmediate(() => this.flush());
      }
    });
  }

  stats(): PostgresGroupCommitStats {
    return { ...this.#stats };
  }

  /** Starts the batches for what is queued now; resolves when every batch started so far has settled. */
  async flush(): Promise<void> {
    this.#scheduled = false;
    const jobs = this.#queue;
    this.#queue = [];
    for (let start = 0; start < jobs.length; start += MAX_BATCH) {
      const running = this.#run(jobs.slice(start, start + MAX_BATCH));
      this.#inFlight.add(running);
      void running.finally(() => this.#inFlight.delete(running));
    }
    await Promise.all(this.#inFlight);
  }

  async #run(jobs: Job[]): Promise<void> {
    this.#stats.writes += jobs.length;
    this.#stats.transactions += 1;
    // A stable sort: two writes of one conversation keep the order they were made in.
    const ordered = jobs.toSorted((a, b) => compareIds(a.write.conversationId, b.write.conversationId));
    try {
      const outcomes = await inTransaction(this.#pool, async (query) => {
        const results: AppendResult[] = [];
        for (const job of ordered) results.push(await appendInTransaction(query, job.write));
        return results;
      });
      for (const [i, job] of ordered.entries()) job.resolve(outcomes[i] as AppendResult);
    } catch (error) {
      if (ordered.length === 1 || isUnavailable(error)) {
        for (const job of ordered) job.reject(error);
        return;
      }
      // One after the other: two writes of one conversation keep their order.
      for (const job of ordered) await this.#alone(job);
    }
  }

  async #alone(job: Job): Promise<void> {
    this.#stats.transactions += 1;
    try {
      job.resolve(await inTransaction(this.#pool, (query) => appendInTransaction(query, job.write)));
    } catch (error) {
      job.reject(error);
    }
  }
}

/** Any fixed total order does: every instance locks the rows of its batches in that order. */
function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
