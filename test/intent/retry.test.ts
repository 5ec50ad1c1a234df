import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMs, retryAfterMs } from '../../src/intent/retry.ts';

const headers = (values: Record<string, string>) => new Headers(values);

test('retry-after-ms is read in milliseconds and wins over retry-after', () => {
  assert.equal(retryAfterMs(headers({ 'retry-after-ms': '250.2', 'retry-after': '9' })), 251);
});

test('retry-after is read as seconds or as an HTTP date', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(retryAfterMs(headers({ 'retry-after': '2' }), now), 2_000);
  assert.equal(retryAfterMs(headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }), now), 3_000);
  assert.equal(
    retryAfterMs(headers({ 'retry-after': 'Wed, 31 Dec 2025 00:00:00 GMT' }), now),
    0,
    'a past date',
  );
});

test('a missing or unreadable retry-after asks for nothing', () => {
  assert.equal(retryAfterMs(undefined), undefined);
  assert.equal(retryAfterMs(headers({})), undefined);
  assert.equal(retryAfterMs(headers({ 'retry-after': 'soon' })), undefined);
  assert.equal(retryAfterMs(headers({ 'retry-after-ms': '-5' })), undefined);
});

test('backoff doubles with each retry and is jittered within [ceiling/2, ceiling]', () => {
  assert.equal(
    backoffMs(0, 200, () => 0),
    100,
  );
  assert.equal(
    backoffMs(0, 200, () => 1),
    200,
  );
  assert.equal(
    backoffMs(1, 200, () => 0),
    200,
  );
  assert.equal(
    backoffMs(1, 200, () => 0.5),
    300,
  );
  assert.equal(
    backoffMs(2, 200, () => 1),
    800,
  );
});
