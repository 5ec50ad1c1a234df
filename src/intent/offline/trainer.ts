/**
 * Trains intent models off the event loop. Training 10,000 examples takes about a second of CPU:
 * done inline, it would pause every conversation of the server. One worker per process, started
 * when a training is asked for and stopped as soon as it has no more work (a worker start costs
 * 0.2–0.4 s, so a version's blocks, trained one after the other, share one): what training allocated
 * (texts, vectors, the weights being averaged) goes with the worker's heap instead of being held by
 * an idle thread. It is started again if it dies after having worked. A worker that fails before its
 * first answer (it cannot start here) is not tried again: its trainings, and all later ones, run inline.
 */
import { Worker } from 'node:worker_threads';
import type { IntentDefinition } from '../../engine/index.ts';
import { type IntentModel, trainIntentModel } from './model.ts';
import type { TrainingJob } from './training-worker.ts';

export interface ModelTrainer {
  train(intents: readonly IntentDefinition[]): Promise<IntentModel>;
}

/** Trains on the calling thread (tests, tools, and the fallback when no worker can start). */
export const inlineTrainer: ModelTrainer = {
  train: async (intents) => trainIntentModel(intents),
};

type Reply = { id: number; model: IntentModel } | { id: number; error: string };

interface Pending {
  intents: readonly IntentDefinition[];
  resolve(model: IntentModel): void;
  reject(error: Error): void;
}

const WORKER_SCRIPT = new URL('./training-worker.ts', import.meta.url);

/**
 * Trainings of at least this many texts stop the worker at once, even if another block of the same
 * version comes next: measured on three blocks of 20,500 texts, a fresh worker per block kept the
 * peak RSS about 80 MB lower than one worker for the three (353 against 430 MB added).
 */
const LARGE_TRAINING_TEXTS = 5_000;

function textCount(intents: readonly IntentDefinition[]): number {
  return intents.reduce((sum, intent) => sum + 1 + (intent.examples?.length ?? 0), 0);
}

export class WorkerTrainer implements ModelTrainer {
  readonly #script: URL;
  #worker: Worker | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #answered = false;
  #inlineOnly = false;

  /** `script` is for tests: the worker's module. */
  constructor(script: URL = WORKER_SCRIPT) {
    this.#script = script;
  }

  /** Whether a worker thread is running (it is only while it has trainings to do). */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  /** True once a worker failed to start: training runs on the calling thread. */
  get inlineOnly(): boolean {
    return this.#inlineOnly;
  }

  async train(intents: readonly IntentDefinition[]): Promise<IntentModel> {
    const worker = this.#start();
    if (!worker) return inlineTrainer.train(intents);
    const id = this.#nextId++;
    const result = new Promise<IntentModel>((resolve, reject) =>
      this.#pending.set(id, { intents, resolve, reject }),
    );
    worker.ref();
    worker.postMessage({ id, intents } satisfies TrainingJob);
    return result;
  }

  /** Stops the worker; pending trainings fail. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#failAll(new Error('the model trainer was closed'));
    await worker?.terminate();
  }

  #start(): Worker | undefined {
    if (this.#worker || this.#inlineOnly) return this.#worker;
    let worker: Worker;
    try {
      worker = new Worker(this.#script);
    } catch {
      this.#inlineOnly = true;
      return undefined;
    }
    worker.unref();
    worker.on('message', (reply: Reply) => this.#settle(reply));
    worker.on('error', (error) => this.#lose(worker, error));
    worker.on('exit', (code) =>
      this.#lose(worker, new Error(`the training worker exited with code ${code}`)),
    );
    this.#worker = worker;
    return worker;
  }

  #settle(reply: Reply): void {
    this.#answered = true;
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if ('error' in reply) pending.reject(new Error(reply.error));
    else pending.resolve(reply.model);
    if (this.#pending.size > 0) return;
    // After a large training the worker's heap is worth more than a new worker's start.
    if (textCount(pending.intents) >= LARGE_TRAINING_TEXTS) this.#stopIdle();
    else setImmediate(() => this.#stopIdle());
  }

  /**
   * No more work: the worker is stopped, so its heap is given back (the next training starts
   * another). Checked after the answer's callbacks have run, so that blocks trained one after the
   * other (a version's `prepare`) keep the worker that is already running.
   */
  #stopIdle(): void {
    if (this.#pending.size > 0) return;
    const worker = this.#worker;
    this.#worker = undefined;
    void worker?.terminate();
  }

  /**
   * The worker died. If it had worked, its trainings fail and the next training starts a new one; if
   * it never answered, workers do not work here: its trainings run inline, as will all later ones.
   */
  #lose(worker: Worker, error: Error): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    if (this.#answered) {
      this.#failAll(error);
      return;
    }
    this.#inlineOnly = true;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const job of pending) inlineTrainer.train(job.intents).then(job.resolve, job.reject);
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}
