/**
 * Retry timing for provider calls: jittered exponential backoff, `retry-after` / `retry-after-ms`
 * headers, and an abortable sleep. Pure helpers; the classifier decides what is retried.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** Exponential backoff with jitter: attempt 0 waits in [base/2, base), attempt 1 in [base, 2·base), ... */
export function backoffMs(retryIndex: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = baseMs * 2 ** retryIndex;
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** Response headers, read by name (case-insensitive). */
export interface HeaderSource {
  get(name: string): string | null;
}

/**
 * The wait the server asked for, in ms, or undefined when it asked for none (or said it unreadably).
 * `retry-after-ms` (OpenAI's, more precise) wins over `retry-after` (seconds or an HTTP date).
 */
export function retryAfterMs(
  headers: HeaderSource | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return Math.ceil(value);
  }
  const after = headers.get('retry-after')?.trim();
  if (!after) return undefined;
  if (/^\d+(\.\d+)?$/.test(after)) return Math.ceil(Number(after) * 1000);
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Sleeps `ms`, or less when `signal` aborts first. Never rejects. */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    // Aborted: the caller looks at the signal.
  }
}
