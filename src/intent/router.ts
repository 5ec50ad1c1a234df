/**
 * The IntentClassifier the runtime uses. It picks a provider per request (the request's `provider`,
 * i.e. the block's override, else INTENT_PROVIDER) and adds the cost and failure handling around OpenAI:
 *
 * - `local`: the offline classifier.
 * - `auto`: OpenAI when a key is configured, else local. With a key: a local certain match (an example or
 *   quick reply typed exactly) skips the LLM; then the cache; then OpenAI behind the circuit breaker. An
 *   OpenAI error or an open breaker falls back to the local classifier (`fallback: true`, `fallbackFrom`).
 * - `openai`: the cache, then OpenAI behind the breaker. An error stays an error (the flow's `onError`
 *   path: the author asked for OpenAI, so a wrong-but-confident local answer is not silently substituted),
 *   except while the breaker is open: then the provider is known to be down, and a local answer serves the
 *   user better than N turns of "sorry, try again"; it is marked `fallback: true`.
 *   Without a key: an error PROVIDER_UNAVAILABLE.
 *
 * Cost: the LLM budget (budget.ts) is asked before every LLM call, after the cache and the certain match.
 * Over one of its ceilings no call is made and the offline classifier answers, marked `fallback: true`
 * with `fallbackFrom.code` PROVIDER_BUDGET_EXCEEDED, in `auto` and in explicit `openai` alike: the budget
 * is the operator's own stop, and an offline answer serves the user better than `onError` on every turn.
 *
 * Time: INTENT_TIMEOUT_MS bounds every classification, whichever provider answers; a provider still
 * running at its end is cut with PROVIDER_TIMEOUT (the block's `onError`). In `auto`, OpenAI gets only
 * the deadline minus a reserve (AUTO_LOCAL_RESERVE_SHARE), so that a hung OpenAI still leaves the
 * offline fallback time to answer.
 */

import type { Classification, ClassifyRequest, FallbackReason, IntentDefinition } from '../engine/index.ts';
import type { IntentProviderName } from '../flow/types.ts';
import type { CircuitBreaker } from './breaker.ts';
import { BUDGET_CEILINGS, type BudgetCeiling, type BudgetRefusal, type LlmBudget } from './budget.ts';
import type { IntentCache } from './cache.ts';
import { Deadline, withinShare } from './deadline.ts';
import { LOCAL_PROVIDER } from './offline/index.ts';
import { OPENAI_PROVIDER, type OpenAiStats } from './openai.ts';
import type { IntentClassifier, ProviderRequest } from './port.ts';

/**
 * The part of INTENT_TIMEOUT_MS that `auto` keeps for the offline fallback: OpenAI gets the rest (6 s of
 * the default 8 s, still room for two attempts of 3.2 s less a backoff). With a trained model the
 * offline answer takes milliseconds; the reserve is generous so that a busy event loop cannot eat it.
 */
export const AUTO_LOCAL_RESERVE_SHARE = 0.25;

/** A local check that is sure without a model (exact example or quick-reply match), else null. */
export type CertainMatch = (request: ClassifyRequest) => Classification | null;

export interface IntentRouterOptions {
  /** INTENT_PROVIDER. */
  mode: IntentProviderName;
  /** INTENT_TIMEOUT_MS: one classification end to end, whichever provider answers. */
  timeoutMs: number;
  local: IntentClassifier;
  certainMatch?: CertainMatch;
  /** Absent when no OPENAI_API_KEY is configured. */
  openai?: IntentClassifier & { stats?(): OpenAiStats };
  breaker: CircuitBreaker;
  cache: IntentCache;
  /** Ceilings on LLM calls; absent: unlimited (`chatflow eval`, tests). */
  budget?: LlmBudget;
  /** Told each time the budget keeps a call from the LLM (the factory logs it, rate-limited). */
  onBudgetExceeded?: (refusal: BudgetRefusal, request: ProviderRequest) => void;
}

export interface IntentRouterStats {
  calls: number;
  /** Classifications OpenAI was asked for (cache hits and certain matches excluded). */
  openaiCalls: number;
  /** HTTP retries inside those calls. */
  retries: number;
  /** OpenAI calls that ended in an error. */
  errors: number;
  fallbacks: number;
  cacheHits: number;
  /** LLM calls saved by a local certain match. */
  certainMatchSkips: number;
  breakerState: ReturnType<CircuitBreaker['state']>;
  breakerOpened: number;
  /** LLM calls the budget refused (the offline classifier answered), by ceiling. */
  budgetExceeded: Record<BudgetCeiling, number>;
}

/** Refusals are about one message, not the provider's health, so they do not trip the breaker. */
function isProviderFailure(result: Classification): boolean {
  return result.kind === 'error' && result.code !== 'PROVIDER_REFUSED';
}

function elapsedSince(started: number): number {
  return Math.round(performance.now() - started);
}

export class IntentRouter implements IntentClassifier {
  readonly #options: IntentRouterOptions;
  readonly #counts = {
    calls: 0,
    openaiCalls: 0,
    errors: 0,
    fallbacks: 0,
    cacheHits: 0,
    certainMatchSkips: 0,
  };

  constructor(options: IntentRouterOptions) {
    this.#options = options;
  }

  stats(): IntentRouterStats {
    const { breaker, openai, budget } = this.#options;
    const refused = budget?.refusals();
    return {
      ...this.#counts,
      retries: openai?.stats?.().retries ?? 0,
      breakerState: breaker.state(),
      breakerOpened: breaker.timesOpened(),
      budgetExceeded: Object.fromEntries(
        BUDGET_CEILINGS.map((ceiling) => [ceiling, refused?.[ceiling] ?? 0]),
      ) as Record<BudgetCeiling, number>,
    };
  }

  /** Only the local classifier has something to train. */
  async prepare(
    flowVersion: number,
    blocks: readonly { blockId: string; intents: readonly IntentDefinition[] }[],
  ): Promise<void> {
    await this.#options.local.prepare?.(flowVersion, blocks);
  }

  /** The offline classifier's threshold for a block (the local provider's; OpenAI has a fixed one). */
  defaultThreshold(
    flowVersion: number,
    blockId: string,
    intents: readonly IntentDefinition[],
  ): { value: number; derived: boolean } | undefined {
    return this.#options.local.defaultThreshold?.(flowVersion, blockId, intents);
  }

  async classify(request: ProviderRequest): Promise<Classification> {
    const started = performance.now();
    this.#counts.calls += 1;
    const deadline = new Deadline(this.#options.timeoutMs, request.signal);
    try {
      return await this.#route(request, deadline, started);
    } finally {
      deadline.dispose();
    }
  }

  async #route(request: ProviderRequest, deadline: Deadline, started: number): Promise<Classification> {
    const requested = request.provider ?? this.#options.mode;
    const { openai } = this.#options;
    if (requested === 'local' || (requested === 'auto' && !openai)) {
      return this.#local(request, deadline);
    }
    if (!openai) {
      return {
        kind: 'error',
        code: 'PROVIDER_UNAVAILABLE',
        message: 'OpenAI was requested but OPENAI_API_KEY is not set',
        provider: OPENAI_PROVIDER,
        latencyMs: 0,
        cached: false,
        fallback: false,
      };
    }
    if (requested === 'auto') {
      const certain = this.#certainMatch(request);
      if (certain) {
        this.#counts.certainMatchSkips += 1;
        return { ...certain, latencyMs: elapsedSince(started) };
      }
    }
    return this.#viaOpenAi(request, openai, requested === 'auto', deadline, started);
  }

  async #viaOpenAi(
    request: ProviderRequest,
    openai: IntentClassifier,
    fallBackOnError: boolean,
    deadline: Deadline,
    started: number,
  ): Promise<Classification> {
    const { cache, breaker, budget } = this.#options;
    const hit = cache.get(request, elapsedSince(started));
    if (hit) {
      this.#counts.cacheHits += 1;
      return hit;
    }
    // Before the breaker: a half-open breaker's trial must not be taken by a call that is then refused.
    const refusal = budget?.refusal(request.caller);
    if (refusal) {
      this.#options.onBudgetExceeded?.(refusal, request);
      return this.#fallback(
        request,
        { provider: OPENAI_PROVIDER, code: 'PROVIDER_BUDGET_EXCEEDED', message: refusal.message },
        deadline,
        started,
      );
    }
    if (!breaker.tryAcquire()) {
      const reason = 'the circuit breaker is open after repeated OpenAI failures';
      return this.#fallback(
        request,
        { provider: OPENAI_PROVIDER, code: 'PROVIDER_UNAVAILABLE', message: reason },
        deadline,
        started,
      );
    }
    this.#counts.openaiCalls += 1;
    budget?.record(request.caller);
    const reserveMs = fallBackOnError ? Math.ceil(deadline.totalMs * AUTO_LOCAL_RESERVE_SHARE) : 0;
    const shareMs = Math.max(0, deadline.remainingMs() - reserveMs);
    const result = await this.#call(openai, request, OPENAI_PROVIDER, deadline.share(shareMs), shareMs);
    breaker.record(!isProviderFailure(result));
    if (result.kind !== 'error') {
      cache.set(request, result);
      return result;
    }
    this.#counts.errors += 1;
    if (!fallBackOnError) return result;
    return this.#fallback(
      request,
      { provider: result.provider, code: result.code, message: result.message },
      deadline,
      started,
    );
  }

  async #fallback(
    request: ClassifyRequest,
    reason: FallbackReason,
    deadline: Deadline,
    started: number,
  ): Promise<Classification> {
    this.#counts.fallbacks += 1;
    const local = await this.#local(request, deadline);
    return { ...local, fallback: true, fallbackFrom: reason, latencyMs: elapsedSince(started) };
  }

  /** The offline classifier gets whatever is left of the deadline. */
  #local(request: ClassifyRequest, deadline: Deadline): Promise<Classification> {
    const { local } = this.#options;
    return this.#call(local, request, LOCAL_PROVIDER, deadline.signal, deadline.remainingMs());
  }

  #certainMatch(request: ClassifyRequest): Classification | null {
    try {
      return this.#options.certainMatch?.(request) ?? null;
    } catch {
      return null; // A broken shortcut only costs an LLM call.
    }
  }

  /**
   * One provider call within its share of the deadline: `signal` tells the provider when to stop, and
   * the answer is a PROVIDER_TIMEOUT error at that moment even if the provider does not listen.
   */
  #call(
    classifier: IntentClassifier,
    request: ClassifyRequest,
    provider: string,
    signal: AbortSignal,
    shareMs: number,
  ): Promise<Classification> {
    const within: ProviderRequest = { ...request, signal, timeoutMs: shareMs };
    return withinShare(this.#safely(classifier, within, provider), signal, provider, shareMs);
  }

  /** The port says classifiers never reject; this makes sure of it. */
  async #safely(
    classifier: IntentClassifier,
    request: ProviderRequest,
    provider: string,
  ): Promise<Classification> {
    const started = performance.now();
    try {
      return await classifier.classify(request);
    } catch (error) {
      const name = error instanceof Error ? error.name : typeof error;
      return {
        kind: 'error',
        code: 'PROVIDER_ERROR',
        message: `the ${provider} classifier failed (${name})`,
        provider,
        latencyMs: elapsedSince(started),
        cached: false,
        fallback: false,
      };
    }
  }
}
