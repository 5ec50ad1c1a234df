/**
 * The IPC side of a server the soak measures (bench/soak-server.ts, bench/soak-baseline-server.ts): it
 * says `ready` with its URL, then answers each `memory` request, after a full GC, with
 * `process.memoryUsage()` and what the server still holds.
 */
import { getHeapSpaceStatistics } from 'node:v8';

export interface SoakReady {
  type: 'ready';
  url: string;
}

export interface SoakMemory {
  type: 'memory';
  rss: number;
  heapUsed: number;
  heapTotal: number;
  /** V8's young generation (both semi-spaces): it grows under allocation bursts and is kept. */
  newSpace: number;
  external: number;
  arrayBuffers: number;
  /** Open WebSocket connections and conversations held in memory, as the server counts them. */
  connections: number;
  liveConversations: number;
}

export interface SoakHeld {
  connections(): number;
  liveConversations(): number;
}

/** Call once the server listens; `close` runs when the soak goes away, so the child does not outlive it. */
export function serveMemory(url: string, held: SoakHeld, close: () => Promise<void>): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (message: { type?: string }) => {
    if (message?.type !== 'memory') return;
    gc?.();
    gc?.();
    const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
    const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    const reply: SoakMemory = {
      type: 'memory',
      rss,
      heapUsed,
      heapTotal,
      newSpace: newSpace?.space_size ?? 0,
      external,
      arrayBuffers,
      connections: held.connections(),
      liveConversations: held.liveConversations(),
    };
    process.send?.(reply);
  });
  process.on('disconnect', () => void close().then(() => process.exit(0)));
  process.send?.({ type: 'ready', url } satisfies SoakReady);
}
