/** parseTestsText / problemsAgainstFlow: the rules a schema cannot say, each with its JSON pointer. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TEST_FILE_LIMITS } from '../../src/flow-tests/limits.ts';
import { parseTestsDocument, parseTestsText, problemsAgainstFlow } from '../../src/flow-tests/parse.ts';
import { PIZZERIA } from './pizzeria.ts';

const withSteps = (...steps: object[]) => ({ formatVersion: 1, conversations: [{ name: 'a', steps }] });

function problems(document: unknown): string[] {
  const parsed = parseTestsDocument(document);
  return parsed.ok ? [] : parsed.problems.map((p) => `${p.path}: ${p.message}`);
}

test('a valid file parses, its steps as written', () => {
  const parsed = parseTestsText(
    JSON.stringify(withSteps({}, { user: 'x', intent: ['a', null], pinned: true })),
  );
  assert.equal(parsed.ok, true);
  assert.deepEqual(parsed.ok && parsed.tests.conversations[0]?.steps[1], {
    user: 'x',
    intent: ['a', null],
    pinned: true,
  });
});

test('steps: only the first may send nothing; an opening cannot expect an intent; pinned needs an intent', () => {
  assert.deepEqual(problems(withSteps({}, { bot: [] })), [
    '/conversations/0/steps/1: required field missing: "user" or "click" (only the first step may have neither: the bot speaking first)',
  ]);
  assert.deepEqual(problems(withSteps({ intent: 'a' })), [
    '/conversations/0/steps/0/intent: only a step with a user message can expect an intent',
  ]);
  assert.deepEqual(problems(withSteps({ user: 'x', pinned: true })), [
    '/conversations/0/steps/0/pinned: a pinned step needs "intent": the answer to pin',
  ]);
  assert.deepEqual(problems(withSteps({ user: 'x', at: 'ask', ended: true })), [
    '/conversations/0/steps/0/at: an ended conversation waits at no block: drop "at" or "ended"',
  ]);
});

test('the file: its version, its size, its steps in all', () => {
  assert.deepEqual(
    problems({ ...withSteps({ user: 'x' }), formatVersion: 2 }).map((p) => p.split(':')[0]),
    ['/formatVersion'],
  );
  const big = JSON.stringify(withSteps({ user: 'x' })).padEnd(TEST_FILE_LIMITS.maxFileBytes + 1);
  const parsed = parseTestsText(big);
  assert.deepEqual(parsed.ok ? [] : parsed.problems, [
    {
      path: '',
      message: `the file has ${TEST_FILE_LIMITS.maxFileBytes + 1} bytes, at most ${TEST_FILE_LIMITS.maxFileBytes}`,
    },
  ]);
  const perConversation = TEST_FILE_LIMITS.maxStepsPerConversation;
  const conversations = Array.from(
    { length: TEST_FILE_LIMITS.maxStepsPerFile / perConversation + 1 },
    (_, i) => ({
      name: `c${i}`,
      steps: Array.from({ length: perConversation }, () => ({ user: 'x' })),
    }),
  );
  assert.deepEqual(problems({ formatVersion: 1, conversations }), [
    `/conversations: ${TEST_FILE_LIMITS.maxStepsPerFile + perConversation} steps in all, at most ${TEST_FILE_LIMITS.maxStepsPerFile}`,
  ]);
});

test('against the flow: a single intent is pointed at as /intent, a list item as /intent/N; no-match is no id', () => {
  const parsed = parseTestsDocument(
    withSteps({ user: 'x', intent: 'pizzza' }, { user: 'y', intent: [null, 'pasta', 'big'], at: 'size' }),
  );
  assert.ok(parsed.ok);
  assert.deepEqual(problemsAgainstFlow(parsed.tests, PIZZERIA), [
    {
      path: '/conversations/0/steps/0/intent',
      message: 'no intent block of the flow has an intent "pizzza"',
    },
    { path: '/conversations/0/steps/1/intent/2', message: 'no intent block of the flow has an intent "big"' },
  ]);
});

test('a step checks at most maxVariablesPerStep variables', () => {
  const vars = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`v${i}`, 'x']));
  assert.deepEqual(problems(withSteps({ user: 'x', vars: vars(TEST_FILE_LIMITS.maxVariablesPerStep) })), []);
  assert.deepEqual(problems(withSteps({ user: 'x', vars: vars(TEST_FILE_LIMITS.maxVariablesPerStep + 1) })), [
    `/conversations/0/steps/0/vars: at most ${TEST_FILE_LIMITS.maxVariablesPerStep} variables`,
  ]);
});

test('a file saved with a byte-order mark parses (editors on Windows write one)', () => {
  const parsed = parseTestsText(`\uFEFF${JSON.stringify(withSteps({ bot: ['hi'] }))}`);
  assert.equal(parsed.ok, true);
});
