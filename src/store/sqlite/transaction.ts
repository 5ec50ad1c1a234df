import type { DatabaseSync } from 'node:sqlite';

/**
 * Runs `work` inside BEGIN IMMEDIATE … COMMIT, rolling back if it throws.
 *
 * IMMEDIATE takes the write lock up front, so a read-then-write (compare-and-set, next seq) cannot
 * be overtaken by another connection between its read and its write; a second writer waits up to
 * busy_timeout instead of failing half-way with SQLITE_BUSY. `work` must be synchronous: node:sqlite
 * is, and nothing else may run on this connection while the transaction is open.
 */
export function inImmediateTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    // SQLite may already have rolled back by itself (e.g. on SQLITE_FULL); ROLLBACK would then throw.
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
