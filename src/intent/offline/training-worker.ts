/**
 * Worker-thread side of the model trainer (trainer.ts): trains a model from the intents it receives
 * and posts it back, its large arrays transferred rather than copied.
 */
import { parentPort } from 'node:worker_threads';
import type { IntentDefinition } from '../classifier.ts';
import { trainIntentModel } from './model.ts';

export interface TrainingJob {
  id: number;
  intents: readonly IntentDefinition[];
}

parentPort?.on('message', (job: TrainingJob) => {
  try {
    const model = trainIntentModel(job.intents);
    const transfer = [model.softmax.weights.buffer, model.softmax.bias.buffer, model.vectorizer.idf.buffer];
    parentPort?.postMessage({ id: job.id, model }, transfer as ArrayBuffer[]);
  } catch (error) {
    parentPort?.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) });
  }
});
