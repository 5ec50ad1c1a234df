/**
 * A fake OpenAI-compatible server for tests: a real node:http server on 127.0.0.1, port 0, serving
 * POST /v1/chat/completions. Chatflow's OpenAI client (and, in the wire test, the official SDK) talks
 * to it through `baseURL`.
 *
 * Each test queues the replies it wants (status, headers, body, delay, or none at all: HANG) and reads
 * back what the SDK sent.
 */
import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string is sent as is (to send broken JSON). */
  body?: unknown;
  /** Wait this long before the response headers. */
  delayMs?: number;
  /** Send the headers and half the body at once, the rest after this long (a stalled body). */
  bodyDelayMs?: number;
  /** Never answer (a provider that hangs): the request stays open until the client gives up. */
  hang?: boolean;
}

/** The reply of a provider that accepts the request and never answers. */
export const HANG: FakeReply = { hang: true };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The parsed JSON body (the tests assert on it). */
  body: ChatRequestBody;
  /** True when the client went away before the reply was sent (e.g. it timed out). */
  abandoned: boolean;
}

/** The parts of a chat.completions request the tests look at. */
export interface ChatRequestBody {
  model: string;
  messages: { role: string; content: string }[];
  response_format: {
    type: string;
    json_schema: {
      name: string;
      strict: boolean;
      schema: {
        properties: { intent: { enum: string[] }; confidence: { type: string } };
        required: string[];
        additionalProperties: boolean;
      };
    };
  };
  temperature?: number;
  seed?: number;
  max_completion_tokens?: number;
}

export type Responder = (request: RecordedRequest) => FakeReply;

/** A chat completion whose single choice carries `content` (a string, or an object sent as JSON text). */
export function completion(content: unknown, message: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 0,
    model: 'fake-model',
    choices: [
      {
        index: 0,
        finish_reason: 'stop',
        message: {
          role: 'assistant',
          content: typeof content === 'string' ? content : JSON.stringify(content),
          refusal: null,
          ...message,
        },
      },
    ],
  };
}

/**
 * The text being classified: the `message` of the user-role JSON (which may also carry the conversation
 * and quick replies, so a fake that matched keywords in the whole content would read earlier turns).
 */
export function classifiedText(request: RecordedRequest): string {
  try {
    const data = JSON.parse(request.body.messages.at(-1)?.content ?? '{}') as { message?: unknown };
    return typeof data.message === 'string' ? data.message : '';
  } catch {
    return '';
  }
}

/** The reply of a model that answers `intent` with `confidence`. */
export function answer(intent: string, confidence: number, extra: Omit<FakeReply, 'body'> = {}): FakeReply {
  return { ...extra, body: completion({ intent, confidence }) };
}

function parseBody(text: string): ChatRequestBody {
  try {
    return JSON.parse(text) as ChatRequestBody;
  } catch {
    // Recorded as is; the assertions on the body then fail with a readable message.
    return { unparsed: text } as unknown as ChatRequestBody;
  }
}

export class FakeOpenAi {
  readonly requests: RecordedRequest[] = [];
  readonly #server: Server;
  readonly #queue: FakeReply[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #abandons = new EventEmitter();
  #responder: Responder | undefined;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<FakeOpenAi> {
    const server = createServer();
    const fake = new FakeOpenAi(server);
    server.on('request', (req, res) => {
      fake.#handle(req, res).catch(() => res.destroy());
    });
    server.on('clientError', (_error, socket) => socket.destroy());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return fake;
  }

  get baseURL(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1`;
  }

  /** Replies used in order, one per request; then the responder, if any. */
  reply(...replies: FakeReply[]): this {
    this.#queue.push(...replies);
    return this;
  }

  /** Answers every request once the queue is empty. */
  respondWith(responder: Responder): this {
    this.#responder = responder;
    return this;
  }

  /** Forgets the queued replies, the responder and the recorded requests (between tests). */
  reset(): void {
    this.#queue.length = 0;
    this.#responder = undefined;
    this.requests.length = 0;
  }

  /** Waits (at most `timeoutMs`) until the client has given up every request received so far. */
  async allAbandoned(timeoutMs = 5_000): Promise<void> {
    const signal = AbortSignal.timeout(timeoutMs);
    while (!this.requests.every((request) => request.abandoned)) {
      try {
        await once(this.#abandons, 'abandoned', { signal });
      } catch {
        const open = this.requests.filter((request) => !request.abandoned).length;
        throw new Error(`${open} request(s) still open after ${timeoutMs} ms`);
      }
    }
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, 'close');
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.on('error', () => {});
    res.on('error', () => {});
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body: parseBody(Buffer.concat(chunks).toString('utf8')),
      abandoned: false,
    };
    this.requests.push(recorded);
    res.on('close', () => {
      if (res.writableFinished) return;
      recorded.abandoned = true;
      this.#abandons.emit('abandoned');
    });
    const reply = this.#next(recorded);
    if (reply.hang) return;
    if (!reply.delayMs) return this.#send(res, reply);
    this.#later(reply.delayMs, () => {
      if (!res.destroyed) this.#send(res, reply);
    });
  }

  #next(request: RecordedRequest): FakeReply {
    if (request.method !== 'POST' || request.path !== '/v1/chat/completions') {
      return { status: 404, body: { error: { message: 'not found', type: 'invalid_request_error' } } };
    }
    const queued = this.#queue.shift();
    if (queued) return queued;
    if (this.#responder) return this.#responder(request);
    return { status: 500, body: { error: { message: 'the test queued no reply', type: 'fake_error' } } };
  }

  #send(res: ServerResponse, reply: FakeReply): void {
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
    if (!reply.bodyDelayMs) {
      res.end(text);
      return;
    }
    const half = Math.floor(text.length / 2);
    res.write(text.slice(0, half));
    this.#later(reply.bodyDelayMs, () => {
      if (!res.destroyed) res.end(text.slice(half));
    });
  }

  #later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      action();
    }, ms);
    this.#timers.add(timer);
  }
}
