/** The LLM budget's ceilings, with an injected clock: each ceiling, window rollover, UTC day rollover. */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import {
  addressKey,
  BUDGET_DEFAULTS,
  type BudgetCaller,
  type BudgetLimits,
  LlmBudget,
  LogThrottle,
} from '../../src/intent/budget.ts';

const UNLIMITED: BudgetLimits = { perConversation: 0, perAddressPerHour: 0, perMinute: 0, perDay: 0 };
/** 2024-05-01T23:58:30Z: a minute and a UTC day both end soon. */
const START = Date.UTC(2024, 4, 1, 23, 58, 30);

let clock: number;
const now = () => clock;

beforeEach(() => {
  clock = START;
});

function budget(limits: Partial<BudgetLimits>, maxTrackedKeys?: number): LlmBudget {
  return new LlmBudget({ ...UNLIMITED, ...limits }, { now, ...(maxTrackedKeys ? { maxTrackedKeys } : {}) });
}

/** Calls until the budget refuses one (at most `max`); how many went through. */
function spend(b: LlmBudget, caller: BudgetCaller | undefined, max = 1_000): number {
  for (let made = 0; made < max; made++) {
    if (b.refusal(caller)) return made;
    b.record(caller);
  }
  return max;
}

const alice: BudgetCaller = { conversationId: 'c-alice', clientAddress: '203.0.113.7' };

test('the defaults protect a small bill and every ceiling is on', () => {
  assert.deepEqual(BUDGET_DEFAULTS, {
    perConversation: 100,
    perAddressPerHour: 300,
    perMinute: 600,
    perDay: 20_000,
  });
});

test('unlimited (all 0): nothing is ever refused', () => {
  assert.equal(spend(budget({}), alice, 5_000), 5_000);
});

test('per conversation: the ceiling holds for that conversation only, and does not reset with time', () => {
  const b = budget({ perConversation: 3 });
  assert.equal(spend(b, alice), 3);
  const refusal = b.refusal(alice);
  assert.equal(refusal?.ceiling, 'conversation');
  assert.equal(refusal?.limit, 3);
  assert.equal(refusal?.resetsAt, undefined);
  assert.match(refusal?.message ?? '', /3 per conversation/);
  // Another conversation from the same address is not affected.
  assert.equal(spend(b, { conversationId: 'c-other', clientAddress: '203.0.113.7' }), 3);
  clock += 7 * 86_400_000;
  assert.equal(b.refusal(alice)?.ceiling, 'conversation');
  // Without a caller (a tool) the per-conversation ceiling does not apply.
  assert.equal(b.refusal(undefined), null);
});

test('per address: shared by every conversation of the address, per clock hour', () => {
  const b = budget({ perAddressPerHour: 4 });
  assert.equal(spend(b, { conversationId: 'a', clientAddress: '203.0.113.7' }, 2), 2);
  assert.equal(spend(b, { conversationId: 'b', clientAddress: '203.0.113.7' }), 2);
  const refusal = b.refusal({ conversationId: 'c', clientAddress: '203.0.113.7' });
  assert.equal(refusal?.ceiling, 'address');
  assert.equal(refusal?.resetsAt, Date.UTC(2024, 4, 2, 0, 0, 0));
  assert.match(refusal?.message ?? '', /4 per client address and hour.*until 2024-05-02T00:00:00\.000Z/);
  assert.ok(!refusal?.message.includes('203.0.113.7'), 'the message never names the address');
  // Another address, and a caller with no address, are not affected.
  assert.equal(spend(b, { conversationId: 'd', clientAddress: '198.51.100.1' }), 4);
  assert.equal(b.refusal({ conversationId: 'e' }), null);
  // The next clock hour starts a new window.
  clock = Date.UTC(2024, 4, 2, 0, 0, 0) - 1;
  assert.equal(b.refusal({ conversationId: 'c', clientAddress: '203.0.113.7' })?.ceiling, 'address');
  clock += 1;
  assert.equal(spend(b, { conversationId: 'c', clientAddress: '203.0.113.7' }), 4);
});

test('per address: IPv6 addresses count per /64', () => {
  assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
  assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
  assert.equal(addressKey('not an address'), 'not an address');
  const b = budget({ perAddressPerHour: 2 });
  b.record({ conversationId: 'a', clientAddress: '2001:db8:1:2::10' });
  b.record({ conversationId: 'b', clientAddress: '2001:db8:1:2::11' });
  assert.equal(b.refusal({ conversationId: 'c', clientAddress: '2001:db8:1:2::12' })?.ceiling, 'address');
  assert.equal(b.refusal({ conversationId: 'c', clientAddress: '2001:db8:1:3::12' }), null);
});

test('per minute: across the process, a new clock minute starts again', () => {
  const b = budget({ perMinute: 5 });
  assert.equal(spend(b, undefined, 3), 3);
  assert.equal(spend(b, alice), 2);
  const refusal = b.refusal({ conversationId: 'x', clientAddress: '198.51.100.1' });
  assert.equal(refusal?.ceiling, 'minute');
  assert.equal(refusal?.resetsAt, Date.UTC(2024, 4, 1, 23, 59, 0));
  assert.deepEqual(b.used(), { minute: 5, day: 5 });
  clock = Date.UTC(2024, 4, 1, 23, 59, 0);
  assert.deepEqual(b.used(), { minute: 0, day: 5 });
  assert.equal(spend(b, undefined), 5);
});

test('per day: across the process, per UTC day; the day rolls over at midnight UTC', () => {
  const b = budget({ perDay: 7 });
  assert.equal(spend(b, alice), 7);
  clock += 60_000; // a new minute does not help
  const refusal = b.refusal(undefined);
  assert.equal(refusal?.ceiling, 'day');
  assert.equal(refusal?.resetsAt, Date.UTC(2024, 4, 2));
  assert.match(refusal?.message ?? '', /7 per UTC day/);
  clock = Date.UTC(2024, 4, 2) - 1;
  assert.equal(b.refusal(undefined)?.ceiling, 'day');
  clock = Date.UTC(2024, 4, 2);
  assert.equal(spend(b, { conversationId: 'new' }), 7);
});

test('the narrowest ceiling is named first, and refusals are counted by ceiling', () => {
  const b = budget({ perConversation: 1, perAddressPerHour: 1, perMinute: 1, perDay: 1 });
  b.record(alice);
  assert.equal(b.refusal(alice)?.ceiling, 'conversation');
  assert.equal(
    b.refusal({ conversationId: 'other', clientAddress: alice.clientAddress })?.ceiling,
    'address',
  );
  assert.equal(b.refusal({ conversationId: 'other' })?.ceiling, 'minute');
  clock += 60_000; // the next minute, the same UTC day
  assert.equal(b.refusal({ conversationId: 'other' })?.ceiling, 'day');
  assert.deepEqual(b.refusals(), { conversation: 1, address: 1, minute: 1, day: 1 });
});

test('memory is bounded: the least recently used counts are dropped first', () => {
  const b = budget({ perConversation: 1 }, 2);
  b.record({ conversationId: 'one' });
  b.record({ conversationId: 'two' });
  assert.ok(b.refusal({ conversationId: 'one' }));
  b.record({ conversationId: 'three' }); // evicts 'two', the least recently used
  assert.ok(b.refusal({ conversationId: 'one' }));
  assert.ok(b.refusal({ conversationId: 'three' }));
  assert.equal(b.refusal({ conversationId: 'two' }), null);
});

test('the warning throttle: one line per key and interval, saying how many were held back', () => {
  const throttle = new LogThrottle(60_000, now);
  assert.deepEqual(throttle.note('day'), { suppressed: 0 });
  assert.equal(throttle.note('day'), null);
  assert.equal(throttle.note('day'), null);
  assert.deepEqual(throttle.note('minute'), { suppressed: 0 });
  clock += 59_999;
  assert.equal(throttle.note('day'), null);
  clock += 1;
  assert.deepEqual(throttle.note('day'), { suppressed: 3 });
  assert.equal(throttle.note('day'), null);
});
