import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CircuitBreaker } from '../../src/intent/breaker.ts';

function manualClock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function failTimes(breaker: CircuitBreaker, times: number): void {
  for (let i = 0; i < times; i += 1) {
    assert.equal(breaker.tryAcquire(), true);
    breaker.record(false);
  }
}

test('the breaker stays closed below the failure threshold and a success resets the count', () => {
  const breaker = new CircuitBreaker({ failureThreshold: 3, coolDownMs: 100, now: manualClock().now });
  failTimes(breaker, 2);
  assert.equal(breaker.tryAcquire(), true);
  breaker.record(true);
  failTimes(breaker, 2);
  assert.equal(breaker.state(), 'closed');
  assert.equal(breaker.timesOpened(), 0);
});

test('the breaker opens after N consecutive failures and refuses calls during the cool-down', () => {
  const clock = manualClock();
  const breaker = new CircuitBreaker({ failureThreshold: 3, coolDownMs: 100, now: clock.now });
  failTimes(breaker, 3);
  assert.equal(breaker.state(), 'open');
  assert.equal(breaker.tryAcquire(), false);
  clock.advance(99);
  assert.equal(breaker.tryAcquire(), false);
  assert.equal(breaker.timesOpened(), 1);
});

test('after the cool-down one trial goes through; its success closes the breaker', () => {
  const clock = manualClock();
  const breaker = new CircuitBreaker({ failureThreshold: 2, coolDownMs: 100, now: clock.now });
  failTimes(breaker, 2);
  clock.advance(100);
  assert.equal(breaker.state(), 'half-open');
  assert.equal(breaker.tryAcquire(), true, 'the trial');
  assert.equal(breaker.tryAcquire(), false, 'a second call while the trial runs');
  breaker.record(true);
  assert.equal(breaker.state(), 'closed');
  assert.equal(breaker.tryAcquire(), true);
});

test('a failed trial opens the breaker for another full cool-down', () => {
  const clock = manualClock();
  const breaker = new CircuitBreaker({ failureThreshold: 2, coolDownMs: 100, now: clock.now });
  failTimes(breaker, 2);
  clock.advance(150);
  assert.equal(breaker.tryAcquire(), true);
  breaker.record(false);
  assert.equal(breaker.state(), 'open');
  clock.advance(99);
  assert.equal(breaker.tryAcquire(), false);
  clock.advance(1);
  assert.equal(breaker.tryAcquire(), true);
  assert.equal(breaker.timesOpened(), 2);
});
