/**
 * The classification port, seen from the engine: an `intent` block asks for a ClassifyRequest (as a
 * `classify` effect); the runtime has a classifier answer it and feeds the Classification back as a
 * `classified` event. The classifiers in intent/ implement this contract.
 *
 * A classifier never throws and never rejects: failures are values (`kind: 'error'`), so a provider
 * failure can never take a conversation down.
 */
import type { IntentProviderName } from '../flow/types.ts';

export interface IntentDefinition {
  id: string;
  description: string;
  examples: readonly string[];
}

/** One message of the conversation before the text being classified. */
export interface ContextMessage {
  from: 'bot' | 'user';
  text: string;
}

export interface ClassifyRequest {
  /** Flow version + block id identify the intent set (versions are immutable), e.g. for caches. */
  flowVersion: number;
  blockId: string;
  text: string;
  intents: readonly IntentDefinition[];
  /**
   * The last bot and user messages before `text`, oldest first (a bounded window: ENGINE_LIMITS). The
   * LLM sees them as data, so that "yes" or "the second one" is read as the answer to the question.
   */
  context?: readonly ContextMessage[];
  /** Quick-reply labels the user was just offered (an exact click is a certain match in `auto`). */
  quickReplies?: readonly string[];
  /** Per-block override of INTENT_PROVIDER. */
  provider?: IntentProviderName;
  /** Overall deadline for this classification, retries included (set by the runtime, never the engine). */
  signal?: AbortSignal;
}

export type IntentErrorCode =
  | 'PROVIDER_TIMEOUT'
  | 'PROVIDER_HTTP_ERROR'
  | 'PROVIDER_MALFORMED'
  | 'PROVIDER_REFUSED'
  | 'PROVIDER_UNAVAILABLE'
  | 'PROVIDER_BUDGET_EXCEEDED'
  | 'PROVIDER_ERROR';

/** Why another provider answered: the requested provider's error, its open breaker, or the spent LLM budget. */
export interface FallbackReason {
  provider: string;
  code: IntentErrorCode;
  message: string;
}

interface Outcome {
  /** Which provider produced the answer: 'openai', 'local', ... */
  provider: string;
  latencyMs: number;
  cached: boolean;
  /** True when another provider answered because the requested one failed or its breaker was open. */
  fallback: boolean;
  /** Set when `fallback` is true: which provider failed, and how. */
  fallbackFrom?: FallbackReason;
}

export type Classification =
  | (Outcome & {
      kind: 'match';
      intent: string;
      /** In [0, 1]. */
      confidence: number;
      /** Threshold to use when neither the block nor the flow sets `minConfidence`. */
      defaultMinConfidence: number;
    })
  | (Outcome & { kind: 'no_match'; confidence?: number })
  | (Outcome & { kind: 'error'; code: IntentErrorCode; message: string });
