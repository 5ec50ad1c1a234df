import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import type { IntentDefinition } from '../../src/engine/index.ts';
import { OfflineIntentClassifier } from '../../src/intent/offline/index.ts';
import { modelArrays, predict } from '../../src/intent/offline/model.ts';
import { inlineTrainer, type ModelTrainer, WorkerTrainer } from '../../src/intent/offline/trainer.ts';
import { TRAVEL_INTENTS } from './fixtures/travel-intents.ts';

const request = { flowVersion: 1, blockId: 'route', text: 'will it rain tomorrow', intents: TRAVEL_INTENTS };

/** A larger intent set, so that training takes a while. */
const MANY_INTENTS: IntentDefinition[] = Array.from({ length: 40 }, (_, i) => ({
  id: `intent_${i}`,
  description: `topic number ${i}`,
  examples: Array.from({ length: 50 }, (_, j) => `question ${j} about topic ${i} with word w${i}x${j}`),
}));

describe('offline classifier: training off the event loop', () => {
  it('trains in a worker thread: timers keep firing while a block trains', async () => {
    const classifier = new OfflineIntentClassifier();
    let timerFired = false;
    setTimeout(() => {
      timerFired = true;
    }, 0);
    await classifier.prepare(1, [{ blockId: 'big', intents: MANY_INTENTS }]);
    assert.equal(classifier.trainings, 1);
    assert.equal(timerFired, true);
  });

  it('gives the same model in the worker as inline', async () => {
    const trainer = new WorkerTrainer();
    try {
      const inWorker = await trainer.train(TRAVEL_INTENTS);
      const inline = await inlineTrainer.train(TRAVEL_INTENTS);
      assert.deepEqual(inWorker.intentIds, inline.intentIds);
      assert.deepEqual(inWorker.softmax.weights, inline.softmax.weights);
      assert.deepEqual(predict(inWorker, 'cheap flights'), predict(inline, 'cheap flights'));
    } finally {
      await trainer.close();
    }
  });

  it('trains once for concurrent requests on the same block', async () => {
    let calls = 0;
    const counting: ModelTrainer = {
      train: (intents) => {
        calls++;
        return inlineTrainer.train(intents);
      },
    };
    const classifier = new OfflineIntentClassifier({ trainer: counting });
    const block = { blockId: request.blockId, intents: request.intents };
    await Promise.all([1, 2, 3].map(() => classifier.prepare(request.flowVersion, [block])));
    assert.equal(calls, 1);
    const result = await classifier.classify(request);
    assert.ok(result.kind === 'match' && result.intent === 'weather');
  });

  it('turns a failed training into an error value, and tries again', async () => {
    let calls = 0;
    const failingOnce: ModelTrainer = {
      train: async (intents) => {
        calls++;
        if (calls === 1) throw new Error('training failed');
        return inlineTrainer.train(intents);
      },
    };
    const classifier = new OfflineIntentClassifier({ trainer: failingOnce });
    const block = { blockId: request.blockId, intents: request.intents };
    await classifier.prepare(request.flowVersion, [block]);
    const failed = await classifier.classify(request);
    assert.ok(failed.kind === 'error' && failed.code === 'PROVIDER_UNAVAILABLE', JSON.stringify(failed));
    // That classification started the training again (in the background); prepare waits for it.
    await classifier.prepare(request.flowVersion, [block]);
    const retried = await classifier.classify(request);
    assert.ok(retried.kind === 'match' && retried.intent === 'weather');
    assert.equal(calls, 2);
  });

  it('hands the model over without copies and stops the worker once it has no more work', async () => {
    const trainer = new WorkerTrainer();
    try {
      const model = await trainer.train(TRAVEL_INTENTS);
      assert.equal(trainer.running, true, 'kept for a training asked for in the answer callbacks');
      await setImmediate();
      assert.equal(trainer.running, false, 'an idle worker does not keep its heap');
      for (const array of modelArrays(model)) {
        // Each array owns its whole buffer: it was transferred, not a view of a larger copy.
        assert.equal(array.buffer.byteLength, array.byteLength);
      }
      const again = await trainer.train(TRAVEL_INTENTS.slice(0, 2));
      assert.equal(again.intentIds.length, 2, 'the next training starts a new worker');
    } finally {
      await trainer.close();
    }
  });

  it('trains inline when the worker cannot start', async () => {
    const trainer = new WorkerTrainer(new URL('./no-such-worker.ts', import.meta.url));
    try {
      const model = await trainer.train(TRAVEL_INTENTS);
      assert.equal(trainer.inlineOnly, true);
      assert.equal(model.intentIds[predict(model, 'will it rain tomorrow').bestIntent], 'weather');
      const again = await trainer.train(TRAVEL_INTENTS.slice(0, 2));
      assert.equal(again.intentIds.length, 2);
    } finally {
      await trainer.close();
    }
  });

  it('fails pending trainings when the trainer is closed, and starts a new worker afterwards', async () => {
    const trainer = new WorkerTrainer();
    const pending = assert.rejects(trainer.train(MANY_INTENTS), /closed/);
    await trainer.close();
    await pending;
    const model = await trainer.train(TRAVEL_INTENTS);
    assert.equal(model.intentIds.length, TRAVEL_INTENTS.length);
    await trainer.close();
  });
});
