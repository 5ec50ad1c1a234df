/**
 * The intent-classifier port: what the runtime calls to perform the engine's `classify` effects. The
 * request and result types are the engine's (engine/classification.ts); this adds what only the intent
 * side needs: the classifier interface and a provider's share of the deadline.
 */
import type { Classification, ClassifyRequest, IntentDefinition } from '../engine/index.ts';
import type { BudgetCaller } from './budget.ts';

/**
 * What the router hands one provider: the request, with that provider's share of the deadline. In
 * `auto`, OpenAI gets less than INTENT_TIMEOUT_MS so that the offline fallback still has time to
 * answer; `signal` fires when the share is used up, and `timeoutMs` lets the provider plan its
 * retries within it.
 */
export interface ProviderRequest extends ClassifyRequest {
  /** Milliseconds this provider may use, from the call. */
  timeoutMs?: number;
  /**
   * Who is asking (set by the conversation runtime, never the engine): the LLM budget's ceilings per
   * conversation and per client address count against it. No provider sends it anywhere.
   */
  caller?: BudgetCaller;
}

export interface IntentClassifier {
  classify(request: ProviderRequest): Promise<Classification>;
  /**
   * Optional: train/prepare everything a flow version needs (called when a version is uploaded or
   * loaded), so the first message does not pay for it.
   */
  prepare?(
    flowVersion: number,
    blocks: readonly { blockId: string; intents: readonly IntentDefinition[] }[],
  ): Promise<void>;
  /**
   * Optional: the threshold a prepared block uses when neither the block nor the flow sets
   * `minConfidence` (the offline classifier derives one per block from its examples), and whether it
   * was derived (false: the provider's fixed default); undefined when unknown.
   */
  defaultThreshold?(
    flowVersion: number,
    blockId: string,
    intents: readonly IntentDefinition[],
  ): { value: number; derived: boolean } | undefined;
}
