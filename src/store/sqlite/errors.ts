/**
 * Sorting SQLite failures into "the database cannot be used right now" (StoreUnavailableError: the
 * runtime answers STORE_UNAVAILABLE, the admin API 503, and a later call may work) and "this call is
 * wrong" (a constraint, a bad value: passed through unchanged).
 */
import { StoreUnavailableError } from '../store.ts';

/**
 * Primary result codes (https://sqlite.org/rescode.html) that describe the file's state, not the
 * statement: BUSY and LOCKED (another connection held the lock past busy_timeout), IOERR (every
 * extended I/O error), FULL (disk full), CANTOPEN, PROTOCOL (WAL lock race).
 */
const UNAVAILABLE_RESULT_CODES = new Set([5, 6, 10, 13, 14, 15]);

export function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  const { code, errcode } = error as Error & { code?: unknown; errcode?: unknown };
  // node:sqlite's own error for a connection already closed (shutdown): the database is gone for us.
  if (code === 'ERR_INVALID_STATE') return true;
  // Extended result codes keep the primary code in their low byte (SQLITE_IOERR_FSYNC = 10 | 4 << 8).
  return (
    code === 'ERR_SQLITE_ERROR' && typeof errcode === 'number' && UNAVAILABLE_RESULT_CODES.has(errcode & 0xff)
  );
}

/** Wraps a failure that is about the database's state in StoreUnavailableError (original as `cause`). */
export function toStoreError(error: unknown): unknown {
  if (error instanceof StoreUnavailableError || !isUnavailable(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`SQLite is unavailable: ${reason}`, { cause: error });
}
