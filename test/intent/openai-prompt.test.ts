import assert from 'node:assert/strict';
import { test } from 'node:test';
import { variedExamples } from '../../src/intent/example-selection.ts';
import {
  buildChatRequest,
  maxAnswerTokens,
  NO_MATCH_VALUE,
  PROMPT_LIMITS,
  readAnswer,
} from '../../src/intent/openai-prompt.ts';

const manyIntents = Array.from({ length: 100 }, (_, i) => ({
  id: `intent_${i}`,
  description: `intent number ${i}`,
  examples: Array.from({ length: 20 }, (_, j) => `example ${j} of intent ${i}`),
}));

function systemPrompt(body: ReturnType<typeof buildChatRequest>): string {
  const [system] = body.messages;
  return typeof system?.content === 'string' ? system.content : '';
}

test('a prompt shows a bounded number of examples, fewer per intent when there are many intents', () => {
  const few = systemPrompt(
    buildChatRequest('m', { flowVersion: 1, blockId: 'b', text: 'x', intents: manyIntents.slice(0, 2) }),
  );
  assert.ok(few.includes(`example ${PROMPT_LIMITS.maxExamplesPerIntent - 1} of intent 0`));
  assert.ok(!few.includes(`example ${PROMPT_LIMITS.maxExamplesPerIntent} of intent 0`));

  const many = systemPrompt(
    buildChatRequest('m', { flowVersion: 1, blockId: 'b', text: 'x', intents: manyIntents }),
  );
  const shown = many.match(/example \d+ of intent/g)?.length ?? 0;
  assert.equal(shown, PROMPT_LIMITS.maxExamplesPerPrompt);
  assert.ok(many.includes('"intent_99"'), 'every intent is still listed');
});

test('the user text sent to the model is cut at the code-point limit', () => {
  const text = '😀'.repeat(PROMPT_LIMITS.maxInputCodePoints + 10);
  const body = buildChatRequest('m', {
    flowVersion: 1,
    blockId: 'b',
    text,
    intents: manyIntents.slice(0, 1),
  });
  const data = JSON.parse(String(body.messages[1]?.content)) as { message: string };
  assert.equal(Array.from(data.message).length, PROMPT_LIMITS.maxInputCodePoints);
});

test('the no-match value cannot be an intent id', () => {
  assert.doesNotMatch(NO_MATCH_VALUE, /^[A-Za-z0-9_.:-]{1,64}$/);
});

test('an answer that is not a completion object is malformed', () => {
  for (const completion of [null, 'text', 42, {}, { choices: 'x' }, { choices: [null] }]) {
    assert.equal(readAnswer(completion, ['a']).kind, 'error');
  }
});

test('a content-filtered answer is a refusal', () => {
  const filtered = { choices: [{ finish_reason: 'content_filter', message: { content: null } }] };
  assert.deepEqual(readAnswer(filtered, ['a']), {
    kind: 'error',
    code: 'PROVIDER_REFUSED',
    message: 'the provider filtered the answer',
  });
});

test('the examples shown are the most varied, not the first ones the author wrote', () => {
  const examples = [
    'book a flight',
    'book a flight please',
    'please book a flight',
    'book me a flight',
    'cheap tickets to Rome',
    'I want to fly to Paris next week',
  ];
  const body = buildChatRequest('m', {
    flowVersion: 1,
    blockId: 'b',
    text: 'x',
    intents: [{ id: 'travel', description: 'travel offers', examples }],
  });
  const line = systemPrompt(body).split('\n').at(-1) ?? '';
  const shown = (JSON.parse(line) as { examples: string[] }).examples;
  assert.equal(shown.length, examples.length, 'all of them when they fit');

  const varied = variedExamples(examples, 3);
  assert.deepEqual(varied, ['book a flight', 'cheap tickets to Rome', 'I want to fly to Paris next week']);
  assert.equal(variedExamples(examples, 3), varied, 'chosen once per block and count');
});

test('above 200 intents there is no room for examples, and each intent keeps its description', () => {
  const intents = Array.from({ length: 250 }, (_, i) => ({
    id: `i${i}`,
    description: `described ${i}`,
    examples: ['an example'],
  }));
  const lines = systemPrompt(buildChatRequest('m', { flowVersion: 1, blockId: 'b', text: 'x', intents }))
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { id: string; description: string; examples: string[] });
  assert.equal(lines.length, 250);
  assert.deepEqual(lines[249], { id: 'i249', description: 'described 249', examples: [] });
});

test('sampling: temperature 0, a seed, and only the output tokens the longest id needs', () => {
  const longId = 'x'.repeat(64);
  const body = buildChatRequest('m', {
    flowVersion: 1,
    blockId: 'b',
    text: 'x',
    intents: [{ id: longId, description: 'd', examples: [] }],
  });
  assert.equal(body.temperature, 0);
  assert.equal(typeof body.seed, 'number');
  assert.equal(body.max_completion_tokens, maxAnswerTokens([longId]));
  assert.ok(maxAnswerTokens([longId]) >= 64 + 15, 'room for the id and the JSON around it');
  const without = buildChatRequest(
    'm',
    { flowVersion: 1, blockId: 'b', text: 'x', intents: [] },
    new Set(['temperature', 'seed'] as const),
  );
  assert.equal('temperature' in without, false);
  assert.equal('seed' in without, false);
  assert.equal(typeof without.max_completion_tokens, 'number');
});
