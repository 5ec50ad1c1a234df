/**
 * One classification's deadline (INTENT_TIMEOUT_MS) and the shares of it the router gives each
 * provider. A provider that ignores its signal (or is stuck before it can look at it, e.g. waiting for
 * a model) is still cut at its share by `withinShare`: no provider can hold a turn past the deadline.
 */
import type { Classification, IntentErrorCode } from '../engine/index.ts';

export class Deadline {
  readonly totalMs: number;
  /** Fires at the deadline, or when the caller's own signal does. */
  readonly signal: AbortSignal;
  readonly #endsAt: number;
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(totalMs: number, outer?: AbortSignal) {
    this.totalMs = totalMs;
    this.#endsAt = performance.now() + totalMs;
    const own = this.#timeout(totalMs);
    this.signal = outer ? AbortSignal.any([own, outer]) : own;
  }

  remainingMs(): number {
    return Math.max(0, Math.floor(this.#endsAt - performance.now()));
  }

  /** A signal that fires after `ms`, or at the deadline if that comes first. */
  share(ms: number): AbortSignal {
    return AbortSignal.any([this.signal, this.#timeout(ms)]);
  }

  /** Clears the timers: a finished classification leaves nothing scheduled. */
  dispose(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.length = 0;
  }

  #timeout(ms: number): AbortSignal {
    const controller = new AbortController();
    this.#timers.push(setTimeout(() => controller.abort(), ms));
    return controller.signal;
  }
}

const TIMEOUT: IntentErrorCode = 'PROVIDER_TIMEOUT';

/**
 * The provider's answer, or a PROVIDER_TIMEOUT error as soon as `signal` fires, whichever comes first.
 * `work` must not reject (the router wraps providers so that they never do).
 */
export function withinShare(
  work: Promise<Classification>,
  signal: AbortSignal,
  provider: string,
  shareMs: number,
): Promise<Classification> {
  const started = performance.now();
  const timedOut = (): Classification => ({
    kind: 'error',
    code: TIMEOUT,
    message: `the ${provider} classifier did not answer within ${shareMs} ms`,
    provider,
    latencyMs: Math.round(performance.now() - started),
    cached: false,
    fallback: false,
  });
  if (signal.aborted) return Promise.resolve(timedOut());
  return new Promise((resolve) => {
    const onAbort = () => resolve(timedOut());
    signal.addEventListener('abort', onAbort, { once: true });
    void work.then((result) => {
      signal.removeEventListener('abort', onAbort);
      resolve(result);
    });
  });
}
