/**
 * The server `npm run bench:soak` measures: the real `startServer` (as `npm start` runs it), configured
 * by the environment the soak gives, in a child process of its own. On each `memory` request over IPC it
 * runs a full GC and answers with `process.memoryUsage()` and what the server still holds.
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { loadConfig } from '../src/config.ts';
import { startServer } from '../src/main.ts';

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

const server = await startServer(loadConfig(process.env));
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
    connections: server.chat.server.connections,
    liveConversations: server.chat.runtime.liveCount,
  };
  process.send?.(reply);
});
// The soak went away (or finished): do not outlive it.
process.on('disconnect', () => void server.close().then(() => process.exit(0)));
process.send?.({ type: 'ready', url: server.url } satisfies SoakReady);
