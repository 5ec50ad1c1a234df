/**
 * The lean LLM path the issue asks to measure (section 5): the same OpenAI chat.completions request as
 * src/intent/openai.ts (buildChatRequest) and the same answer check (readAnswer), but sent through a
 * keep-alive undici Pool directly, without the openai SDK and without fetch's web streams.
 * It arms the same deadline as the SDK classifier on the way (a deadline timer and an attempt timer,
 * their signals joined), so the comparison is the HTTP client alone. One attempt per classification:
 * the retry logic only runs on failures, which the bench's fake LLM never returns, so leaving it out
 * does not flatter this client.
 */
import type { Classification, ClassifyRequest } from '../../src/engine/index.ts';
import { OPENAI_DEFAULTS } from '../../src/intent/defaults.ts';
import { type Answer, buildChatRequest, readAnswer } from '../../src/intent/openai-prompt.ts';
import type { IntentClassifier } from '../../src/intent/port.ts';

interface ResponseData {
  statusCode: number;
  body: { json(): Promise<unknown>; dump(): Promise<void> };
}
/** What the bench needs of an undici Pool or Agent. */
export interface RequestDispatcher {
  request(options: {
    origin: string;
    path: string;
    method: 'POST';
    headers: Record<string, string>;
    body: string;
    signal: AbortSignal;
  }): Promise<ResponseData>;
  close(): Promise<void>;
}

/**
 * A keep-alive undici Pool for `origin`: the `undici` package when it is installed (not a dependency of
 * the project: `npm i -D undici` to measure it), else Node's own bundled undici — the Agent that backs
 * the global fetch, whose constructor builds one keep-alive Pool per origin. `kind` says which.
 */
export async function undiciPool(origin: string): Promise<{ pool: RequestDispatcher; kind: string }> {
  const name = 'undici';
  try {
    const undici = await import(name);
    return { pool: new undici.Pool(origin) as RequestDispatcher, kind: 'undici Pool (npm package)' };
  } catch {
    // Node creates its fetch dispatcher on the first fetch; undici keeps it under this global symbol.
    await fetch(origin).then(
      (r) => r.body?.cancel(),
      () => {},
    );
    const key = Symbol.for('undici.globalDispatcher.1');
    const global = (globalThis as Record<symbol, { constructor: new () => RequestDispatcher } | undefined>)[
      key
    ];
    if (!global) throw new Error('no undici: install it (npm i -D undici) to measure the direct client');
    return { pool: new global.constructor(), kind: "undici Agent → Pool (Node's bundled copy)" };
  }
}

export class DirectOpenAiClassifier implements IntentClassifier {
  readonly #pool: RequestDispatcher;
  readonly #origin: string;
  readonly #path: string;
  readonly #headers: Record<string, string>;
  readonly #model: string;
  readonly #timeoutMs: number;

  constructor(options: { pool: RequestDispatcher; apiKey: string; baseURL: string; model?: string }) {
    const url = new URL(`${options.baseURL.replace(/\/$/, '')}/chat/completions`);
    this.#pool = options.pool;
    this.#origin = url.origin;
    this.#path = url.pathname;
    this.#headers = {
      authorization: `Bearer ${options.apiKey}`,
      'content-type': 'application/json',
      accept: 'application/json',
    };
    this.#model = options.model ?? OPENAI_DEFAULTS.model;
    this.#timeoutMs = OPENAI_DEFAULTS.timeoutMs;
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
    const intentIds = request.intents.map((intent) => intent.id);
    const deadline = new AbortController();
    const attempt = new AbortController();
    const timers = [
      setTimeout(() => deadline.abort(), this.#timeoutMs),
      setTimeout(() => attempt.abort(), this.#timeoutMs * OPENAI_DEFAULTS.attemptShare),
    ];
    try {
      const response = await this.#pool.request({
        origin: this.#origin,
        path: this.#path,
        method: 'POST',
        headers: this.#headers,
        body: JSON.stringify(buildChatRequest(this.#model, request)),
        signal: AbortSignal.any([deadline.signal, attempt.signal]),
      });
      if (response.statusCode !== 200) {
        await response.body.dump();
        return { kind: 'error', code: 'PROVIDER_HTTP_ERROR', message: `HTTP ${response.statusCode}` };
      }
      return readAnswer(await response.body.json(), intentIds);
    } catch (error) {
      return { kind: 'error', code: 'PROVIDER_ERROR', message: String(error) };
    } finally {
      for (const timer of timers) clearTimeout(timer);
    }
  }
}
