/**
 * A step enters blocks until a `wait`, `intent` or `end` block stops it, and the engine gives up after
 * ENGINE_LIMITS.maxStepsPerTurn blocks: the validator refuses any longer path, so that no valid flow
 * can reach the guard (the engine side of the bound is in test/engine/step-limit.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ENGINE_LIMITS } from '../../src/flow/limits.ts';
import { validateFlow } from '../../src/flow/validate.ts';
import { type Block, flowDocument, messageChain } from './fixtures.ts';

const LIMIT = ENGINE_LIMITS.maxStepsPerTurn;

describe('validateFlow: paths longer than one step may run', () => {
  test('a chain of 1,500 message blocks is refused, naming where the path starts and ends', () => {
    const result = validateFlow(flowDocument(messageChain(1_500)));
    assert.equal(result.valid, false);
    assert.deepEqual(result.errors, [
      {
        path: '/blocks/0',
        message: `1501 blocks in one step, from "m0" to "bye", without a wait or intent block: the engine enters at most ${LIMIT} blocks before one must stop the step`,
      },
    ]);
  });

  test('exactly at the limit is accepted: 999 messages and the end block are 1,000 blocks', () => {
    assert.equal(LIMIT, 1_000);
    const result = validateFlow(flowDocument(messageChain(LIMIT - 1)));
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.warnings, []);
    assert.equal(result.valid, true);
  });

  test('one block over the limit is refused', () => {
    const result = validateFlow(flowDocument(messageChain(LIMIT)));
    assert.equal(result.valid, false);
    assert.deepEqual(
      result.errors.map((e) => e.path),
      ['/blocks/0'],
    );
    assert.match(result.errors[0]?.message ?? '', /^1001 blocks in one step, from "m0" to "bye"/);
  });

  test('the block that stops the step counts: a chain into a wait block', () => {
    const wait = { id: 'w', type: 'wait', next: 'bye' };
    const blocks = [...messageChain(LIMIT, wait), { id: 'bye', type: 'end' }];
    const result = validateFlow(flowDocument(blocks));
    assert.match(result.errors[0]?.message ?? '', /^1001 blocks in one step, from "m0" to "w"/);
  });

  test('a wait block, or an intent block, in the middle splits the path into two steps', () => {
    for (const stop of [
      { id: 'stop', type: 'wait', next: 'n0' },
      {
        id: 'stop',
        type: 'intent',
        intents: [{ id: 'yes', description: 'yes', next: 'n0' }],
        noMatch: 'n0',
      },
    ]) {
      const blocks = [...messageChain(800, stop), ...messageChain(800, undefined, 'n')];
      const result = validateFlow(flowDocument(blocks));
      assert.deepEqual(result.errors, [], stop.type);
      assert.equal(result.valid, true);
    }
  });

  test('a long path that starts after a wait block is reported where it starts', () => {
    const blocks = [
      { id: 'hello', type: 'message', text: 'hi', next: 'ask' },
      { id: 'ask', type: 'wait', saveAs: 'said', next: 'm0' },
      ...messageChain(1_200),
    ];
    const result = validateFlow(flowDocument(blocks, 'hello'));
    assert.deepEqual(
      result.errors.map((e) => e.path),
      ['/blocks/2'],
    );
    assert.match(result.errors[0]?.message ?? '', /^1201 blocks in one step, from "m0" to "bye"/);
  });

  test('branches count by their longest way: a condition whose else runs long', () => {
    const blocks = [
      {
        id: 'check',
        type: 'condition',
        cases: [{ if: { var: 'x', exists: true }, next: 'bye' }],
        else: 'm0',
      },
      { id: 'short', type: 'set', values: { x: '1' }, next: 'check' },
      ...messageChain(LIMIT - 1),
    ];
    const result = validateFlow(flowDocument(blocks, 'short'));
    // short → check → m0 … m998 → bye: 1,002 blocks; the report starts at the first of them.
    assert.deepEqual(
      result.errors.map((e) => e.path),
      ['/blocks/1'],
    );
    assert.match(result.errors[0]?.message ?? '', /^1002 blocks in one step, from "short" to "bye"/);
  });

  test('a wait-less cycle is reported as a cycle, and the length check still ends', () => {
    const blocks = messageChain(LIMIT + 5);
    blocks[LIMIT + 4] = { ...(blocks[LIMIT + 4] as Block), next: 'm0' };
    const result = validateFlow(flowDocument(blocks));
    assert.equal(result.valid, false);
    assert.ok(result.errors.some((e) => e.message.startsWith('cycle without a wait or end block')));
  });
});
