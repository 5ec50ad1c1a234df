import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseThreshold, type ScoredAnswer, thresholdCurve } from '../../src/intent/threshold.ts';

const inScope = (confidence: number, rightIntent = true): ScoredAnswer => ({
  confidence,
  rightIntent,
  inScope: true,
});
const outOfScope = (confidence: number): ScoredAnswer => ({ confidence, rightIntent: false, inScope: false });

test('right at a threshold: a right guess at or above it, or an out-of-scope message under it', () => {
  const answers = [inScope(0.9), inScope(0.3), inScope(0.8, false), outOfScope(0.2), outOfScope(0.6)];
  const [point] = thresholdCurve(answers, [0.5]);
  assert.deepEqual(point, { threshold: 0.5, right: 2 / 5, rejected: 2 / 5 });
});

test('the chosen threshold separates right guesses from out-of-scope ones, the lower on a tie', () => {
  const answers = [inScope(0.9), inScope(0.7), inScope(0.65), outOfScope(0.3), outOfScope(0.2)];
  assert.equal(chooseThreshold(answers, [0, 0.25, 0.35, 0.5, 0.8]), 0.35);
  assert.equal(chooseThreshold([inScope(0.9)], [0, 0.5]), 0, 'with nothing out of scope, turn nobody away');
});

test('weights: an answer counts as much as its weight', () => {
  const answers = [inScope(0.65), { ...outOfScope(0.6), weight: 3 }];
  const [point] = thresholdCurve(answers, [0.5]);
  assert.deepEqual(point, { threshold: 0.5, right: 1 / 4, rejected: 0 });
  assert.equal(chooseThreshold(answers, [0.5, 0.7]), 0.7, 'the heavy out-of-scope answer decides');
  assert.equal(chooseThreshold([inScope(0.65), outOfScope(0.6)], [0.5, 0.7]), 0.5, 'a tie: the lower');
});
