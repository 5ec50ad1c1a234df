/**
 * Sorting the failures of pg calls into "the database is not there right now" (StoreUnavailableError:
 * the runtime answers STORE_UNAVAILABLE / 503 and recovers by itself) and "this request is wrong"
 * (the server's own error, e.g. a unique violation, passed through unchanged).
 */
import { DatabaseError } from 'pg';
import { StoreUnavailableError } from '../store.ts';

/**
 * SQLSTATEs that describe the server's state, not the request: class 08 connection exception,
 * class 53 insufficient resources (too many connections), 57P01–57P04 shutdown / crash / starting up /
 * database dropped, 57014 statement timeout, 25P03 idle-in-transaction timeout.
 */
const UNAVAILABLE_SQLSTATE = /^(08...|53...|57P0[1-4]|57014|25P03)$/;

export function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  if (error instanceof DatabaseError) return UNAVAILABLE_SQLSTATE.test(error.code ?? '');
  // Everything else a pg call rejects with is about the connection: refused, reset, terminated,
  // timed out (connect or read), or the pool already closed.
  return true;
}

/** Wraps a pg call's failure: connection-level ones become StoreUnavailableError (original as `cause`). */
export function toStoreError(error: unknown): unknown {
  if (error instanceof StoreUnavailableError || !isUnavailable(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`PostgreSQL is unavailable: ${reason}`, { cause: error });
}
