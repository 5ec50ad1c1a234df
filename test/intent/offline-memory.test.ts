import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { IntentDefinition } from '../../src/engine/index.ts';
import { buildCertainMatchIndex } from '../../src/intent/offline/certain-match.ts';
import { OfflineIntentClassifier } from '../../src/intent/offline/index.ts';
import { OFFLINE_LIMITS, type OfflineLimits } from '../../src/intent/offline/limits.ts';
import {
  blockBytesBound,
  certainIndexBytes,
  modelBytes,
  modelLayoutBytes,
} from '../../src/intent/offline/memory.ts';
import { trainIntentModel } from '../../src/intent/offline/model.ts';
import { inlineTrainer } from '../../src/intent/offline/trainer.ts';
import { TRAVEL_INTENTS } from './fixtures/travel-intents.ts';

/** What a block costs the cache: its model and its certain-match index. */
function actualBytes(intents: readonly IntentDefinition[], limits: OfflineLimits = OFFLINE_LIMITS): number {
  return modelBytes(trainIntentModel(intents, limits)) + certainIndexBytes(buildCertainMatchIndex(intents));
}

const MANY_INTENTS: IntentDefinition[] = Array.from({ length: 30 }, (_, i) => ({
  id: `intent_${i}`,
  description: `topic number ${i}`,
  examples: Array.from({ length: 10 }, (_, j) => `question ${j} about topic ${i} with word w${i}x${j}`),
}));

describe('offline classifier: memory accounting', () => {
  it('counts a model exactly: its typed arrays, and its intent ids', () => {
    const model = trainIntentModel(TRAVEL_INTENTS);
    const { softmax, vectorizer } = model;
    const classes = TRAVEL_INTENTS.length + 1;
    assert.equal(softmax.weights.length, vectorizer.columnCount * classes, 'dense float32 weights');
    assert.equal(vectorizer.ids.length, vectorizer.columnCount, 'one int32 id per vocabulary column');
    const arrays =
      softmax.weights.byteLength +
      softmax.bias.byteLength +
      vectorizer.ids.byteLength +
      vectorizer.idf.byteLength +
      model.spelling.hashes.byteLength +
      model.spelling.counts.byteLength;
    const ids = TRAVEL_INTENTS.reduce((sum, intent) => sum + 64 + 2 * intent.id.length, 0);
    assert.equal(modelBytes(model), arrays + ids);
    assert.equal(
      modelLayoutBytes(model.intentIds, vectorizer.columnCount, model.spelling.hashes.length),
      modelBytes(model),
    );
  });

  it('bounds a block from its intents alone, without training', () => {
    for (const intents of [TRAVEL_INTENTS, MANY_INTENTS, [TRAVEL_INTENTS[0] as IntentDefinition]]) {
      const bound = blockBytesBound(intents);
      const actual = actualBytes(intents);
      assert.ok(bound >= actual, `bound ${bound} < actual ${actual}`);
    }
  });

  it('bounds any block, whatever its texts', () => {
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }));
    const intents = fc.uniqueArray(
      fc.record({
        id: fc.stringMatching(/^[a-z_]{1,12}$/),
        description: text,
        examples: fc.array(text, { maxLength: 6 }),
      }),
      { minLength: 1, maxLength: 5, selector: (intent) => intent.id },
    );
    fc.assert(
      fc.property(intents, (generated) => {
        assert.ok(blockBytesBound(generated) >= actualBytes(generated));
      }),
      { numRuns: 60 },
    );
  });

  it('caps the bound with the weight limit: the rarest features are dropped beyond it', () => {
    const limits = { ...OFFLINE_LIMITS, maxModelWeights: 31 * 20 };
    const bound = blockBytesBound(MANY_INTENTS, limits);
    assert.ok(bound < blockBytesBound(MANY_INTENTS));
    assert.ok(bound >= actualBytes(MANY_INTENTS, limits));
    assert.ok(trainIntentModel(MANY_INTENTS, limits).vectorizer.columnCount <= 20);
  });

  it('weighs the cache as the sum of its entries', async () => {
    const classifier = new OfflineIntentClassifier({ trainer: inlineTrainer });
    await classifier.prepare(1, [{ blockId: 'route', intents: TRAVEL_INTENTS }]);
    assert.equal(classifier.cachedBytes, 1 + actualBytes(TRAVEL_INTENTS));
    await classifier.prepare(1, [{ blockId: 'many', intents: MANY_INTENTS }]);
    assert.equal(classifier.cachedBytes, 2 + actualBytes(TRAVEL_INTENTS) + actualBytes(MANY_INTENTS));
  });
});
