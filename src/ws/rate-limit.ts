/**
 * A token bucket per connection: `perSecond` refill, `burst` capacity. Counting what it refuses lets the
 * server close a client that keeps flooding (over 10× the burst within a second; docs/websocket-protocol.md, Limits).
 */
export const FLOOD_FACTOR = 10;

export type RateDecision = 'allow' | 'limited' | 'flooding';

/** Shared by every limiter: a bound `performance.now` per connection would cost a function object each. */
const monotonicNow = () => performance.now();

export class RateLimiter {
  private tokens: number;
  private last: number;
  private windowStart: number;
  private refusedInWindow = 0;
  private readonly perSecond: number;
  private readonly burst: number;
  private readonly now: () => number;

  constructor(perSecond: number, burst: number, now: () => number = monotonicNow) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.now = now;
    this.tokens = burst;
    this.last = now();
    this.windowStart = this.last;
  }

  take(): RateDecision {
    if (this.perSecond === 0) return 'allow';
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 'allow';
    }
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.refusedInWindow = 0;
    }
    this.refusedInWindow++;
    return this.refusedInWindow > FLOOD_FACTOR * this.burst ? 'flooding' : 'limited';
  }
}
