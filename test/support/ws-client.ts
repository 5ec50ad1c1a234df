/** A real `ws` client that records every frame and lets a test wait for the ones it expects. */
import { WebSocket } from 'ws';

// biome-ignore lint/suspicious/noExplicitAny: frames are JSON read by tests
export type Frame = { type: string; [key: string]: any };

export class ChatClient {
  readonly socket: WebSocket;
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | null = null;
  private waiters: (() => void)[] = [];
  private readonly opened: Promise<void>;

  constructor(
    url: string,
    options: { origin?: string; autoPong?: boolean; headers?: Record<string, string> } = {},
  ) {
    this.socket = new WebSocket(url, {
      ...(options.origin ? { origin: options.origin } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.autoPong === false ? { autoPong: false } : {}),
    });
    this.socket.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)));
      this.wake();
    });
    this.socket.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.wake();
    });
    this.socket.on('error', () => this.wake());
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      this.socket.once('error', reject);
    });
    this.opened.catch(() => {});
  }

  static async connect(
    base: string,
    query = '',
    options: { origin?: string; headers?: Record<string, string> } = {},
  ): Promise<ChatClient> {
    const client = new ChatClient(`${base.replace(/^http/, 'ws')}/ws${query}`, options);
    await client.opened;
    return client;
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Waits until `predicate` holds over the frames received so far (or the socket closes). */
  async until(predicate: (frames: Frame[]) => boolean, what = 'frames', timeoutMs = 5000): Promise<Frame[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.frames)) {
      if (this.closed && !predicate(this.frames)) {
        throw new Error(
          `socket closed (${this.closed.code}) while waiting for ${what}: ${JSON.stringify(this.frames)}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.frames;
  }

  /** Waits for the n-th frame of a type (1-based, counting from the start of the connection). */
  async nth(type: string, n = 1): Promise<Frame> {
    const frames = await this.until((f) => f.filter((x) => x.type === type).length >= n, `${n}× ${type}`);
    return frames.filter((x) => x.type === type)[n - 1] as Frame;
  }

  count(type: string): number {
    return this.frames.filter((f) => f.type === type).length;
  }

  /** Sends a user message and waits for the bot's next `waiting` or `end`; returns the frames of that turn. */
  async say(text: string, clientMessageId?: string): Promise<Frame[]> {
    const from = this.frames.length;
    const stops = () => this.frames.slice(from).some((f) => f.type === 'waiting' || f.type === 'end');
    this.send({ type: 'message', text, ...(clientMessageId ? { clientMessageId } : {}) });
    await this.until(stops, `the reply to ${JSON.stringify(text)}`);
    return this.frames.slice(from);
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  async waitClosed(): Promise<{ code: number; reason: string }> {
    await this.until(() => this.closed !== null, 'close').catch(() => {});
    if (!this.closed) throw new Error('socket did not close');
    return this.closed;
  }

  close(): void {
    this.socket.close();
  }
}

export const texts = (frames: Frame[]) => frames.filter((f) => f.type === 'message').map((f) => f.text);
