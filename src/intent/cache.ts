/**
 * An LRU cache of provider answers keyed by (flow version, block id, normalised text, and the
 * conversation and quick replies the provider was shown with it: "yes" after two different questions
 * are two different messages). Flow versions are immutable, so an answer stays right for as long as
 * its version lives. Only matches and no-matches are kept: an error must be retried on the next
 * message, never replayed.
 */
import { LRUCache } from 'lru-cache';
import type { Classification, ClassifyRequest } from '../engine/index.ts';

export const CACHE_DEFAULTS = {
  maxEntries: 10_000,
  /** Bound on the characters of all keys together, so long texts cannot grow memory without bound. */
  maxKeyChars: 4_000_000,
} as const;

type Answered = Exclude<Classification, { kind: 'error' }>;

/**
 * The message as the cache key sees it: case, Unicode form and runs of white space do not change what a
 * message means. Lighter than the offline classifier's featureText (no accent folding, digits kept): a
 * cached answer must be one the provider would give again.
 */
export function cacheKeyText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

type Keyed = Pick<ClassifyRequest, 'flowVersion' | 'blockId' | 'text' | 'context' | 'quickReplies'>;

function keyOf(request: Keyed): string {
  // NUL cannot appear in a block id, and the JSON escapes it, so the key is unambiguous.
  const seen = JSON.stringify([
    (request.context ?? []).map(({ from, text }) => [from, cacheKeyText(text)]),
    request.quickReplies ?? [],
  ]);
  return `${request.flowVersion}\u0000${request.blockId}\u0000${cacheKeyText(request.text)}\u0000${seen}`;
}

export interface CacheOptions {
  maxEntries?: number;
  maxKeyChars?: number;
}

export class IntentCache {
  readonly #lru: LRUCache<string, Answered>;

  constructor(options: CacheOptions = {}) {
    this.#lru = new LRUCache<string, Answered>({
      max: options.maxEntries ?? CACHE_DEFAULTS.maxEntries,
      maxSize: options.maxKeyChars ?? CACHE_DEFAULTS.maxKeyChars,
      sizeCalculation: (_value, key) => Math.max(1, key.length),
    });
  }

  get size(): number {
    return this.#lru.size;
  }

  /** A hit comes back with `cached: true` and the lookup's own latency. */
  get(request: ClassifyRequest, latencyMs = 0): Classification | undefined {
    const hit = this.#lru.get(keyOf(request));
    return hit && { ...hit, cached: true, latencyMs };
  }

  /** Keeps a provider's own answer; errors and fallback answers are not kept. */
  set(request: ClassifyRequest, result: Classification): void {
    if (result.kind === 'error' || result.fallback) return;
    this.#lru.set(keyOf(request), result);
  }
}
