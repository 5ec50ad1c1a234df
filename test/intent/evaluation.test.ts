import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Answer,
  ERROR,
  evaluate,
  type LabelledAnswer,
  NO_MATCH,
  outcomeOf,
} from '../../src/intent/evaluation.ts';

const match = (intent: string, confidence: number, defaultMinConfidence?: number): Answer => ({
  kind: 'match',
  intent,
  confidence,
  ...(defaultMinConfidence === undefined ? {} : { defaultMinConfidence }),
});
const row = (expected: string | null, answer: Answer): LabelledAnswer => ({ expected, answer });

/** Six answers whose every figure is worked out by hand below (threshold 0.5). */
const SIX = [
  row('weather', match('weather', 0.92)), // right
  row('weather', match('weather', 0.47)), // under 0.5: a no-match, wrong
  row('booking', match('booking', 0.83)), // right
  row('booking', match('weather', 0.62)), // wrong intent
  row(null, match('booking', 0.33)), // out of scope, under 0.5: right
  row(null, match('weather', 0.72)), // out of scope, let through: wrong
];

test('accuracy, precision and recall at the threshold, with no-match as a label of its own', () => {
  const result = evaluate(SIX, ['weather', 'booking'], { providerDefault: 0.5 });
  assert.equal(result.threshold, 0.5);
  assert.deepEqual([result.rows, result.inScope, result.outOfScope, result.errors], [6, 4, 2, 0]);
  assert.deepEqual(result.accuracy, { count: 3, of: 6 });
  assert.deepEqual(result.perIntent, [
    { intent: 'weather', precision: { count: 1, of: 3 }, recall: { count: 1, of: 2 } },
    { intent: 'booking', precision: { count: 1, of: 1 }, recall: { count: 1, of: 2 } },
    { intent: NO_MATCH, precision: { count: 1, of: 2 }, recall: { count: 1, of: 2 } },
  ]);
});

test('confusions: most frequent first, then by expected and got; capped', () => {
  const rows = [...SIX, row('booking', match('weather', 0.9)), row('booking', match('weather', 0.9))];
  const result = evaluate(rows, ['weather', 'booking'], { providerDefault: 0.5 });
  assert.deepEqual(result.confusions, [
    { expected: 'booking', got: 'weather', count: 3 },
    { expected: NO_MATCH, got: 'weather', count: 1 },
    { expected: 'weather', got: NO_MATCH, count: 1 },
  ]);
  const capped = evaluate(rows, ['weather', 'booking'], { providerDefault: 0.5 }, { maxConfusions: 1 });
  assert.deepEqual(capped.confusions, [{ expected: 'booking', got: 'weather', count: 3 }]);
});

test('the curve counts right answers and rejections per threshold; the chosen one is the lowest best', () => {
  const result = evaluate(SIX, ['weather', 'booking'], { providerDefault: 0.5 });
  const at = (t: number) => result.curve.find((p) => Math.abs(p.threshold - t) < 1e-9);
  assert.equal(result.curve.length, 20);
  assert.deepEqual(
    [0, 0.3, 0.35, 0.45, 0.5, 0.7, 0.75, 0.8, 0.85, 0.95].map((t) => [
      at(t)?.rightCount,
      at(t)?.rejectedCount,
    ]),
    [
      [3, 0],
      [3, 0],
      [4, 1],
      [4, 1],
      [3, 2],
      [3, 3],
      [4, 4],
      [4, 4],
      [3, 5],
      [2, 6],
    ],
  );
  assert.equal(result.chosenThreshold, 0.35);
  assert.deepEqual([result.atThreshold.rightCount, result.atThreshold.rejectedCount], [3, 2]);
});

test('minConfidence (block or flow) overrides every default; else an answer’s own default applies', () => {
  const fallbackAnswer = match('weather', 0.45, 0.4); // e.g. the offline classifier's, default 0.4
  assert.equal(outcomeOf(fallbackAnswer, { providerDefault: 0.5 }), 'weather');
  assert.equal(outcomeOf(match('weather', 0.45), { providerDefault: 0.5 }), NO_MATCH);
  assert.equal(outcomeOf(fallbackAnswer, { minConfidence: 0.6, providerDefault: 0.4 }), NO_MATCH);
  const strict = evaluate(SIX, ['weather', 'booking'], { minConfidence: 0.9, providerDefault: 0.5 });
  assert.equal(strict.threshold, 0.9);
  assert.deepEqual(strict.accuracy, { count: 3, of: 6 }, 'rows 1, 5 and 6 right at 0.9');
});

test('a no-match is rejected at every threshold; a provider error is wrong and left out of the curve', () => {
  const rows = [
    row(null, { kind: 'no_match', confidence: 0.8 }),
    row('weather', { kind: 'no_match' }),
    row('weather', { kind: 'error', code: 'PROVIDER_TIMEOUT' }),
    row(null, { kind: 'error', code: 'PROVIDER_TIMEOUT' }),
  ];
  const result = evaluate(rows, ['weather'], { providerDefault: 0.4 });
  assert.deepEqual(result.accuracy, { count: 1, of: 4 });
  assert.equal(result.errors, 2);
  assert.equal(result.scored, 2);
  for (const point of result.curve) {
    assert.deepEqual([point.rightCount, point.rejectedCount], [1, 2], `at ${point.threshold}`);
  }
  assert.deepEqual(result.confusions, [
    { expected: NO_MATCH, got: ERROR, count: 1 },
    { expected: 'weather', got: ERROR, count: 1 },
    { expected: 'weather', got: NO_MATCH, count: 1 },
  ]);
});
