/**
 * The chat WebSocket of a running server as a test run reads it: the frames received wait in a queue
 * and are taken one at a time before a deadline. A refused handshake, a close and a missed deadline
 * are ChannelErrors that say what happened. The chat needs no token: none goes over this socket.
 */
import type { IncomingMessage } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { WebSocket } from 'ws';
import type { ServerFrame } from '../ws/protocol.ts';
import { ChannelError, networkReason } from './channel-error.ts';

/** A point in time (performance.now()) and the budget it was set with, for the message when it passes. */
export interface Deadline {
  at: number;
  ms: number;
}

export const deadlineIn = (ms: number): Deadline => ({ at: performance.now() + ms, ms });
export const timeLeft = (deadline: Deadline): number => deadline.at - performance.now();

/** How long a clean close may take before the socket is cut. */
const CLOSE_GRACE_MS = 2_000;
/** Enough of a refusal's body for its `{"error":{"code","message"}}`. */
const MAX_REFUSAL_BYTES = 4_096;

/** A handshake answered with plain HTTP instead of an upgrade. */
interface Refusal {
  status: number;
  code?: string;
  message?: string;
  retryAfterMs?: number;
}

async function readRefusal(res: IncomingMessage): Promise<Refusal> {
  const refusal: Refusal = { status: res.statusCode ?? 0 };
  const retryAfter = Number(res.headers['retry-after']);
  if (Number.isFinite(retryAfter) && retryAfter >= 0) refusal.retryAfterMs = retryAfter * 1000;
  let body = '';
  try {
    res.setEncoding('utf8');
    for await (const chunk of res) {
      body += chunk;
      if (body.length > MAX_REFUSAL_BYTES) break;
    }
    const error = JSON.parse(body)?.error;
    if (typeof error?.code === 'string') refusal.code = error.code;
    if (typeof error?.message === 'string') refusal.message = error.message;
  } catch {
    // Not a Chatflow refusal (a proxy's page, a cut body): the status says enough.
  }
  return refusal;
}

function describeRefusal(url: string, refusal: Refusal): string {
  const reason = refusal.code ? ` ${refusal.code}: ${refusal.message ?? ''}` : '';
  const hint = refusal.status === 404 && !refusal.code ? ' (is this the URL of a Chatflow server?)' : '';
  return `${url} refused the WebSocket connection: HTTP ${refusal.status}${reason}${hint}`;
}

function parseFrame(data: unknown): ServerFrame | undefined {
  try {
    const frame = JSON.parse(String(data));
    return typeof frame?.type === 'string' ? frame : undefined;
  } catch {
    return undefined;
  }
}

export class FrameChannel {
  readonly #socket: WebSocket;
  readonly #frames: ServerFrame[] = [];
  readonly #opened: Promise<boolean>;
  #refusal: Promise<Refusal> | undefined;
  #error: unknown;
  #closed: { code: number; reason: string } | undefined;
  #broken: ChannelError | undefined;
  #wake: (() => void) | undefined;

  private constructor(url: string, deadline: Deadline) {
    const socket = new WebSocket(url, {
      handshakeTimeout: Math.max(1, Math.ceil(timeLeft(deadline))),
      perMessageDeflate: false,
    });
    this.#socket = socket;
    // Listening before the open: no frame can arrive unseen.
    socket.on('message', (data) => {
      const frame = parseFrame(data);
      if (frame) this.#frames.push(frame);
      else this.#broken ??= new ChannelError(`${url} sent a frame that is not a Chatflow frame`);
      this.#notify();
    });
    socket.on('unexpected-response', (_request, response) => {
      this.#refusal = readRefusal(response).finally(() => socket.terminate());
    });
    socket.on('error', (err) => {
      this.#error ??= err;
    });
    socket.on('close', (code, reason) => {
      this.#closed = { code, reason: String(reason) };
      this.#notify();
    });
    this.#opened = new Promise((resolve) => {
      socket.once('open', () => resolve(true));
      socket.once('close', () => resolve(false));
    });
  }

  /** Connects before the deadline; a 429 (the server's WS_HANDSHAKES_PER_MINUTE) is retried when its Retry-After fits. */
  static async open(url: string, deadline: Deadline): Promise<FrameChannel> {
    for (;;) {
      const channel = new FrameChannel(url, deadline);
      if (await channel.#opened) return channel;
      const refusal = await channel.#refusal;
      if (!refusal) throw new ChannelError(`cannot connect to ${url} (${networkReason(channel.#error)})`);
      const wait = refusal.retryAfterMs;
      if (refusal.status !== 429 || wait === undefined || wait >= timeLeft(deadline)) {
        throw new ChannelError(describeRefusal(url, refusal));
      }
      await delay(wait);
    }
  }

  /** The next frame, waiting for it until the deadline; `what` says what the run was waiting for. */
  async next(deadline: Deadline, what: string): Promise<ServerFrame> {
    for (;;) {
      const frame = this.#frames.shift();
      if (frame) return frame;
      if (this.#broken) throw this.#broken;
      if (this.#closed) {
        const { code, reason } = this.#closed;
        throw new ChannelError(
          `the server closed the connection (${code}${reason ? `: ${reason}` : ''}) while the run waited for ${what}`,
        );
      }
      const left = timeLeft(deadline);
      if (left <= 0) throw new ChannelError(`no answer within ${deadline.ms} ms: the run waited for ${what}`);
      await this.#nextEvent(left);
    }
  }

  send(frame: object): void {
    this.#socket.send(JSON.stringify(frame));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    const closed = new Promise((resolve) => this.#socket.once('close', resolve));
    this.#socket.close(1000);
    const cut = setTimeout(() => this.#socket.terminate(), CLOSE_GRACE_MS);
    await closed;
    clearTimeout(cut);
  }

  #notify(): void {
    this.#wake?.();
  }

  #nextEvent(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        this.#wake = undefined;
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
