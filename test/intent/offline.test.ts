import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Classification, ClassifyRequest, IntentDefinition } from '../../src/engine/index.ts';
import {
  DEFAULT_MIN_CONFIDENCE,
  LOCAL_PROVIDER,
  OFFLINE_LIMITS,
  type OfflineClassifierOptions,
  OfflineIntentClassifier,
} from '../../src/intent/offline/index.ts';
import { inlineTrainer, type ModelTrainer } from '../../src/intent/offline/trainer.ts';
import { OUT_OF_SCOPE, PARAPHRASES, TRAVEL_INTENTS } from './fixtures/travel-intents.ts';

function request(text: string, overrides: Partial<ClassifyRequest> = {}): ClassifyRequest {
  return { flowVersion: 1, blockId: 'route', text, intents: TRAVEL_INTENTS, ...overrides };
}

/** The part of a classification that must not vary between runs (latency does). */
function stable(result: Classification): Omit<Classification, 'latencyMs'> {
  const { latencyMs: _latency, ...rest } = result;
  return rest;
}

/**
 * A classifier whose `classify` first prepares the request's block, as the server does when a version
 * is uploaded or loaded (a classification itself never trains).
 */
function preparedClassifier(
  options: OfflineClassifierOptions = {},
): Pick<OfflineIntentClassifier, 'classify'> {
  const classifier = new OfflineIntentClassifier(options);
  return {
    async classify(request) {
      const { flowVersion, blockId, intents } = request;
      await classifier.prepare(flowVersion, [{ blockId, intents }]);
      return classifier.classify(request);
    },
  };
}

function confidenceOf(result: Classification): number | undefined {
  return result.kind === 'error' ? undefined : result.confidence;
}

describe('offline classifier: classification', () => {
  it("answers paraphrases that are no example with their intent, above the block's derived threshold", async () => {
    const offline = new OfflineIntentClassifier();
    await offline.prepare(1, [{ blockId: 'route', intents: TRAVEL_INTENTS }]);
    const derived = offline.defaultThreshold(1, 'route', TRAVEL_INTENTS);
    assert.equal(derived?.derived, true, "derived from the block's examples");
    assert.ok(derived.value > 0 && derived.value < 1, String(derived.value));
    for (const { text, intent } of PARAPHRASES) {
      const result = await offline.classify(request(text));
      assert.equal(result.kind, 'match', text);
      assert.ok(result.kind === 'match');
      assert.equal(result.intent, intent, text);
      assert.ok(result.confidence >= derived.value, `${text}: ${result.confidence}`);
      assert.equal(result.defaultMinConfidence, derived.value);
      assert.equal(result.provider, LOCAL_PROVIDER);
      assert.equal(result.fallback, false);
      assert.ok(result.latencyMs >= 0);
    }
  });

  it('turns out-of-scope text into a no-match or a confidence under the default threshold', async () => {
    const classifier = preparedClassifier();
    for (const text of OUT_OF_SCOPE) {
      const result = await classifier.classify(request(text));
      assert.notEqual(result.kind, 'error', text);
      const accepted = result.kind === 'match' && result.confidence >= DEFAULT_MIN_CONFIDENCE;
      assert.equal(accepted, false, `${text}: ${JSON.stringify(result)}`);
    }
  });

  it('can say no match with a single intent (the background class)', async () => {
    const classifier = preparedClassifier();
    const weatherOnly = [TRAVEL_INTENTS[0] as IntentDefinition];
    const inScope = await classifier.classify(request('will it rain this weekend', { intents: weatherOnly }));
    assert.equal(inScope.kind, 'match');
    const outOfScope = await classifier.classify(
      request('my phone screen is cracked', { intents: weatherOnly }),
    );
    assert.equal(outOfScope.kind, 'no_match');
    assert.ok((confidenceOf(outOfScope) ?? 1) < DEFAULT_MIN_CONFIDENCE);
  });

  it('answers the same classification for the same input, in the same and in a new classifier', async () => {
    const first = preparedClassifier();
    const second = preparedClassifier();
    for (const text of [...PARAPHRASES.map((p) => p.text), ...OUT_OF_SCOPE]) {
      const a = await first.classify(request(text));
      const b = await first.classify(request(text));
      const c = await second.classify(request(text));
      assert.deepEqual(stable(a), stable(b), text);
      assert.deepEqual(stable(a), stable(c), text);
    }
  });

  it('keeps every confidence in [0, 1] and never throws, whatever the text', async () => {
    const classifier = preparedClassifier();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })),
        async (text) => {
          const result = await classifier.classify(request(text));
          assert.notEqual(result.kind, 'error');
          const confidence = confidenceOf(result);
          if (confidence !== undefined) assert.ok(confidence >= 0 && confidence <= 1, String(confidence));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('handles empty, huge and unusual Unicode input as values', async () => {
    const classifier = preparedClassifier();
    const inputs = [
      '',
      '   \n\t ',
      'x'.repeat(1_000_000),
      `will it rain tomorrow ${'🌧'.repeat(100_000)}`,
      '\uD83D', // lone high surrogate
      '\u0000\u0001\u202E', // control and right-to-left override
      'ｗｉｌｌ ｉｔ ｒａｉｎ ｔｏｍｏｒｒｏｗ', // full-width: NFKC folds it
      '明天会下雨吗',
      'هل ستمطر غدا',
      'e\u0301'.repeat(5_000), // combining marks
    ];
    for (const text of inputs) {
      const result = await classifier.classify(request(text));
      assert.ok(
        result.kind === 'match' || result.kind === 'no_match',
        `${text.slice(0, 20)}: ${result.kind}`,
      );
    }
    const empty = await classifier.classify(request(''));
    assert.equal(empty.kind, 'no_match');
    const fullWidth = await classifier.classify(request('ｗｉｌｌ ｉｔ ｒａｉｎ ｔｏｍｏｒｒｏｗ'));
    assert.ok(fullWidth.kind === 'match' && fullWidth.intent === 'weather');
  });

  it('reads only the first OFFLINE_LIMITS.maxInputChars characters of a long text', async () => {
    const classifier = preparedClassifier();
    const filler = ' zz'.repeat(OFFLINE_LIMITS.maxInputChars);
    const head = await classifier.classify(request(`my phone screen is cracked${filler}`));
    const headThenWeather = await classifier.classify(
      request(`my phone screen is cracked${filler} will it rain tomorrow`),
    );
    assert.deepEqual(stable(headThenWeather), stable(head));
  });

  it('answers a no-match when no intent has a usable text (only punctuation)', async () => {
    const empty = [
      { id: 'a', description: '!!!', examples: [] },
      { id: 'b', description: '???', examples: ['...'] },
    ];
    const classifier = preparedClassifier();
    for (const text of ['hello', '!!!', '']) {
      const result = await classifier.classify(request(text, { intents: empty }));
      assert.equal(result.kind, 'no_match', text);
    }
  });

  it('returns a no-match for a block without intents', async () => {
    const result = await preparedClassifier().classify(request('will it rain', { intents: [] }));
    assert.equal(result.kind, 'no_match');
  });

  it('returns an error value, not a throw, when the request is malformed', async () => {
    const malformed = { ...request('x'), text: null } as unknown as ClassifyRequest;
    const result = await preparedClassifier().classify(malformed);
    assert.equal(result.kind, 'error');
    assert.ok(result.kind === 'error' && result.code === 'PROVIDER_ERROR' && result.message.length > 0);
  });

  it('returns a timeout error when the request deadline has already passed', async () => {
    const result = await preparedClassifier().classify(
      request('will it rain', { signal: AbortSignal.abort() }),
    );
    assert.equal(result.kind, 'error');
    assert.ok(result.kind === 'error' && result.code === 'PROVIDER_TIMEOUT');
  });

  it('trains from descriptions alone when intents have no examples', async () => {
    const described = TRAVEL_INTENTS.map(({ id, description }) => ({ id, description, examples: [] }));
    const result = await preparedClassifier().classify(
      request('travel offers please', { intents: described }),
    );
    assert.ok(result.kind === 'match' && result.intent === 'travel', JSON.stringify(result));
  });
});

describe('offline classifier: prepare and model cache', () => {
  const blocks = [
    { blockId: 'route', intents: TRAVEL_INTENTS },
    { blockId: 'small', intents: TRAVEL_INTENTS.slice(0, 2) },
  ];

  it('trains each block at prepare, then classifies without training again', async () => {
    const classifier = new OfflineIntentClassifier();
    await classifier.prepare(7, blocks);
    assert.equal(classifier.trainings, 2);
    await classifier.classify(request('will it rain', { flowVersion: 7 }));
    await classifier.classify(
      request('will it rain', { flowVersion: 7, blockId: 'small', intents: TRAVEL_INTENTS.slice(0, 2) }),
    );
    assert.equal(classifier.trainings, 2);
  });

  it('never trains inside a classification: a block not in memory is an error now, trained for later', {
    timeout: 10_000,
  }, async () => {
    const gate = Promise.withResolvers<void>();
    let calls = 0;
    const waiting: ModelTrainer = {
      train: async (intents) => {
        calls++;
        await gate.promise;
        return inlineTrainer.train(intents);
      },
    };
    const classifier = new OfflineIntentClassifier({ trainer: waiting });
    // The training cannot finish before the answer: the classification must not wait for it.
    const result = await classifier.classify(request('will it rain'));
    assert.ok(result.kind === 'error' && result.code === 'PROVIDER_UNAVAILABLE', JSON.stringify(result));
    assert.match(result.message, /not in memory/);
    assert.equal(calls, 1, 'the model is being trained in the background');
    gate.resolve();
    await classifier.prepare(1, [{ blockId: 'route', intents: TRAVEL_INTENTS }]);
    assert.equal(calls, 1, 'prepare joined the training in progress');
    const later = await classifier.classify(request('will it rain'));
    assert.ok(later.kind === 'match' && later.intent === 'weather');
    assert.equal(classifier.trainings, 1);
  });

  it('does not reuse a model when the same block comes with other intents', async () => {
    const classifier = new OfflineIntentClassifier({ trainer: inlineTrainer });
    await classifier.prepare(1, [blocks[0] as (typeof blocks)[number]]);
    const other = TRAVEL_INTENTS.slice(1);
    assert.equal(classifier.isResident(1, 'route', other), false);
    const result = await classifier.classify(request('will it rain', { intents: other }));
    assert.ok(result.kind === 'error' && result.code === 'PROVIDER_UNAVAILABLE');
    await classifier.prepare(1, [{ blockId: 'route', intents: other }]);
    assert.equal(classifier.trainings, 2);
    assert.equal(classifier.isResident(1, 'route', other), true);
  });

  it('keeps the cache under maxCachedBytes, evicting the least recently used model', async () => {
    const probe = new OfflineIntentClassifier({ trainer: inlineTrainer });
    await probe.prepare(1, [blocks[0] as (typeof blocks)[number]]);
    const oneModel = probe.cachedBytes;
    assert.ok(oneModel > 10_000, `a trained model weighs something: ${oneModel}`);
    const classifier = new OfflineIntentClassifier({
      trainer: inlineTrainer,
      maxCachedBytes: Math.floor(oneModel * 1.5),
    });
    await classifier.prepare(1, [
      blocks[0] as (typeof blocks)[number],
      { blockId: 'copy', intents: TRAVEL_INTENTS },
    ]);
    assert.ok(classifier.cachedBytes <= oneModel * 1.5);
    assert.equal(classifier.isResident(1, 'copy', TRAVEL_INTENTS), true);
    assert.equal(
      classifier.isResident(1, 'route', TRAVEL_INTENTS),
      false,
      'it did not fit beside the second',
    );
    const evicted = await classifier.classify(request('will it rain', { flowVersion: 1 }));
    assert.ok(evicted.kind === 'error' && evicted.code === 'PROVIDER_UNAVAILABLE');
  });

  it('refuses to keep a model larger than the whole cache, and does not retrain it at every turn', async () => {
    const classifier = new OfflineIntentClassifier({ trainer: inlineTrainer, maxCachedBytes: 10_000 });
    await classifier.prepare(1, [blocks[0] as (typeof blocks)[number]]);
    assert.equal(classifier.trainings, 1);
    for (let turn = 0; turn < 3; turn++) {
      const result = await classifier.classify(request('will it rain'));
      assert.ok(result.kind === 'error' && result.code === 'PROVIDER_ERROR', JSON.stringify(result));
      assert.match(result.message, /more than the model cache holds .*INTENT_MODEL_CACHE_MB/);
    }
    await classifier.prepare(1, [blocks[0] as (typeof blocks)[number]]);
    assert.equal(classifier.trainings, 1, 'neither a turn nor loading the version again retrains it');
  });
});
