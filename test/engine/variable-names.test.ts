/**
 * Names that come from a flow (variable names, block ids) are keys of prototype-less maps in the
 * engine: `constructor`, `toString` or `__proto__` are stored, read and serialised like any other.
 * (The validator refuses `__proto__` in a flow; the engine stays correct for a state that holds it.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Flow } from '../../src/flow/types.ts';
import { NAMES_FLOW } from '../flow/fixtures.ts';
import { flowOf } from '../support/flows.ts';
import { botTexts, Conversation } from './harness.ts';

describe('engine: variables and block ids named like Object.prototype members', () => {
  test('saveAs, set, a condition, templates and an intent block id: toString, constructor, valueOf', async () => {
    const c = new Conversation(flowOf(NAMES_FLOW));
    await c.start();
    assert.deepEqual(botTexts(await c.say('hello')), ['noted hello']);
    assert.deepEqual(
      { ...c.state.variables },
      { lastMessage: 'hello', toString: 'hello', constructor: 'hello' },
    );
    assert.deepEqual(botTexts(await c.say('qwzx')), ['sorry, qwzx?']);
    assert.deepEqual({ ...c.state.noMatchCounts }, { constructor: 1 });
    // maxNoMatch 2 on the block "constructor": the second no-match ends; valueOf was never set.
    assert.deepEqual(botTexts(await c.say('plokij')), ['bye; first was hello []']);
    const counts = c.history.flatMap((e) => (e.type === 'intent.no_match' ? [e.data.count] : []));
    assert.deepEqual(counts, [1, 2]);
  });

  test('a variable named __proto__ holds its value across turns and a JSON round trip', async () => {
    // Not a valid flow (the validator refuses the name): the engine must still store it as data.
    const flow = {
      formatVersion: 1,
      name: 'proto',
      start: 'ask',
      blocks: [
        { id: 'ask', type: 'wait', saveAs: '__proto__', next: 'echo' },
        { id: 'echo', type: 'message', text: 'got {{__proto__}}', next: 'again' },
        { id: 'again', type: 'wait', next: 'bye' },
        { id: 'bye', type: 'end', text: 'still {{__proto__}}' },
      ],
    } as Flow;
    const c = new Conversation(flow);
    await c.start();
    assert.deepEqual(botTexts(await c.say('hello')), ['got hello']);
    // The harness stored the state as JSON and parsed it back, as the stores do.
    assert.ok(Object.hasOwn(c.state.variables, '__proto__'));
    assert.deepEqual(botTexts(await c.say('more')), ['still hello']);
  });
});
