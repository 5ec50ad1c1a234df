/**
 * Group commit for the SQLite store: the writes that arrive in the same turn of the event loop (the
 * turns of many conversations) are run in ONE `BEGIN IMMEDIATE … COMMIT`, hence one fsync of the WAL,
 * instead of one transaction each. With synchronous=FULL, the fsync is most of a write's cost.
 *
 * Each write runs inside its own SAVEPOINT: a write that throws is rolled back alone and rejects alone,
 * the others still commit. Each promise settles only after COMMIT returned, so nothing is shown before
 * it is durable. If the transaction as a whole fails (BEGIN, COMMIT, or SQLite abandoning it, e.g. on
 * SQLITE_FULL), nothing of the batch was committed, and every write is run again in a transaction of
 * its own, each settling with its own outcome: a failure never loses or wrongly succeeds another write.
 *
 * `work` must be synchronous (node:sqlite is): nothing else runs on the connection during a batch.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { inImmediateTransaction } from './transaction.ts';

interface Job {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface GroupCommitStats {
  /** Transactions committed or attempted for batched writes. */
  transactions: number;
  /** Writes run. */
  writes: number;
}

export class GroupCommit {
  readonly #db: DatabaseSync;
  /** Prepared once instead of parsed by exec() for every write (a small saving; within noise in the bench). */
  readonly #sql: Record<'begin' | 'savepoint' | 'release' | 'rollbackTo' | 'commit', StatementSync>;
  #queue: Job[] = [];
  #scheduled = false;
  readonly #stats: GroupCommitStats = { transactions: 0, writes: 0 };

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#sql = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      savepoint: db.prepare('SAVEPOINT chatflow_write'),
      release: db.prepare('RELEASE chatflow_write'),
      rollbackTo: db.prepare('ROLLBACK TO chatflow_write'),
      commit: db.prepare('COMMIT'),
    };
  }

  /** Queues `work` for the next batch; resolves with its result once the batch is committed. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // setImmediate: after the I/O callbacks of this loop turn, so every message read in it joins.
        setImmediate(() => this.flush());
      }
    });
  }

  stats(): GroupCommitStats {
    return { ...this.#stats };
  }

  /** Runs and commits what is queued now (also called before the connection closes). */
  flush(): void {
    this.#scheduled = false;
    const jobs = this.#queue;
    this.#queue = [];
    if (jobs.length === 0) return;
    this.#stats.writes += jobs.length;
    const outcomes = jobs.length === 1 ? null : this.#batch(jobs);
    if (outcomes === null) {
      this.#oneByOne(jobs);
      return;
    }
    jobs.forEach((job, i) => {
      const outcome = outcomes[i] as Outcome;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }

  /** One transaction, a savepoint per write; null when the transaction itself failed (nothing committed). */
  #batch(jobs: readonly Job[]): Outcome[] | null {
    const db = this.#db;
    const sql = this.#sql;
    this.#stats.transactions += 1;
    try {
      sql.begin.run();
    } catch {
      return null;
    }
    const outcomes: Outcome[] = [];
    try {
      for (const job of jobs) {
        sql.savepoint.run();
        try {
          outcomes.push({ ok: true, value: job.work() });
          sql.release.run();
        } catch (error) {
          // SQLite may have abandoned the whole transaction (SQLITE_FULL, IOERR…): then nothing stands.
          if (!db.isTransaction) return null;
          sql.rollbackTo.run();
          sql.release.run();
          outcomes.push({ ok: false, error });
        }
      }
      sql.commit.run();
      return outcomes;
    } catch {
      if (db.isTransaction) db.exec('ROLLBACK');
      return null;
    }
  }

  #oneByOne(jobs: readonly Job[]): void {
    for (const job of jobs) {
      this.#stats.transactions += 1;
      try {
        job.resolve(inImmediateTransaction(this.#db, job.work));
      } catch (error) {
        job.reject(error);
      }
    }
  }
}
