/**
 * The OpenAI intent classifier: one chat.completions call with a strict JSON-schema answer (see
 * openai-prompt.ts), on any OpenAI-compatible server, over a keep-alive connection pool (openai-http.ts).
 *
 * Time is ours: this class retries by itself so that one deadline (INTENT_TIMEOUT_MS, or the smaller
 * share the router gives it in `auto`) bounds the whole classification, retries and `retry-after` waits
 * included, and each attempt has its own timer that covers the headers and the body. It never throws:
 * every failure is an `error` Classification.
 */
import type { Classification, ClassifyRequest } from '../engine/index.ts';
import { OPENAI_DEFAULTS } from './defaults.ts';
import { describeFailure, type ProviderFailure, refusalFailure } from './openai-failure.ts';
import { OpenAiHttp } from './openai-http.ts';
import { type Answer, buildChatRequest, readAnswer, type SamplingParam } from './openai-prompt.ts';
import type { IntentClassifier, ProviderRequest } from './port.ts';
import { backoffMs, sleep } from './retry.ts';

export const OPENAI_PROVIDER = 'openai';

/** Retries are capped whatever the options say: cost and time must stay bounded. */
export const OPENAI_MAX_RETRIES = 2;

export interface RetryEvent {
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  /** True when the wait is the server's `retry-after`, false for our own backoff. */
  serverAsked: boolean;
  failure: ProviderFailure;
}

export interface OpenAiClassifierOptions {
  apiKey: string;
  /** Any OpenAI-compatible server, e.g. http://localhost:11434/v1 for Ollama. */
  baseURL?: string;
  model?: string;
  timeoutMs?: number;
  /** Default: `attemptShare` of `timeoutMs`. */
  attemptTimeoutMs?: number;
  maxRetries?: number;
  backoffBaseMs?: number;
  /** Called before each retry's wait (for logs and tests). */
  onRetry?: (event: RetryEvent) => void;
  random?: () => number;
}

export interface OpenAiStats {
  calls: number;
  attempts: number;
  retries: number;
  errors: number;
}

type AttemptOutcome = { answer: Answer } | { failure: ProviderFailure };

export class OpenAiIntentClassifier implements IntentClassifier {
  readonly provider = OPENAI_PROVIDER;
  readonly model: string;
  readonly #options: OpenAiClassifierOptions;
  readonly #timeoutMs: number;
  readonly #attemptTimeoutMs: number;
  readonly #maxRetries: number;
  #http: OpenAiHttp | undefined;
  /** Sampling settings this server rejected: left out of every later request. */
  readonly #unsupported = new Set<SamplingParam>();
  readonly #stats: OpenAiStats = { calls: 0, attempts: 0, retries: 0, errors: 0 };

  constructor(options: OpenAiClassifierOptions) {
    this.#options = options;
    this.model = options.model ?? OPENAI_DEFAULTS.model;
    this.#timeoutMs = options.timeoutMs ?? OPENAI_DEFAULTS.timeoutMs;
    const attemptMs = options.attemptTimeoutMs ?? this.#timeoutMs * OPENAI_DEFAULTS.attemptShare;
    this.#attemptTimeoutMs = Math.max(1, Math.floor(Math.min(attemptMs, this.#timeoutMs)));
    this.#maxRetries = Math.max(
      0,
      Math.min(options.maxRetries ?? OPENAI_DEFAULTS.maxRetries, OPENAI_MAX_RETRIES),
    );
  }

  stats(): OpenAiStats {
    return { ...this.#stats };
  }

  /** The sampling settings this server rejected so far (left out of its requests). */
  unsupportedParams(): SamplingParam[] {
    return [...this.#unsupported];
  }

  async classify(request: ProviderRequest): Promise<Classification> {
    const started = performance.now();
    this.#stats.calls += 1;
    const budgetMs = Math.min(this.#timeoutMs, request.timeoutMs ?? this.#timeoutMs);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), budgetMs);
    const signal = request.signal ? AbortSignal.any([deadline.signal, request.signal]) : deadline.signal;
    let answer: Answer;
    try {
      answer = await this.#classifyWithRetries(request, signal, started + budgetMs);
    } catch (error) {
      // Not expected (every step returns values), but a classifier must never reject.
      answer = { kind: 'error', ...describeFailure(error, this.#attemptTimeoutMs, false, false) };
    } finally {
      clearTimeout(timer);
    }
    if (answer.kind === 'error') this.#stats.errors += 1;
    return this.#toClassification(answer, Math.round(performance.now() - started));
  }

  #toClassification(answer: Answer, latencyMs: number): Classification {
    const outcome = { provider: OPENAI_PROVIDER, latencyMs, cached: false, fallback: false };
    switch (answer.kind) {
      case 'match':
        return {
          ...outcome,
          kind: 'match',
          intent: answer.intent,
          confidence: answer.confidence,
          defaultMinConfidence: OPENAI_DEFAULTS.defaultMinConfidence,
        };
      case 'no_match':
        return { ...outcome, kind: 'no_match', confidence: answer.confidence };
      case 'error':
        return { ...outcome, kind: 'error', code: answer.code, message: answer.message };
    }
  }

  async #classifyWithRetries(
    request: ClassifyRequest,
    signal: AbortSignal,
    deadlineAt: number,
  ): Promise<Answer> {
    let http: OpenAiHttp;
    try {
      http = this.#getHttp();
    } catch {
      // An unusable OPENAI_BASE_URL: the config check refuses most, this catches the rest.
      return {
        kind: 'error',
        code: 'PROVIDER_UNAVAILABLE',
        message: 'the OpenAI client could not be created',
      };
    }
    let body = buildChatRequest(this.model, request, this.#unsupported);
    const intentIds = request.intents.map((intent) => intent.id);
    for (let retry = 0; ; retry += 1) {
      const remaining = Math.floor(deadlineAt - performance.now());
      if (signal.aborted || remaining < 1) {
        return { kind: 'error', code: 'PROVIDER_TIMEOUT', message: 'the intent deadline passed' };
      }
      const outcome = await this.#attempt(
        http,
        body,
        intentIds,
        signal,
        Math.min(this.#attemptTimeoutMs, remaining),
      );
      if ('answer' in outcome) return outcome.answer;
      const { failure } = outcome;
      const param = failure.unsupportedParam;
      if (param && !this.#unsupported.has(param)) {
        // Asked again at once without it; not one of the retries (each setting is dropped only once).
        this.#unsupported.add(param);
        body = buildChatRequest(this.model, request, this.#unsupported);
        retry -= 1;
        continue;
      }
      const asError: Answer = { kind: 'error', code: failure.code, message: failure.message };
      if (!failure.retryable || retry >= this.#maxRetries) return asError;
      const serverAsked = failure.retryAfterMs !== undefined;
      const delayMs = failure.retryAfterMs ?? backoffMs(retry, this.#backoffBaseMs(), this.#options.random);
      if (performance.now() + delayMs >= deadlineAt) {
        return serverAsked
          ? { ...asError, message: `${failure.message}; its retry-after passes the deadline` }
          : asError;
      }
      this.#stats.retries += 1;
      this.#options.onRetry?.({ retry: retry + 1, delayMs, serverAsked, failure });
      await sleep(delayMs, signal);
    }
  }

  async #attempt(
    http: OpenAiHttp,
    body: ReturnType<typeof buildChatRequest>,
    intentIds: readonly string[],
    deadline: AbortSignal,
    attemptMs: number,
  ): Promise<AttemptOutcome> {
    this.#stats.attempts += 1;
    const attempt = new AbortController();
    const timer = setTimeout(() => attempt.abort(), attemptMs);
    try {
      const reply = await http.postChatCompletion(body, AbortSignal.any([deadline, attempt.signal]));
      if ('refused' in reply) return { failure: refusalFailure(reply.refused) };
      return { answer: readAnswer(reply.ok.body, intentIds) };
    } catch (error) {
      return { failure: describeFailure(error, attemptMs, deadline.aborted, attempt.signal.aborted) };
    } finally {
      clearTimeout(timer);
    }
  }

  #backoffBaseMs(): number {
    return this.#options.backoffBaseMs ?? OPENAI_DEFAULTS.backoffBaseMs;
  }

  /** Built on first use, so importing or constructing never needs the network or a valid key. */
  #getHttp(): OpenAiHttp {
    this.#http ??= new OpenAiHttp({
      apiKey: this.#options.apiKey,
      baseURL: this.#options.baseURL ?? OPENAI_DEFAULTS.baseURL,
    });
    return this.#http;
  }
}
