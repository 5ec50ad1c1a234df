/**
 * The HTTP leg of an OpenAI chat.completions call: one POST of JSON over a keep-alive undici Pool, and
 * the answer's status, headers and parsed body. No retries and no timers here (openai.ts owns time).
 *
 * Why not the openai SDK: in the LLM load scenario this client reached 1.5–2× the SDK's turns per
 * second at a third of the CPU per call (the SDK builds a Request, Headers and web streams for every
 * call). The wire format is the same: test/intent/openai-wire.test.ts checks our request against the
 * one the official SDK sends.
 */
import { Pool } from 'undici';
import type { HeaderSource } from './retry.ts';

/** An answer larger than this is refused (PROVIDER_MALFORMED): a classification's answer is tiny. */
export const OPENAI_MAX_RESPONSE_BYTES = 1024 * 1024;

/** Idle keep-alive sockets are closed after this long; the pool reopens them on demand. */
const KEEP_ALIVE_MS = 30_000;

export interface HttpAnswer {
  status: number;
  headers: HeaderSource;
  /** The parsed JSON body; a body that is not JSON rejects with a SyntaxError. */
  body: unknown;
}

/** An answer that is not 2xx, with whatever JSON it carried (undefined when it carried none). */
export interface HttpRefusal {
  status: number;
  headers: HeaderSource;
  body: unknown;
}

function headerSource(raw: Record<string, string | string[] | undefined>): HeaderSource {
  return {
    get(name) {
      const value = raw[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? (value[0] ?? null) : value;
    },
  };
}

export class OpenAiHttp {
  readonly #pool: Pool;
  readonly #path: string;
  readonly #headers: Record<string, string>;

  /** `baseURL` as in OpenAI's clients: the API root, e.g. https://api.openai.com/v1. */
  constructor(options: { baseURL: string; apiKey: string }) {
    const url = new URL(`${options.baseURL.replace(/\/+$/, '')}/chat/completions`);
    this.#pool = new Pool(url.origin, {
      keepAliveTimeout: KEEP_ALIVE_MS,
      maxResponseSize: OPENAI_MAX_RESPONSE_BYTES,
    });
    this.#path = url.pathname;
    this.#headers = {
      authorization: `Bearer ${options.apiKey}`,
      'content-type': 'application/json',
      accept: 'application/json',
      'user-agent': 'chatflow',
    };
  }

  /**
   * POSTs `body` as JSON. Resolves with a 2xx answer, or with `refused` for any other status; rejects on
   * connection errors, an abort by `signal`, a body over the size limit, or a 2xx body that is not JSON.
   */
  async postChatCompletion(
    body: unknown,
    signal: AbortSignal,
  ): Promise<{ ok: HttpAnswer } | { refused: HttpRefusal }> {
    const response = await this.#pool.request({
      path: this.#path,
      method: 'POST',
      headers: this.#headers,
      body: JSON.stringify(body),
      signal,
    });
    const headers = headerSource(response.headers);
    if (response.statusCode >= 200 && response.statusCode < 300) {
      return { ok: { status: response.statusCode, headers, body: await response.body.json() } };
    }
    // An error body is only read for the provider's error code; one that is not JSON says nothing.
    const text = await response.body.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { refused: { status: response.statusCode, headers, body: parsed } };
  }
}
