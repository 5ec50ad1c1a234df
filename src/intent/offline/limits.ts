/** Limits of the offline classifier, declared up front (docs/intent-detection.md, Limits). */
export const OFFLINE_LIMITS = {
  /** Input is truncated to this many code points before featurisation: intent text is short, and the cost stays bounded. */
  maxInputChars: 1_000,
  /**
   * Bytes of trained models kept in memory (default of INTENT_MODEL_CACHE_MB), one model per (flow
   * version, intent block), least recently used evicted; a 77-intent, 10,000-example model takes 11 MB.
   */
  maxCachedBytes: 256 * 1024 * 1024,
  /** Examples used per intent (the flow schema allows more; beyond this, more examples add little). */
  maxExamplesPerIntent: 2_000,
  /** Training texts per block, taken in turns across intents: bounds training time (about 7 s at this size). */
  maxTrainingExamples: 50_000,
  /**
   * Weights per model (features × classes); the rarest features are dropped beyond it (32 MB of
   * float32; training holds twice that). Banking77's 77 intents need 2.7 million.
   */
  maxModelWeights: 8_000_000,
} as const;

export type OfflineLimits = { readonly [K in keyof typeof OFFLINE_LIMITS]: number };
