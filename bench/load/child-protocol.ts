/**
 * The IPC protocol between the bench and the servers it forks (Chatflow, the echo server, the fake LLM):
 * the child sends `ready` with its URL, then answers each `stats` request with its memory and the
 * event-loop delay since the previous request.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface ReadyMessage {
  type: 'ready';
  url: string;
  /** Chatflow only: the admin token, to upload the bench flows. */
  adminToken?: string;
}

export interface ServerStats {
  type: 'stats';
  rssBytes: number;
  heapUsedBytes: number;
  /** Event-loop delay since the previous stats request (ms). */
  eventLoopP50Ms: number;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
}

export interface StatsRequest {
  type: 'stats';
  /** Run a full GC first (the child runs with --expose-gc), for memory-per-connection figures. */
  gc?: boolean;
}

/** Answers stats requests on this child's IPC channel; call once the server listens. */
export function serveStats(ready: ReadyMessage): void {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const send = (message: ReadyMessage | ServerStats) => process.send?.(message);
  process.on('message', (message: StatsRequest) => {
    if (message?.type !== 'stats') return;
    const gc = (globalThis as { gc?: () => void }).gc;
    if (message.gc && gc) {
      gc();
      gc();
    }
    const ms = (ns: number) => ns / 1e6;
    const memory = process.memoryUsage();
    send({
      type: 'stats',
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      eventLoopP50Ms: ms(delay.percentile(50)),
      eventLoopP99Ms: ms(delay.percentile(99)),
      eventLoopMaxMs: ms(delay.max),
    });
    delay.reset();
  });
  // The bench went away (or finished): do not outlive it.
  process.on('disconnect', () => process.exit(0));
  send(ready);
}
