/** Property-based tests: the validator never throws, and valid flows never need the step guard. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compileFlow } from '../../src/engine/compile.ts';
import { initialState } from '../../src/engine/state.ts';
import { step } from '../../src/engine/step.ts';
import type { EngineEvent } from '../../src/engine/types.ts';
import { validateFlow } from '../../src/flow/validate.ts';
import { match, noMatch, providerError } from '../engine/harness.ts';

const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const target = fc.constantFrom(...ids);
const text = fc.constantFrom('hi', '{{x}}', '{{lastMessage}} and {{intent}}', '');
const test_ = fc.constantFrom(
  { var: 'x', equals: 'hi' },
  { var: 'lastMessage', contains: 'i', ignoreCase: true },
  { var: 'x', matches: '^[a-z]+$' },
  { not: { var: 'intent', exists: true } },
);

const blockOf = (id: string) =>
  fc.oneof(
    fc.record({ id: fc.constant(id), type: fc.constant('message'), text, next: target }),
    fc.record({ id: fc.constant(id), type: fc.constant('wait'), saveAs: fc.constant('x'), next: target }),
    fc.record({
      id: fc.constant(id),
      type: fc.constant('set'),
      values: fc.record({ x: text }),
      next: target,
    }),
    fc.record({
      id: fc.constant(id),
      type: fc.constant('condition'),
      cases: fc.array(fc.record({ if: test_, next: target }), { minLength: 1, maxLength: 3 }),
      else: target,
    }),
    fc.record({
      id: fc.constant(id),
      type: fc.constant('intent'),
      intents: fc.constant([{ id: 'one', description: 'one' }]).chain((intents) =>
        fc.tuple(target, target).map(([n1, n2]) => [
          { ...intents[0], next: n1 },
          { id: 'two', description: 'two', next: n2 },
        ]),
      ),
      noMatch: target,
      onError: target,
    }),
    fc.record({ id: fc.constant(id), type: fc.constant('end') }),
  );

const flowDocument = fc.integer({ min: 1, max: ids.length }).chain((n) =>
  fc.tuple(...ids.slice(0, n).map(blockOf)).map((blocks) => ({
    formatVersion: 1,
    name: 'random',
    start: 'a',
    blocks,
  })),
);

const classification = fc.constantFrom(match('one'), match('two', 0.2), noMatch(), providerError());

describe('properties', () => {
  test('any JSON value gets a structured result, never a throw', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (doc) => {
        const result = validateFlow(doc);
        assert.equal(typeof result.valid, 'boolean');
        if (!result.valid) assert.ok(result.errors.length > 0);
        for (const p of [...result.errors, ...result.warnings]) {
          assert.match(p.path, /^(\/[^/]*)*$/);
          assert.equal(typeof p.message, 'string');
        }
      }),
      { numRuns: 500 },
    );
  });

  test('random flow-shaped documents (valid or not) never throw', () => {
    const mutated = flowDocument
      .chain((doc) =>
        fc.tuple(
          fc.constant(doc),
          fc.nat(doc.blocks.length - 1),
          fc.jsonValue(),
          fc.constantFrom('id', 'next', 'type', 'zzz', 'cases'),
        ),
      )
      .map(([doc, i, value, key]) => {
        (doc.blocks[i] as Record<string, unknown>)[key] = value;
        return doc;
      });
    fc.assert(
      fc.property(mutated, (doc) => {
        const result = validateFlow(doc);
        assert.equal(typeof result.valid, 'boolean');
      }),
      { numRuns: 500 },
    );
  });

  test('a flow that validates never reaches the step guard, whatever the user and classifier do', () => {
    let validCount = 0;
    fc.assert(
      fc.property(
        flowDocument,
        fc.array(fc.tuple(fc.constantFrom('hi', 'xyz', ''), classification), { maxLength: 6 }),
        (doc, script) => {
          const result = validateFlow(doc);
          if (!result.valid) return;
          validCount++;
          const flow = compileFlow(result.flow, 1);
          let state = initialState(1);
          const queue: EngineEvent[] = [{ type: 'start' }];
          const inputs = [...script];
          for (let turns = 0; turns < 50 && queue.length > 0; turns++) {
            const event = queue.shift() as EngineEvent;
            const outcome = step(flow, state, event);
            assert.ok(outcome.ok, JSON.stringify(outcome));
            state = outcome.state;
            const last = outcome.effects.at(-1);
            assert.notDeepEqual(last, { type: 'end', reason: 'step_limit' });
            assert.notDeepEqual(last, { type: 'end', reason: 'missing_block' });
            const input = inputs.shift();
            if (!input) break;
            if (last?.type === 'classify')
              queue.push({ type: 'classified', blockId: last.request.blockId, result: input[1] });
            else if (last?.type === 'wait') queue.push({ type: 'user_message', text: input[0] });
          }
        },
      ),
      { numRuns: 4000 },
    );
    // Make sure the property was not vacuous.
    assert.ok(validCount > 100, `only ${validCount} random flows were valid`);
  });
});
