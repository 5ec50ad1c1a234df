import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classConcentrationWeights } from '../../src/intent/offline/class-weight.ts';
import { trainSoftmax } from '../../src/intent/offline/softmax.ts';
import type { SparseVector } from '../../src/intent/offline/vectorizer.ts';

/** Column 0 in every text of intent 0; column 1 in every text of both intents; column 2 in one text. */
const TEXTS = [
  { columns: Int32Array.of(0, 1, 2), label: 0 },
  { columns: Int32Array.of(0, 1), label: 0 },
  { columns: Int32Array.of(1), label: 1 },
  { columns: Int32Array.of(1), label: 1 },
];
const DF = Int32Array.of(2, 4, 1);

describe('offline classifier: supervised term weights', () => {
  it('weighs a feature of one intent above one spread evenly over all intents', () => {
    const [own, shared, rare] = classConcentrationWeights(TEXTS, DF, 3, 2);
    assert.ok((own as number) > (rare as number), `${own} > ${rare}`);
    assert.ok((rare as number) > (shared as number), `${rare} > ${shared}`);
    assert.ok(Math.abs((shared as number) - 1) < 1e-6, `an even spread weighs 1, got ${shared}`);
  });

  it('weighs every feature 1 with a single intent or no texts', () => {
    assert.deepEqual([...classConcentrationWeights(TEXTS, DF, 3, 1)], [1, 1, 1]);
    assert.deepEqual([...classConcentrationWeights([], Int32Array.of(0), 1, 3)], [1]);
  });
});

describe('offline classifier: label smoothing', () => {
  const xs: SparseVector[] = [
    { indices: Int32Array.of(0), values: Float32Array.of(1) },
    { indices: Int32Array.of(1), values: Float32Array.of(1) },
  ];
  const labels = Int32Array.of(0, 1);
  const train = (labelSmoothing: number) =>
    trainSoftmax(xs, labels, 2, 2, {
      epochs: 50,
      averagedEpochs: 1,
      learningRate: 1,
      l2: 0,
      labelSmoothing,
      seed: 1,
    });

  it('keeps the weights of separable data bounded where plain softmax grows them', () => {
    const plain = train(0).weights[0] as number;
    const smoothed = train(0.1).weights[0] as number;
    assert.ok(smoothed > 0, 'the right class still wins');
    assert.ok(smoothed < plain, `${smoothed} < ${plain}`);
  });
});
