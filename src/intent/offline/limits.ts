/** Limits of the offline classifier, declared up front (see README "Offline intent classifier"). */
export const OFFLINE_LIMITS = {
  /** Input is truncated to this many code points before featurisation: intent text is short, and the cost stays bounded. */
  maxInputChars: 1_000,
  /** Trained models kept in memory, one per (flow version, intent block); least recently used are evicted. */
  maxCachedModels: 64,
  /** Examples used per intent when training (the schema allows more; beyond this, more examples add little). */
  maxExamplesPerIntent: 2_000,
} as const;
