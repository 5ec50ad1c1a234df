/** compareStep: expected against observed, one step; the cases the CLI's tests do not pin down. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareStep } from '../../src/flow-tests/compare.ts';
import type { TestStep } from '../../src/flow-tests/format.ts';
import type { ObservedTurn } from '../../src/flow-tests/observed.ts';

const AT = '/conversations/0/steps/1';

function turn(overrides: Partial<ObservedTurn> = {}): ObservedTurn {
  return { bot: [], classifications: [], at: 'ask', ended: false, vars: {}, blocks: [], ...overrides };
}

const sorry = turn({ bot: [{ text: 'I am Sorry, what?', options: ['Yes', 'No'] }] });
const paths = (step: TestStep, observed: ObservedTurn) => compareStep(step, observed, AT).map((m) => m.path);

test('a pattern is found anywhere unless its author anchors it (RE2, find)', () => {
  assert.deepEqual(paths({ user: 'x', bot: [{ matches: 'Sorry' }] }, sorry), []);
  assert.deepEqual(paths({ user: 'x', bot: [{ matches: '^Sorry' }] }, sorry), [`${AT}/bot/0`]);
  assert.deepEqual(paths({ user: 'x', bot: [{ matches: '^I am' }] }, sorry), []);
});

test('options: exactly those, in order, when the expectation lists them; an exact string ignores them', () => {
  const text = 'I am Sorry, what?';
  assert.deepEqual(paths({ user: 'x', bot: [text] }, sorry), []);
  assert.deepEqual(paths({ user: 'x', bot: [{ text }] }, sorry), []);
  assert.deepEqual(paths({ user: 'x', bot: [{ text, options: ['Yes', 'No'] }] }, sorry), []);
  assert.deepEqual(paths({ user: 'x', bot: [{ text, options: ['No', 'Yes'] }] }, sorry), [`${AT}/bot/0`]);
  assert.deepEqual(paths({ user: 'x', bot: [{ matches: 'what', options: [] }] }, sorry), [`${AT}/bot/0`]);
  const plain = turn({ bot: [{ text: 'Hi' }] });
  assert.deepEqual(paths({ user: 'x', bot: [{ text: 'Hi', options: [] }] }, plain), []);
});

test('"bot" is every message of the turn: one too many or too few is a mismatch at the last expected one', () => {
  const two = turn({ bot: [{ text: 'a' }, { text: 'b' }] });
  assert.deepEqual(compareStep({ user: 'x', bot: ['a'] }, two, AT), [
    { path: `${AT}/bot/0`, expected: '(no further message)', actual: '"b"' },
  ]);
  assert.deepEqual(compareStep({ user: 'x', bot: ['a', 'b', 'c'] }, two, AT), [
    { path: `${AT}/bot/2`, expected: '"c"', actual: '(no further message)' },
  ]);
  assert.deepEqual(paths({ user: 'x', bot: [] }, two), [`${AT}/bot/0`, `${AT}/bot/0`]);
  assert.deepEqual(paths({ user: 'x' }, two), [], 'no "bot": the messages are not checked');
});

test('intent: one answer per classification, errors and no-matches named', () => {
  const classified = turn({
    classifications: [
      { blockId: 'a', answer: 'pizza', provider: 'local', branch: { intent: 'pizza' } },
      { blockId: 'b', answer: null, error: 'timeout', provider: 'openai', branch: { exit: 'onError' } },
    ],
  });
  assert.deepEqual(compareStep({ user: 'x', intent: ['pizza', null] }, classified, AT), [
    { path: `${AT}/intent`, expected: 'pizza, (no match)', actual: 'pizza, (error timeout)' },
  ]);
  assert.deepEqual(compareStep({ user: 'x', intent: null }, turn(), AT), [
    { path: `${AT}/intent`, expected: '(no match)', actual: '(no intent block reached)' },
  ]);
});

test('vars are a subset check; at and ended name where the conversation is', () => {
  const ended = turn({ at: null, ended: true, vars: { a: '1', b: '2' } });
  assert.deepEqual(paths({ user: 'x', vars: { a: '1' } }, ended), []);
  assert.deepEqual(compareStep({ user: 'x', vars: { c: '' }, at: 'ask', ended: false }, ended, AT), [
    { path: `${AT}/vars/c`, expected: 'c = ""', actual: 'c unset' },
    { path: `${AT}/at`, expected: 'at ask', actual: 'ended' },
    { path: `${AT}/ended`, expected: 'not ended', actual: 'ended' },
  ]);
  assert.deepEqual(compareStep({ user: 'x', ended: true }, turn(), AT), [
    { path: `${AT}/ended`, expected: 'ended', actual: 'not ended (at ask)' },
  ]);
});
