/**
 * The one catalogue of API error codes (the error table of docs/admin-api.md, Errors, is checked against it by a test).
 * Every error the HTTP layer answers — ours and Restify's own (unknown route, wrong method) — goes
 * out as `{"error":{"code","message","details"?,"requestId"?}}`.
 */
import { TEST_FILE_LIMITS } from '../flow-tests/limits.ts';
import { StoreUnavailableError } from '../store/store.ts';

export const ERROR_CATALOGUE = {
  UNAUTHORIZED: { status: 401, meaning: 'missing or wrong `Authorization: Bearer <token>`' },
  FORBIDDEN: {
    status: 403,
    meaning: "the token is right but lacks the route's scope (token routes need the `ADMIN_TOKEN` itself)",
  },
  INVALID_JSON: {
    status: 400,
    meaning:
      'the body is not valid JSON (or is empty); the message gives its line and column, never its text',
  },
  BAD_REQUEST: {
    status: 400,
    meaning: 'a malformed header, parameter or query (`If-Match`, `limit`, `cursor`, `Host`, ...)',
  },
  INVALID_FLOW: {
    status: 400,
    meaning: 'the flow does not validate; `details` lists every problem as `{path, message}`',
  },
  INVALID_TESTS: {
    status: 400,
    meaning:
      'the conversation-test file does not validate, or names blocks or intents the current flow lacks; `details` lists every problem as `{path, message}`',
  },
  NOT_FOUND: {
    status: 404,
    meaning: 'no such route, flow version, conversation or stored tests (or no flow uploaded yet)',
  },
  METHOD_NOT_ALLOWED: { status: 405, meaning: 'the route exists but not with this method (see `Allow`)' },
  TOKEN_EXISTS: { status: 409, meaning: 'a token with this name already exists (revoke it first)' },
  VERSION_CONFLICT: { status: 412, meaning: '`If-Match` names a version that is not the current one' },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    meaning: `the body is larger than \`MAX_BODY_BYTES\` (a conversation-test file: ${TEST_FILE_LIMITS.maxFileBytes / 2 ** 20} MiB)`,
  },
  INTENT_MODELS_TOO_LARGE: {
    status: 413,
    meaning:
      "the flow's offline intent models would need more memory than `INTENT_MODEL_CACHE_MB`; `details` lists each intent block's share",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    meaning: 'a body that is not `application/json` (or `+json`), or any `Content-Encoding`',
  },
  AUTH_THROTTLED: {
    status: 429,
    meaning:
      'too many wrong tokens from this client address (`ADMIN_AUTH_FAILURES_PER_MIN`); every admin request from it is refused until `Retry-After` seconds have passed',
  },
  INTERNAL: { status: 500, meaning: 'unexpected server error; quote `requestId` when reporting it' },
  STORE_UNAVAILABLE: {
    status: 503,
    meaning: 'the database cannot be reached right now; retry after `Retry-After` seconds',
  },
} as const;

/**
 * Seconds a client should wait before retrying after STORE_UNAVAILABLE: about one connection attempt
 * of the store (PostgreSQL's connect timeout, SQLite's busy timeout), so a retry is a fresh try.
 */
export const STORE_RETRY_AFTER_SECONDS = 5;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

export interface ErrorDetail {
  path: string;
  message: string;
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: ErrorDetail[]; requestId?: string };
}

/** An error meant for the client: its message is safe to show. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetail[] | undefined;
  /** Extra response headers (e.g. `Allow`, `Connection: close`). */
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: ErrorDetail[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

/**
 * Turns anything that reached the error path into our error. Restify's own routing errors keep their
 * meaning; a store that cannot be reached is STORE_UNAVAILABLE, whichever route asked it (the stores
 * raise StoreUnavailableError for it, so no route has to); anything else is an INTERNAL error whose
 * message never leaves the server.
 */
export function toApiError(err: unknown, allowHeader?: string): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof StoreUnavailableError) {
    return new ApiError('STORE_UNAVAILABLE', 'the database is unavailable; try again shortly', {
      headers: { 'Retry-After': String(STORE_RETRY_AFTER_SECONDS) },
    });
  }
  const name = err instanceof Error ? err.name : '';
  if (name === 'ResourceNotFoundError') return new ApiError('NOT_FOUND', 'no such route');
  if (name === 'MethodNotAllowedError') {
    return new ApiError('METHOD_NOT_ALLOWED', 'method not allowed on this route', {
      headers: allowHeader ? { Allow: allowHeader } : {},
    });
  }
  return new ApiError('INTERNAL', 'internal server error');
}

export function errorBody(err: ApiError, requestId?: string): ErrorBody {
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err.details ? { details: err.details } : {}),
      ...(requestId ? { requestId } : {}),
    },
  };
}
