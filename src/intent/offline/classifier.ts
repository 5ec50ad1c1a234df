/**
 * The offline intent classifier: in process, no network, no model download. Each intent block of a
 * flow version gets its own model, trained from its intents' descriptions and examples when the
 * version is prepared, or lazily at its first message (in a worker thread: trainer.ts); models are
 * kept in an LRU cache bounded in count and bytes.
 */
import { LRUCache } from 'lru-cache';
import type { Classification, ClassifyRequest, IntentClassifier, IntentDefinition } from '../classifier.ts';
import { buildCertainMatchIndex, type CertainMatchIndex, findCertainIntent } from './certain-match.ts';
import { OFFLINE_LIMITS } from './limits.ts';
import { type IntentModel, predict } from './model.ts';
import { type ModelTrainer, WorkerTrainer } from './trainer.ts';

export const LOCAL_PROVIDER = 'local';

/**
 * The documented default threshold of this provider (used when neither the block nor the flow sets
 * `minConfidence`), chosen from the bench's no-match measurements (README "Offline intent classifier").
 */
export const DEFAULT_MIN_CONFIDENCE = 0.4;

interface BlockEntry {
  /** The intent ids the entry was built for: a request with other intents does not reuse it. */
  readonly signature: string;
  readonly intents: readonly IntentDefinition[];
  readonly certain: CertainMatchIndex;
  readonly model?: IntentModel;
  /** The training in progress, shared by the requests that wait for it. */
  training?: Promise<IntentModel>;
}

export interface OfflineClassifierOptions {
  maxCachedModels?: number;
  maxCachedBytes?: number;
  /** Where models are trained; default: a worker thread shared by the process. */
  trainer?: ModelTrainer;
}

let sharedTrainer: WorkerTrainer | undefined;

/** One training worker for the whole process, started at first use. */
function processTrainer(): WorkerTrainer {
  sharedTrainer ??= new WorkerTrainer();
  return sharedTrainer;
}

/** Rough memory of a cache entry: the model's arrays and maps, and the certain-match keys. */
function approximateBytes(entry: BlockEntry): number {
  const keys = entry.certain.examples.size + entry.certain.labels.size;
  const model = entry.model;
  const modelBytes = model
    ? model.softmax.weights.byteLength + model.vectorizer.idf.byteLength + model.vectorizer.columns.size * 40
    : 0;
  return 1 + keys * 100 + modelBytes;
}

function keyOf(flowVersion: number, blockId: string): string {
  return `${flowVersion}\u0000${blockId}`;
}

function signatureOf(intents: readonly IntentDefinition[]): string {
  return `${intents.length}\u0000${intents.map((i) => i.id).join('\u0000')}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class OfflineIntentClassifier implements IntentClassifier {
  readonly #entries: LRUCache<string, BlockEntry>;
  readonly #trainer: ModelTrainer;
  #trainings = 0;

  constructor(options: OfflineClassifierOptions = {}) {
    this.#entries = new LRUCache({
      max: options.maxCachedModels ?? OFFLINE_LIMITS.maxCachedModels,
      maxSize: options.maxCachedBytes ?? OFFLINE_LIMITS.maxCachedBytes,
      sizeCalculation: approximateBytes,
    });
    this.#trainer = options.trainer ?? processTrainer();
  }

  /** How many models were trained so far (prepare and lazy training): observable cache behaviour. */
  get trainings(): number {
    return this.#trainings;
  }

  /** Approximate memory held by the cache. */
  get cachedBytes(): number {
    return this.#entries.calculatedSize;
  }

  async prepare(
    flowVersion: number,
    blocks: readonly { blockId: string; intents: readonly IntentDefinition[] }[],
  ): Promise<void> {
    for (const block of blocks) {
      try {
        const key = keyOf(flowVersion, block.blockId);
        await this.#modelFor(key, this.#entryFor(key, block.intents));
      } catch {
        // A block that cannot be trained now is retried (and reported as an error value) at classify.
      }
    }
  }

  async classify(request: ClassifyRequest): Promise<Classification> {
    const started = performance.now();
    const outcome = { provider: LOCAL_PROVIDER, cached: false, fallback: false };
    try {
      if (request.signal?.aborted) {
        const message = 'the classification deadline passed before the offline classifier ran';
        return {
          kind: 'error',
          code: 'PROVIDER_TIMEOUT',
          message,
          ...outcome,
          latencyMs: elapsedMs(started),
        };
      }
      const key = keyOf(request.flowVersion, request.blockId);
      const entry = this.#entryFor(key, request.intents);
      if (entry.intents.length === 0) return { kind: 'no_match', ...outcome, latencyMs: elapsedMs(started) };
      const model = await this.#modelFor(key, entry);
      const prediction = predict(model, request.text);
      const latencyMs = elapsedMs(started);
      if (prediction.background)
        return { kind: 'no_match', confidence: prediction.confidence, ...outcome, latencyMs };
      return {
        kind: 'match',
        intent: model.intentIds[prediction.bestIntent] as string,
        confidence: prediction.confidence,
        defaultMinConfidence: DEFAULT_MIN_CONFIDENCE,
        ...outcome,
        latencyMs,
      };
    } catch (error) {
      return {
        kind: 'error',
        code: 'PROVIDER_ERROR',
        message: errorMessage(error),
        ...outcome,
        latencyMs: elapsedMs(started),
      };
    }
  }

  /**
   * For the router's `auto` mode: a match with confidence 1 when the text is an example of exactly one
   * intent, or a quick-reply label that names exactly one intent (see certain-match.ts); else null.
   * An arrow property, so it can be passed around unbound.
   */
  readonly certainMatch = (request: ClassifyRequest): Classification | null => {
    const started = performance.now();
    try {
      const entry = this.#entryFor(keyOf(request.flowVersion, request.blockId), request.intents);
      const intent = findCertainIntent(entry.certain, request.text, request.quickReplies);
      if (intent === undefined) return null;
      return {
        kind: 'match',
        intent,
        confidence: 1,
        defaultMinConfidence: DEFAULT_MIN_CONFIDENCE,
        provider: LOCAL_PROVIDER,
        cached: false,
        fallback: false,
        latencyMs: elapsedMs(started),
      };
    } catch {
      return null;
    }
  };

  #entryFor(key: string, intents: readonly IntentDefinition[]): BlockEntry {
    const signature = signatureOf(intents);
    const cached = this.#entries.get(key);
    if (cached && cached.signature === signature) return cached;
    const entry: BlockEntry = { signature, intents, certain: buildCertainMatchIndex(intents) };
    this.#entries.set(key, entry);
    return entry;
  }

  #modelFor(key: string, entry: BlockEntry): Promise<IntentModel> {
    if (entry.model) return Promise.resolve(entry.model);
    if (entry.training) return entry.training;
    const training = this.#trainer.train(entry.intents).then((model) => {
      this.#trainings++;
      const current = this.#entries.peek(key);
      // A new entry object: the cache weighs an entry again only when it is set with another value.
      if (current === undefined || current === entry) this.#entries.set(key, { ...entry, model });
      return model;
    });
    entry.training = training;
    // A failed training is not kept: the next request tries again.
    training.catch(() => {
      if (entry.training === training) entry.training = undefined;
    });
    return training;
  }
}

function elapsedMs(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}
