/**
 * The load generator: real `ws` clients, one conversation each, driven either in a closed loop (each
 * client sends its next message as soon as the previous reply arrived: the throughput ceiling) or paced
 * at a fixed offered rate spread over the clients (latency at a given load; measured from the scheduled
 * send time, so a slow server cannot hide its queueing — no coordinated omission).
 */
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';

/** What a server speaks: when a connection is ready, which frame ends a reply, what to send. */
export interface Protocol {
  /** True when the connection is ready as soon as it opens (echo); else on the first `isReady` frame. */
  readyOnOpen: boolean;
  isReady(frame: string): boolean;
  /** The frame that completes the reply to one message. */
  isReply(frame: string): boolean;
  /** A reply that is an error (still ends the turn). */
  isError(frame: string): boolean;
  /** A frame before the reply that makes the turn count as an error (e.g. the flow's error path). */
  isFailure?(frame: string): boolean;
  message(client: number, sequence: number): string;
}

/** Connections opened at once while connecting many clients (the server's accept queue stays short). */
const CONNECT_CONCURRENCY = 100;
/** How long to wait for replies still in flight when a run ends. */
const DRAIN_TIMEOUT_MS = 15_000;
/** Paced mode: how often the sender wakes up to send what is due. */
const PACE_TICK_MS = 2;

export class LoadClient {
  readonly socket: WebSocket;
  readonly index: number;
  /** Send times (performance.now) of the messages awaiting their reply, oldest first. */
  readonly pending: number[] = [];
  sequence = 0;
  /** The turn awaiting its reply has seen a failure frame. */
  #failed = false;
  onReply: (client: LoadClient, sentAt: number, error: boolean) => void = () => {};
  readonly ready: Promise<void>;

  constructor(url: string, index: number, protocol: Protocol) {
    this.index = index;
    this.socket = new WebSocket(url, { perMessageDeflate: false });
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      if (protocol.readyOnOpen) this.socket.once('open', () => resolve());
      this.socket.on('message', (data) => {
        const frame = String(data);
        if (protocol.isReady(frame)) resolve();
        if (protocol.isFailure?.(frame)) this.#failed = true;
        const error = protocol.isError(frame);
        if (error || protocol.isReply(frame)) {
          const sentAt = this.pending.shift();
          if (sentAt !== undefined) this.onReply(this, sentAt, error || this.#failed);
          this.#failed = false;
        }
      });
    });
    this.socket.on('error', () => {});
  }

  send(protocol: Protocol, sentAt = performance.now()): void {
    this.pending.push(sentAt);
    this.socket.send(protocol.message(this.index, this.sequence++));
  }
}

/** Opens `count` clients to `wsUrl`, at most CONNECT_CONCURRENCY at a time; resolves when all are ready. */
export async function connectClients(
  wsUrl: string,
  count: number,
  protocol: Protocol,
): Promise<LoadClient[]> {
  const clients: LoadClient[] = [];
  for (let from = 0; from < count; from += CONNECT_CONCURRENCY) {
    const batch = Array.from(
      { length: Math.min(CONNECT_CONCURRENCY, count - from) },
      (_, i) => new LoadClient(wsUrl, from + i, protocol),
    );
    await Promise.all(batch.map((client) => client.ready));
    clients.push(...batch);
  }
  return clients;
}

export async function closeClients(clients: readonly LoadClient[]): Promise<void> {
  await Promise.all(
    clients.map(
      (client) =>
        new Promise<void>((resolve) => {
          if (client.socket.readyState === WebSocket.CLOSED) return resolve();
          client.socket.once('close', () => resolve());
          client.socket.close();
          setTimeout(() => {
            client.socket.terminate();
            resolve();
          }, 2_000).unref();
        }),
    ),
  );
}

export interface RunResult {
  messages: number;
  errors: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

export interface RunTiming {
  warmupMs: number;
  durationMs: number;
}

function summarise(latencies: number[], errors: number, seconds: number): RunResult {
  latencies.sort((a, b) => a - b);
  const quantile = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    messages: latencies.length,
    errors,
    perSecond: latencies.length / seconds,
    p50Ms: quantile(0.5),
    p95Ms: quantile(0.95),
    p99Ms: quantile(0.99),
  };
}

async function drain(clients: readonly LoadClient[]): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (clients.some((c) => c.pending.length > 0) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Replies received inside [warmup end, run end] are counted; latencies are recorded for those. */
function recorder(timing: RunTiming) {
  const startedAt = performance.now();
  const measureFrom = startedAt + timing.warmupMs;
  const measureTo = measureFrom + timing.durationMs;
  const latencies: number[] = [];
  let errors = 0;
  return {
    measureTo,
    running: () => performance.now() < measureTo,
    record(sentAt: number, error: boolean) {
      const now = performance.now();
      if (now < measureFrom || now > measureTo) return;
      if (error) errors += 1;
      else latencies.push(now - sentAt);
    },
    result: () => summarise(latencies, errors, timing.durationMs / 1_000),
  };
}

/** Every client keeps exactly one message in flight for the whole run. */
export async function closedLoop(
  clients: readonly LoadClient[],
  protocol: Protocol,
  timing: RunTiming,
): Promise<RunResult> {
  const run = recorder(timing);
  for (const client of clients) {
    client.onReply = (c, sentAt, error) => {
      run.record(sentAt, error);
      if (run.running()) c.send(protocol);
    };
    client.send(protocol);
  }
  await new Promise((resolve) => setTimeout(resolve, run.measureTo - performance.now()));
  await drain(clients);
  return run.result();
}

/** `ratePerSec` messages per second in total, round-robin over the clients, on a fixed schedule. */
export async function paced(
  clients: readonly LoadClient[],
  protocol: Protocol,
  timing: RunTiming & { ratePerSec: number },
): Promise<RunResult> {
  const run = recorder(timing);
  for (const client of clients) client.onReply = (_c, sentAt, error) => run.record(sentAt, error);
  const startedAt = performance.now();
  const interval = 1_000 / timing.ratePerSec;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const now = performance.now();
      if (now >= run.measureTo) {
        clearInterval(tick);
        resolve();
        return;
      }
      for (let due = Math.floor((now - startedAt) / interval); sent <= due; sent += 1) {
        const client = clients[sent % clients.length];
        client?.send(protocol, startedAt + sent * interval);
      }
    }, PACE_TICK_MS);
  });
  await drain(clients);
  return run.result();
}
