/**
 * The validator and the engine share one step limit (ENGINE_LIMITS.maxStepsPerTurn): the longest path
 * a valid flow may have runs to its end, and the first one the validator refuses is exactly the first
 * the engine would stop (test/flow/step-length.test.ts is the validator side).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ENGINE_LIMITS } from '../../src/flow/limits.ts';
import type { Flow } from '../../src/flow/types.ts';
import { validateFlow } from '../../src/flow/validate.ts';
import { flowDocument, messageChain } from '../flow/fixtures.ts';
import { flowOf } from '../support/flows.ts';
import { Conversation } from './harness.ts';

const LIMIT = ENGINE_LIMITS.maxStepsPerTurn;
const ask = { id: 'ask', type: 'wait', saveAs: 'said', next: 'route' };
const route = {
  id: 'route',
  type: 'intent',
  intents: [{ id: 'go', description: 'go on', next: 'm0' }],
  noMatch: 'ask',
};

describe('engine: the step limit is the validator’s bound', () => {
  test('the longest valid path runs to its end: after start, a user message and a classification', async () => {
    // start: hello → ask (2 blocks); "go": route (1); classified: m0 … m998 → bye (1,000 blocks).
    const flow = flowOf(
      flowDocument(
        [{ id: 'hello', type: 'message', text: 'hi', next: 'ask' }, ask, route, ...messageChain(LIMIT - 1)],
        'hello',
      ),
    );
    const c = new Conversation(flow);
    await c.start();
    const effects = await c.say('go');
    assert.deepEqual(effects.at(-1), { type: 'end', reason: 'end_block' });
    const entered = c.history.filter((e) => e.type === 'block.entered').length;
    assert.equal(entered, 2 + 1 + LIMIT);
  });

  test('one block more, which the validator refuses, is where the engine stops the turn', async () => {
    const document = flowDocument(messageChain(LIMIT));
    assert.equal(validateFlow(document).valid, false);
    const c = new Conversation(document as Flow);
    const effects = await c.start();
    assert.deepEqual(effects.at(-1), { type: 'end', reason: 'step_limit' });
  });
});
