import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import { isUnavailable, toStoreError } from './errors.ts';

/** Runs one statement; failures arrive sorted by toStoreError. */
export type Query = <R extends QueryResultRow = QueryResultRow>(
  text: string,
  values?: unknown[],
) => Promise<QueryResult<R>>;

/** One statement on any pooled connection (autocommit). */
export function poolQuery(pool: Pool): Query {
  return (text, values) =>
    pool.query(text, values).catch((error: unknown) => Promise.reject(toStoreError(error)));
}

/**
 * Runs `work` inside BEGIN … COMMIT on one pooled connection, rolling back if anything throws.
 *
 * Read-then-write sequences (compare-and-set, next seq) take a row lock with SELECT … FOR UPDATE
 * inside `work`, so a concurrent transaction on any instance waits for this one to commit and then
 * reads the committed row (READ COMMITTED re-reads a locked row once the lock is granted).
 */
export async function inTransaction<T>(pool: Pool, work: (query: Query) => Promise<T>): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw toStoreError(error);
  }
  const query: Query = (text, values) =>
    client.query(text, values).catch((error: unknown) => Promise.reject(toStoreError(error)));
  try {
    await query('BEGIN');
    const result = await work(query);
    await query('COMMIT');
    client.release();
    return result;
  } catch (error) {
    await abandon(client, error);
    throw error;
  }
}

/** Gives the connection back after a failed transaction, or destroys it when its state is unknown. */
async function abandon(client: PoolClient, error: unknown): Promise<void> {
  if (isUnavailable(error)) {
    // The connection is gone or unanswered: ROLLBACK would only wait for the query timeout. Closing
    // it makes the server abort the transaction and release its locks.
    client.release(error instanceof Error ? error : new Error(String(error)));
    return;
  }
  try {
    await client.query('ROLLBACK');
    client.release();
  } catch (rollbackError) {
    client.release(rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError)));
  }
}
