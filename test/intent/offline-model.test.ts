import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OFFLINE_LIMITS, type OfflineLimits } from '../../src/intent/offline/limits.ts';
import { predict, trainIntentModel, trainingTexts } from '../../src/intent/offline/model.ts';
import { TRAVEL_INTENTS } from './fixtures/travel-intents.ts';

const limits = (overrides: Partial<OfflineLimits>): OfflineLimits => ({ ...OFFLINE_LIMITS, ...overrides });

describe('offline classifier: training limits', () => {
  it('uses each intent description, then its examples, normalised and without repeats', () => {
    const { texts, labels } = trainingTexts([
      { id: 'a', description: 'Say hello', examples: ['Hello!', 'hello', 'hi there', '   '] },
    ]);
    assert.deepEqual(texts, ['say hello', 'hello', 'hi there']);
    assert.deepEqual(labels, [0, 0, 0]);
  });

  it('takes training texts in turns across intents when over maxTrainingExamples', () => {
    const { texts, labels } = trainingTexts(TRAVEL_INTENTS, limits({ maxTrainingExamples: 8 }));
    assert.equal(texts.length, 8);
    // Every intent's description comes first, then the intents' first examples.
    assert.deepEqual(labels, [0, 1, 2, 3, 4, 5, 0, 1]);
    assert.equal(texts[0], 'give me the weather');
  });

  it('ignores examples beyond maxExamplesPerIntent', () => {
    const intent = { id: 'a', description: 'first', examples: ['second', 'third', 'fourth'] };
    assert.deepEqual(trainingTexts([intent], limits({ maxExamplesPerIntent: 2 })).texts, [
      'first',
      'second',
      'third',
    ]);
  });

  it('keeps the model within maxModelWeights by dropping the rarest features, and still classifies', () => {
    const classes = TRAVEL_INTENTS.length + 1;
    const unbounded = trainIntentModel(TRAVEL_INTENTS);
    const maxModelWeights = Math.floor(unbounded.vectorizer.columnCount / 2) * classes;
    const bounded = trainIntentModel(TRAVEL_INTENTS, limits({ maxModelWeights }));
    assert.ok(bounded.vectorizer.columnCount * classes <= maxModelWeights);
    assert.ok(bounded.vectorizer.columnCount < unbounded.vectorizer.columnCount);
    assert.equal(bounded.softmax.weights.length, bounded.vectorizer.columnCount * classes);
    const prediction = predict(bounded, 'will it rain tomorrow');
    assert.equal(bounded.intentIds[prediction.bestIntent], 'weather');
  });
});
