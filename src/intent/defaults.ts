/**
 * The intent facts that the configuration (src/config.ts) and the classifiers both read, kept once.
 * A leaf module: importing it loads neither the OpenAI SDK nor a model.
 */

/**
 * INTENT_TIMEOUT_MS: one classification end to end, whichever provider answers. Under 100 ms no provider
 * can answer; over 2 minutes the user has left.
 */
export const INTENT_TIMEOUT = { defaultMs: 8_000, minMs: 100, maxMs: 120_000 } as const;

export const OPENAI_DEFAULTS = {
  baseURL: 'https://api.openai.com/v1',
  /**
   * Cheap, fast (no reasoning step, so one short answer comes back quickly), supports strict structured
   * outputs, and follows instructions better than gpt-4o-mini; a classification (a prompt of ~1k tokens) costs a
   * few hundredths of a cent.
   */
  model: 'gpt-4.1-mini',
  /** One classification end to end, retries included (the router passes INTENT_TIMEOUT_MS). */
  timeoutMs: INTENT_TIMEOUT.defaultMs,
  /**
   * One HTTP attempt's share of the deadline (3.2 s of the default 8 s): a hung attempt leaves time for a
   * retry, and a slower server (a local model) gets more per attempt when INTENT_TIMEOUT_MS is raised.
   */
  attemptShare: 0.4,
  maxRetries: 2,
  /** First backoff ceiling; doubles on each retry, jittered. */
  backoffBaseMs: 250,
  /** Threshold when neither the block nor the flow sets `minConfidence` (the model's own estimate). */
  defaultMinConfidence: 0.5,
} as const;
