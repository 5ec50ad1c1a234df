/**
 * The reference the bench measures Chatflow's OpenAI client against: the same chat.completions request
 * (buildChatRequest) and the same answer check (readAnswer), sent through the official openai SDK, as
 * Chatflow did before it switched to its own keep-alive pool (src/intent/openai-http.ts).
 * It arms the same timers as Chatflow's classifier (a deadline and an attempt timer, their signals
 * joined), so the comparison is the HTTP client alone. One attempt per classification: retries only run
 * on failures, which the bench's fake LLM never returns.
 */
import OpenAI from 'openai';
import type { Classification, ClassifyRequest } from '../../src/engine/index.ts';
import { OPENAI_DEFAULTS } from '../../src/intent/defaults.ts';
import { type Answer, buildChatRequest, readAnswer } from '../../src/intent/openai-prompt.ts';
import type { IntentClassifier } from '../../src/intent/port.ts';

export class SdkOpenAiClassifier implements IntentClassifier {
  readonly #client: OpenAI;
  readonly #model: string;
  readonly #timeoutMs = OPENAI_DEFAULTS.timeoutMs;

  constructor(options: { apiKey: string; baseURL: string; model?: string }) {
    const attemptMs = Math.floor(this.#timeoutMs * OPENAI_DEFAULTS.attemptShare);
    this.#client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      timeout: attemptMs,
      maxRetries: 0,
    });
    this.#model = options.model ?? OPENAI_DEFAULTS.model;
  }

  async classify(request: ClassifyRequest): Promise<Classification> {
    const started = performance.now();
    const answer = await this.#ask(request);
    const outcome = {
      provider: 'openai',
      latencyMs: Math.round(performance.now() - started),
      cached: false,
      fallback: false,
    };
    if (answer.kind === 'match') {
      return { ...outcome, ...answer, defaultMinConfidence: OPENAI_DEFAULTS.defaultMinConfidence };
    }
    return { ...outcome, ...answer };
  }

  async #ask(request: ClassifyRequest): Promise<Answer> {
    const deadline = new AbortController();
    const attempt = new AbortController();
    const timers = [
      setTimeout(() => deadline.abort(), this.#timeoutMs),
      setTimeout(() => attempt.abort(), this.#timeoutMs * OPENAI_DEFAULTS.attemptShare),
    ];
    try {
      const completion: unknown = await this.#client.chat.completions.create(
        buildChatRequest(this.#model, request),
        { signal: AbortSignal.any([deadline.signal, attempt.signal]) },
      );
      return readAnswer(
        completion,
        request.intents.map((intent) => intent.id),
      );
    } catch (error) {
      return { kind: 'error', code: 'PROVIDER_ERROR', message: String(error) };
    } finally {
      for (const timer of timers) clearTimeout(timer);
    }
  }
}
