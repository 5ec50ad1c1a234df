import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IntentDefinition } from '../../src/engine/index.ts';
import { predict, trainIntentModel, trainingTexts } from '../../src/intent/offline/model.ts';

/** The travel intents with their descriptions only: no example at all. */
const DESCRIBED: IntentDefinition[] = [
  { id: 'weather', description: 'Give me the weather', examples: [] },
  { id: 'travel', description: 'Give me travel offers', examples: [] },
  { id: 'restaurants', description: 'Give me restaurant recommendations', examples: [] },
];

describe('offline classifier: intents with only a description', () => {
  it('grows the description with related words (the built-in synonym table)', () => {
    const { texts, labels } = trainingTexts(DESCRIBED);
    const weather = texts.filter((_, i) => labels[i] === 0);
    for (const word of ['forecast', 'rain', 'sunny']) assert.ok(weather.includes(word), word);
    const described = trainingTexts([
      { id: 'weather', description: 'Give me the weather', examples: ['a', 'b', 'c'] },
    ]);
    assert.deepEqual(described.texts, ['give me the weather', 'a', 'b', 'c'], 'not with enough examples');
  });

  it('answers requests in other words, and still turns noise away', () => {
    const model = trainIntentModel(DESCRIBED);
    assert.equal(model.defaultThreshold.derived, false, 'too few texts of its author to cross-validate');
    const threshold = model.defaultThreshold.value;
    for (const [text, intent] of [
      ['is it going to rain in Paris', 'weather'],
      ['any cheap flights to Rome?', 'travel'],
      ['where should we eat tonight', 'restaurants'],
    ] as const) {
      const prediction = predict(model, text);
      assert.equal(model.intentIds[prediction.bestIntent], intent, text);
      assert.equal(prediction.background, false, text);
      assert.ok(prediction.confidence >= threshold, `${text}: ${prediction.confidence} < ${threshold}`);
    }
    for (const text of ['asdf qwerty zxcv', 'tell me a joke']) {
      const prediction = predict(model, text);
      assert.ok(prediction.background || prediction.confidence < threshold, text);
    }
  });
});
