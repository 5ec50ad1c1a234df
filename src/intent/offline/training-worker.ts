/**
 * Worker-thread side of the model trainer (trainer.ts): trains a model from the intents it receives
 * and posts it back with every array transferred, not copied: the main thread receives the buffers
 * the worker allocated, and the model exists once. Each array owns its whole buffer (no views).
 */
import { parentPort } from 'node:worker_threads';
import type { IntentDefinition } from '../../engine/index.ts';
import { modelArrays, trainIntentModel } from './model.ts';

export interface TrainingJob {
  id: number;
  intents: readonly IntentDefinition[];
}

parentPort?.on('message', (job: TrainingJob) => {
  try {
    const model = trainIntentModel(job.intents);
    const transfer = modelArrays(model).map((array) => array.buffer as ArrayBuffer);
    parentPort?.postMessage({ id: job.id, model }, transfer);
  } catch (error) {
    parentPort?.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) });
  }
});
