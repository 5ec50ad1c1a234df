/**
 * A circuit breaker for one provider. Closed: calls go through. After `failureThreshold` consecutive
 * failures it opens: calls are refused (the router falls back) for `coolDownMs`. Then it is half-open:
 * one trial call goes through; its success closes the breaker, its failure opens it for another cool-down.
 *
 * Usage: `if (breaker.tryAcquire()) { ...call...; breaker.record(ok) } else { ...fallback... }`.
 */

export const BREAKER_DEFAULTS = {
  failureThreshold: 5,
  coolDownMs: 30_000,
} as const;

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  failureThreshold?: number;
  coolDownMs?: number;
  /** Milliseconds clock, injectable for tests. */
  now?: () => number;
}

export class CircuitBreaker {
  readonly #failureThreshold: number;
  readonly #coolDownMs: number;
  readonly #now: () => number;
  #consecutiveFailures = 0;
  #openedAt: number | undefined;
  #trialInFlight = false;
  #timesOpened = 0;

  constructor(options: BreakerOptions = {}) {
    this.#failureThreshold = Math.max(1, options.failureThreshold ?? BREAKER_DEFAULTS.failureThreshold);
    this.#coolDownMs = options.coolDownMs ?? BREAKER_DEFAULTS.coolDownMs;
    this.#now = options.now ?? Date.now;
  }

  state(): BreakerState {
    if (this.#openedAt === undefined) return 'closed';
    return this.#now() - this.#openedAt >= this.#coolDownMs ? 'half-open' : 'open';
  }

  /** How many times the breaker has opened (for stats). */
  timesOpened(): number {
    return this.#timesOpened;
  }

  /** May a call go through now? In half-open, only one trial at a time is let through. */
  tryAcquire(): boolean {
    switch (this.state()) {
      case 'closed':
        return true;
      case 'open':
        return false;
      case 'half-open':
        if (this.#trialInFlight) return false;
        this.#trialInFlight = true;
        return true;
    }
  }

  /** The outcome of a call that `tryAcquire` let through. */
  record(success: boolean): void {
    const wasTrial = this.#trialInFlight;
    this.#trialInFlight = false;
    if (success) {
      this.#consecutiveFailures = 0;
      this.#openedAt = undefined;
      return;
    }
    this.#consecutiveFailures += 1;
    if (wasTrial || this.#consecutiveFailures >= this.#failureThreshold) {
      if (this.#openedAt === undefined || wasTrial) this.#timesOpened += 1;
      this.#openedAt = this.#now();
    }
  }
}
