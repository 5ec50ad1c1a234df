/**
 * Group commit for the PostgreSQL store: the `appendTurn` calls that arrive in one event-loop turn (the
 * turns of many conversations) are written by ONE statement in one transaction — three round trips
 * (BEGIN, the statement, COMMIT) and one WAL flush for the whole batch — instead of six round trips
 * each. When a conversation has several appends in the batch, they go in successive statements
 * ("rounds") of that transaction, in the order they were made.
 *
 * Each write's outcome (ok / duplicate / fenced / not_found) is decided for its own row exactly as a
 * write of its own would decide it, and every promise settles after the commit. If the batch fails
 * because the database cannot be reached (connection cut, timeout), nothing of it was committed and
 * every write rejects with StoreUnavailableError. If it fails for one write's own reason (a value the
 * database refuses), nothing was committed either, and every write is run again on its own, so that
 * failure is that write's alone.
 *
 * Rows are locked in conversation-id order (ORDER BY … FOR UPDATE): two instances' batches take their
 * locks in the same order and cannot deadlock on each other.
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
  /** The write holds a user message: the conversation is no longer "unanswered" (expiry). */
  answers: boolean;
}

interface Job {
  write: PreparedAppend;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** Large enough to take a loop turn's writes at any realistic load; bounds how long one transaction holds its locks. */
const MAX_BATCH = 100;

/**
 * The writes of one round (distinct conversations) in ONE statement, hence one round trip. `target`
 * locks the conversation rows in id order (FOR UPDATE re-reads the newest committed version, as the
 * separate SELECT did); an idempotency record is inserted only where the epoch matches; events and state
 * are written only where that record was new (or none was asked for). Data-modifying CTEs all run; their
 * order here is fixed by what each reads from the one before. One row per write comes back, in order.
 */
const APPEND_ROUND_SQL = `
WITH w AS (
  SELECT * FROM unnest($1::text[], $2::integer[], $3::bytea[], $4::text[], $5::text[], $6::timestamptz[],
                       $7::integer[], $12::boolean[])
    WITH ORDINALITY AS w (id, epoch, client_id, state, status, at, event_count, answers, i)
), target AS (
  SELECT c.id, c.event_count, c.epoch FROM conversations c WHERE c.id = ANY($1::text[]) ORDER BY c.id FOR UPDATE
), allowed AS (
  SELECT w.i, t.id, t.event_count FROM w JOIN target t ON t.id = w.id
   WHERE w.epoch IS NULL OR w.epoch = t.epoch
), recorded AS (
  INSERT INTO client_message_ids (conversation_id, client_message_id)
  SELECT a.id, w.client_id FROM allowed a JOIN w ON w.i = a.i WHERE w.client_id IS NOT NULL
  ON CONFLICT DO NOTHING
  RETURNING conversation_id
), accepted AS (
  SELECT a.i, a.id, a.event_count FROM allowed a JOIN w ON w.i = a.i
   WHERE w.client_id IS NULL OR a.id IN (SELECT conversation_id FROM recorded)
), inserted AS (
  INSERT INTO events (conversation_id, seq, type, data, at)
  SELECT a.id, a.event_count + e.position, e.type, e.data::json, w.at
    FROM unnest($8::integer[], $9::integer[], $10::text[], $11::text[]) AS e (write, position, type, data)
    JOIN accepted a ON a.i = e.write
    JOIN w ON w.i = e.write
), updated AS (
  UPDATE conversations c
     SET state = w.state::json, status = w.status, updated_at = w.at, event_count = a.event_count + w.event_count,
         answered = c.answered OR w.answers
    FROM accepted a JOIN w ON w.i = a.i
   WHERE c.id = a.id
  RETURNING c.id, c.event_count
)
SELECT t.id IS NOT NULL AS found, al.i IS NOT NULL AS allowed, u.event_count AS last_seq
  FROM w
  LEFT JOIN target t ON t.id = w.id
  LEFT JOIN allowed al ON al.i = w.i
  LEFT JOIN updated u ON u.id = w.id
 ORDER BY w.i`;

/** Runs one round (no conversation twice) as one statement; one outcome per write, in order. */
export async function appendRound(query: Query, writes: readonly PreparedAppend[]): Promise<AppendResult[]> {
  const eventOf: number[] = [];
  const position: number[] = [];
  const types: string[] = [];
  const data: string[] = [];
  for (const [index, write] of writes.entries()) {
    for (const [k, type] of write.types.entries()) {
      eventOf.push(index + 1);
      position.push(k + 1);
      types.push(type);
      data.push(write.data[k] as string);
    }
  }
  const { rows } = await query<{ found: boolean; allowed: boolean; last_seq: number | null }>(
    APPEND_ROUND_SQL,
    [
      writes.map((w) => w.conversationId),
      writes.map((w) => w.epoch),
      writes.map((w) => w.clientMessageId),
      writes.map((w) => w.state),
      writes.map((w) => w.status),
      writes.map((w) => w.at),
      writes.map((w) => w.types.length),
      eventOf,
      position,
      types,
      data,
      writes.map((w) => w.answers),
    ],
  );
  return writes.map((_, index): AppendResult => {
    const row = rows[index];
    if (!row?.found) return { ok: false, reason: 'not_found' };
    if (!row.allowed) return { ok: false, reason: 'fenced' };
    if (row.last_seq === null) return { ok: false, reason: 'duplicate' };
    return { ok: true, lastSeq: row.last_seq };
  });
}

/** Splits a batch into rounds where each conversation appears at most once, its writes in the order made. */
function intoRounds(jobs: readonly Job[]): Job[][] {
  const rounds: Job[][] = [];
  const seen = new Map<string, number>();
  for (const job of jobs) {
    const round = seen.get(job.write.conversationId) ?? 0;
    seen.set(job.write.conversationId, round + 1);
    const existing = rounds[round];
    if (existing) existing.push(job);
    else rounds.push([job]);
  }
  return rounds;
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
    const rounds = intoRounds(jobs);
    try {
      // Inside BEGIN … COMMIT even for one statement: a statement sent in autocommit would still commit
      // if the connection were cut while it waited for a row lock (the server notices the lost client
      // only when it next reads), so a write reported as failed could be stored. COMMIT never sent is
      // a transaction the server rolls back.
      const outcomes = await inTransaction(this.#pool, async (query) => {
        const results = new Map<Job, AppendResult>();
        for (const round of rounds) {
          const roundOutcomes = await appendRound(
            query,
            round.map((job) => job.write),
          );
          for (const [i, job] of round.entries()) results.set(job, roundOutcomes[i] as AppendResult);
        }
        return jobs.map((job) => results.get(job) as AppendResult);
      });
      for (const [i, job] of jobs.entries()) job.resolve(outcomes[i] as AppendResult);
    } catch (error) {
      if (jobs.length === 1 || isUnavailable(error)) {
        for (const job of jobs) job.reject(error);
        return;
      }
      // One after the other: two writes of one conversation keep their order.
      for (const job of jobs) await this.#alone(job);
    }
  }

  async #alone(job: Job): Promise<void> {
    this.#stats.transactions += 1;
    try {
      const [outcome] = await inTransaction(this.#pool, (query) => appendRound(query, [job.write]));
      job.resolve(outcome as AppendResult);
    } catch (error) {
      job.reject(error);
    }
  }
}
