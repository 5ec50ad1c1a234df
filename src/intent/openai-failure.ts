/**
 * Turns whatever one OpenAI SDK call threw into a typed failure: its error code, whether it is worth
 * retrying, and the wait the server asked for. Messages carry the HTTP status and the provider's error
 * code only, never the provider's free-text message (it can echo request data or part of a key).
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { IntentErrorCode } from '../engine/index.ts';
import { retryAfterMs } from './retry.ts';

export interface ProviderFailure {
  code: IntentErrorCode;
  message: string;
  retryable: boolean;
  /** The wait the server asked for (429/503 `retry-after`), in ms. */
  retryAfterMs?: number;
}

/** 408 is a timeout and 429 a rate limit: both pass; so do server errors. Other 4xx will not change. */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

const SAFE_PROVIDER_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

function httpFailure(error: APIError, status: number): ProviderFailure {
  const providerCode =
    typeof error.code === 'string' && SAFE_PROVIDER_CODE.test(error.code) ? error.code : '';
  const failure: ProviderFailure = {
    code: 'PROVIDER_HTTP_ERROR',
    message: `the provider answered HTTP ${status}${providerCode ? ` (${providerCode})` : ''}`,
    retryable: isRetryableStatus(status),
  };
  const wait = retryAfterMs(error.headers);
  if (wait !== undefined) failure.retryAfterMs = wait;
  return failure;
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
  if (attemptTimedOut || error instanceof APIConnectionTimeoutError || error instanceof APIUserAbortError) {
    return { code: 'PROVIDER_TIMEOUT', message: `no answer within ${attemptMs} ms`, retryable: true };
  }
  if (error instanceof APIConnectionError) {
    return { code: 'PROVIDER_UNAVAILABLE', message: 'could not reach the provider', retryable: true };
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    return httpFailure(error, error.status);
  }
  if (error instanceof SyntaxError) {
    return { code: 'PROVIDER_MALFORMED', message: 'the response body is not JSON', retryable: false };
  }
  const name = error instanceof Error ? error.name : typeof error;
  return { code: 'PROVIDER_ERROR', message: `unexpected provider error (${name})`, retryable: false };
}
