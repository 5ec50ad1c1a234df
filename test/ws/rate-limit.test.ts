/** The per-connection token bucket, driven by a hand-moved clock: refill over time and the flood window. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FLOOD_FACTOR, type RateDecision, RateLimiter } from '../../src/ws/rate-limit.ts';

/** A clock that only moves when the test says so (milliseconds, like performance.now). */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1_000;
  return { now: () => time, advance: (ms) => (time += ms) };
}

function takeMany(limiter: RateLimiter, count: number): RateDecision[] {
  return Array.from({ length: count }, () => limiter.take());
}

describe('rate limiter', () => {
  test('a full bucket allows `burst` messages at once, then limits', () => {
    const clock = manualClock();
    const limiter = new RateLimiter(2, 3, clock.now);
    assert.deepEqual(takeMany(limiter, 4), ['allow', 'allow', 'allow', 'limited']);
  });

  test('tokens come back at `perSecond`: one every 1/perSecond, partial tokens accumulate', () => {
    const clock = manualClock();
    const limiter = new RateLimiter(2, 3, clock.now);
    takeMany(limiter, 3);
    assert.equal(limiter.take(), 'limited');
    clock.advance(250); // half a token
    assert.equal(limiter.take(), 'limited');
    clock.advance(250); // the second half
    assert.equal(limiter.take(), 'allow');
    assert.equal(limiter.take(), 'limited');
    clock.advance(1_000); // two tokens
    assert.deepEqual(takeMany(limiter, 3), ['allow', 'allow', 'limited']);
  });

  test('a long idle time refills up to `burst`, never more', () => {
    const clock = manualClock();
    const limiter = new RateLimiter(2, 3, clock.now);
    takeMany(limiter, 3);
    clock.advance(60_000);
    assert.deepEqual(takeMany(limiter, 4), ['allow', 'allow', 'allow', 'limited']);
  });

  test('a steady rate at `perSecond` is never limited', () => {
    const clock = manualClock();
    const limiter = new RateLimiter(5, 1, clock.now);
    for (let i = 0; i < 50; i += 1) {
      assert.equal(limiter.take(), 'allow', `message ${i}`);
      clock.advance(200);
    }
  });

  test('perSecond 0 turns the limit off', () => {
    const limiter = new RateLimiter(0, 1, manualClock().now);
    assert.ok(takeMany(limiter, 100).every((decision) => decision === 'allow'));
  });

  test(`more than ${FLOOD_FACTOR}× burst refusals within a second is flooding`, () => {
    const clock = manualClock();
    const burst = 2;
    // One token every 10 s: nothing refills during the test, every refusal counts.
    const limiter = new RateLimiter(0.1, burst, clock.now);
    takeMany(limiter, burst);
    const refusals = takeMany(limiter, FLOOD_FACTOR * burst);
    assert.ok(refusals.every((decision) => decision === 'limited'));
    assert.equal(limiter.take(), 'flooding');
  });

  test('the flood window starts again after a second: refusals spread over time are only limited', () => {
    const clock = manualClock();
    const burst = 2;
    const limiter = new RateLimiter(0.1, burst, clock.now);
    takeMany(limiter, burst);
    const budget = FLOOD_FACTOR * burst;
    // The full budget of refusals in each of five seconds (the bucket stays below one token all along).
    for (let second = 0; second < 5; second += 1) {
      const decisions = takeMany(limiter, budget);
      assert.ok(
        decisions.every((decision) => decision === 'limited'),
        `second ${second}: ${decisions.join(',')}`,
      );
      if (second < 4) clock.advance(1_000);
    }
    // One more within the same second is over the budget.
    assert.equal(limiter.take(), 'flooding');
  });
});
