/**
 * Turns whatever one OpenAI call ended with (a refusal status, or what the HTTP client threw) into a
 * typed failure: its error code, whether it is worth retrying, and the wait the server asked for.
 * Messages carry the HTTP status and the provider's error code only, never the provider's free-text
 * message (it can echo request data or part of a key).
 */
import { errors } from 'undici';
import type { IntentErrorCode } from '../engine/index.ts';
import type { HttpRefusal } from './openai-http.ts';
import { SAMPLING_PARAMS, type SamplingParam } from './openai-prompt.ts';
import { retryAfterMs } from './retry.ts';

export interface ProviderFailure {
  code: IntentErrorCode;
  message: string;
  retryable: boolean;
  /** The wait the server asked for (429/503 `retry-after`), in ms. */
  retryAfterMs?: number;
  /** A 400 that names a sampling setting this server does not take: ask again without it. */
  unsupportedParam?: SamplingParam;
}

/** 408 is a timeout and 429 a rate limit: both pass; so do server errors. Other 4xx will not change. */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

const SAFE_PROVIDER_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

/** OpenAI's error body: `{"error": {"code": "...", "param": "...", "message": "..."}}`. */
function errorOf(body: unknown): { code?: unknown; param?: unknown; message?: unknown } {
  if (typeof body !== 'object' || body === null) return {};
  const error = (body as { error?: unknown }).error;
  return typeof error === 'object' && error !== null ? error : {};
}

/** Only a tame code is kept for messages and logs. */
function providerCode(body: unknown): string {
  const { code } = errorOf(body);
  return typeof code === 'string' && SAFE_PROVIDER_CODE.test(code) ? code : '';
}

/**
 * The sampling setting a 400 complains about: OpenAI names it in `param`; other servers only in the
 * message (read here, never logged).
 */
function unsupportedParam(refusal: HttpRefusal): SamplingParam | undefined {
  if (refusal.status !== 400) return undefined;
  const { param, message } = errorOf(refusal.body);
  const named = SAMPLING_PARAMS.find((candidate) => candidate === param);
  if (named) return named;
  if (typeof message !== 'string') return undefined;
  return SAMPLING_PARAMS.find((candidate) => message.includes(candidate));
}

export function refusalFailure(refusal: HttpRefusal): ProviderFailure {
  const code = providerCode(refusal.body);
  const failure: ProviderFailure = {
    code: 'PROVIDER_HTTP_ERROR',
    message: `the provider answered HTTP ${refusal.status}${code ? ` (${code})` : ''}`,
    retryable: isRetryableStatus(refusal.status),
  };
  const wait = retryAfterMs(refusal.headers);
  if (wait !== undefined) failure.retryAfterMs = wait;
  const param = unsupportedParam(refusal);
  if (param) failure.unsupportedParam = param;
  return failure;
}

/** Node's and undici's network errors carry a string code (ECONNREFUSED, ENOTFOUND, UND_ERR_SOCKET…). */
function isNetworkError(error: unknown): boolean {
  if (error instanceof errors.UndiciError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(E[A-Z_]+|UND_ERR_[A-Z_]+)$/.test(code);
}

/**
 * @param deadlinePassed the whole classification's deadline (or the caller's signal) fired
 * @param attemptTimedOut this attempt's own timer fired
 */
export function describeFailure(
  error: unknown,
  attemptMs: number,
  deadlinePassed: boolean,
  attemptTimedOut: boolean,
): ProviderFailure {
  if (deadlinePassed) {
    return { code: 'PROVIDER_TIMEOUT', message: 'the intent deadline passed', retryable: false };
  }
  if (attemptTimedOut) {
    return { code: 'PROVIDER_TIMEOUT', message: `no answer within ${attemptMs} ms`, retryable: true };
  }
  if (error instanceof errors.ResponseExceededMaxSizeError) {
    return { code: 'PROVIDER_MALFORMED', message: 'the response body is too large', retryable: false };
  }
  if (error instanceof SyntaxError) {
    return { code: 'PROVIDER_MALFORMED', message: 'the response body is not JSON', retryable: false };
  }
  if (isNetworkError(error)) {
    return { code: 'PROVIDER_UNAVAILABLE', message: 'could not reach the provider', retryable: true };
  }
  const name = error instanceof Error ? error.name : typeof error;
  return { code: 'PROVIDER_ERROR', message: `unexpected provider error (${name})`, retryable: false };
}
