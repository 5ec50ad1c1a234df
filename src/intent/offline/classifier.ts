/**
 * The offline intent classifier: in process, no network, no model download. Each intent block of a
 * flow version gets its own model, trained from its intents' descriptions and examples when the
 * version is prepared (upload, activation, first load of a version), in a worker thread
 * (trainer.ts). A classification never trains: a model that is not resident is an error value
 * now, and is trained in the background for the next turns. Models are kept in an LRU cache sized
 * in bytes (memory.ts counts them).
 */
import { LRUCache } from 'lru-cache';
import type {
  Classification,
  ClassifyRequest,
  IntentDefinition,
  IntentErrorCode,
} from '../../engine/index.ts';
import type { IntentClassifier } from '../port.ts';
import { buildCertainMatchIndex, type CertainMatchIndex, findCertainIntent } from './certain-match.ts';
import { type DefaultThreshold, FALLBACK_MIN_CONFIDENCE } from './default-threshold.ts';
import { OFFLINE_LIMITS } from './limits.ts';
import { certainIndexBytes, modelBytes } from './memory.ts';
import { type IntentModel, predict } from './model.ts';
import { type ModelTrainer, WorkerTrainer } from './trainer.ts';

export const LOCAL_PROVIDER = 'local';

/**
 * The threshold of a block whose texts are too few to derive one from (default-threshold.ts); a
 * block with enough examples gets its own, derived at training. Both are used only when neither the
 * block nor the flow sets `minConfidence`.
 */
export const DEFAULT_MIN_CONFIDENCE = FALLBACK_MIN_CONFIDENCE;

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
  /** Bytes of models and certain-match indexes kept (INTENT_MODEL_CACHE_MB); least recently used go first. */
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

/** Memory of a cache entry: its model's arrays (exact) and its certain-match keys (estimated). */
function entryBytes(entry: BlockEntry): number {
  return 1 + certainIndexBytes(entry.certain) + (entry.model ? modelBytes(entry.model) : 0);
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
  readonly #maxBytes: number;
  /**
   * Blocks whose trained model alone is larger than the cache (a stored version loaded under a
   * smaller INTENT_MODEL_CACHE_MB; uploads are refused before that): by signature, the reason.
   * Kept so that turns get that error at once instead of retraining the model every time.
   */
  readonly #oversized = new LRUCache<string, { signature: string; message: string }>({ max: 1024 });
  #trainings = 0;

  constructor(options: OfflineClassifierOptions = {}) {
    this.#maxBytes = options.maxCachedBytes ?? OFFLINE_LIMITS.maxCachedBytes;
    this.#entries = new LRUCache({ maxSize: this.#maxBytes, sizeCalculation: entryBytes });
    this.#trainer = options.trainer ?? processTrainer();
  }

  /** How many models were trained so far (prepare and background retraining): observable cache behaviour. */
  get trainings(): number {
    return this.#trainings;
  }

  /** Bytes held by the cache, as memory.ts counts them. */
  get cachedBytes(): number {
    return this.#entries.calculatedSize;
  }

  /** Whether the model of a block is in memory (a classification of it will not wait for anything). */
  isResident(flowVersion: number, blockId: string, intents: readonly IntentDefinition[]): boolean {
    const entry = this.#entries.peek(keyOf(flowVersion, blockId));
    return entry?.model !== undefined && entry.signature === signatureOf(intents);
  }

  /**
   * The threshold a block's model uses when neither the block nor the flow sets `minConfidence`
   * (derived from its texts at training), or undefined when the model is not in memory.
   */
  defaultThreshold(
    flowVersion: number,
    blockId: string,
    intents: readonly IntentDefinition[],
  ): DefaultThreshold | undefined {
    const entry = this.#entries.peek(keyOf(flowVersion, blockId));
    return entry?.model && entry.signature === signatureOf(intents)
      ? entry.model.defaultThreshold
      : undefined;
  }

  async prepare(
    flowVersion: number,
    blocks: readonly { blockId: string; intents: readonly IntentDefinition[] }[],
  ): Promise<void> {
    // One after the other: training memory is one block's at a time (the worker stays up in between).
    for (const block of blocks) {
      try {
        const key = keyOf(flowVersion, block.blockId);
        await this.#modelFor(key, this.#entryFor(key, block.intents));
      } catch {
        // A block that cannot be trained now answers PROVIDER_UNAVAILABLE at classify, which retrains it.
      }
    }
  }

  async classify(request: ClassifyRequest): Promise<Classification> {
    const started = performance.now();
    const outcome = { provider: LOCAL_PROVIDER, cached: false, fallback: false };
    const failed = (code: IntentErrorCode, message: string): Classification => ({
      kind: 'error',
      code,
      message,
      ...outcome,
      latencyMs: elapsedMs(started),
    });
    try {
      if (request.signal?.aborted) {
        return failed(
          'PROVIDER_TIMEOUT',
          'the classification deadline passed before the offline classifier ran',
        );
      }
      const key = keyOf(request.flowVersion, request.blockId);
      const entry = this.#entryFor(key, request.intents);
      if (entry.intents.length === 0) return { kind: 'no_match', ...outcome, latencyMs: elapsedMs(started) };
      const oversized = this.#oversizedMessage(key, entry);
      if (oversized) return failed('PROVIDER_ERROR', oversized);
      const model = entry.model;
      if (!model) {
        // Never train inside a turn: answer now, and have the model ready for the next turns.
        this.#modelFor(key, entry).catch(() => {});
        const { blockId, flowVersion } = request;
        return failed(
          'PROVIDER_UNAVAILABLE',
          `the model of intent block "${blockId}" (flow version ${flowVersion}) is not in memory; it is being trained`,
        );
      }
      const prediction = predict(model, request.text);
      const latencyMs = elapsedMs(started);
      if (prediction.background)
        return { kind: 'no_match', confidence: prediction.confidence, ...outcome, latencyMs };
      return {
        kind: 'match',
        intent: model.intentIds[prediction.bestIntent] as string,
        confidence: prediction.confidence,
        defaultMinConfidence: model.defaultThreshold.value,
        ...outcome,
        latencyMs,
      };
    } catch (error) {
      return failed('PROVIDER_ERROR', errorMessage(error));
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

  /** Why this block's model cannot be kept, when its last training found it larger than the cache. */
  #oversizedMessage(key: string, entry: BlockEntry): string | undefined {
    const oversized = this.#oversized.get(key);
    return oversized?.signature === entry.signature ? oversized.message : undefined;
  }

  #modelFor(key: string, entry: BlockEntry): Promise<IntentModel> {
    if (entry.model) return Promise.resolve(entry.model);
    if (entry.training) return entry.training;
    const oversized = this.#oversizedMessage(key, entry);
    if (oversized) return Promise.reject(new Error(oversized));
    const training = this.#trainer.train(entry.intents).then((model) => {
      this.#trainings++;
      // A new entry object: the cache weighs an entry again only when it is set with another value.
      const trained = { ...entry, model };
      const bytes = entryBytes(trained);
      if (bytes > this.#maxBytes) {
        const message = `the model of this intent block needs ${megabytes(bytes)}, more than the model cache holds (${megabytes(this.#maxBytes)}, INTENT_MODEL_CACHE_MB)`;
        this.#oversized.set(key, { signature: entry.signature, message });
        throw new Error(message);
      }
      const current = this.#entries.peek(key);
      if (current === undefined || current === entry) this.#entries.set(key, trained);
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

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function elapsedMs(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}
