/** The bench's measurements over a set of servers: load runs (closed loop, paced) and idle connections. */
import { performance } from 'node:perf_hooks';
import type { Child } from './children.ts';
import {
  closeClients,
  closedLoop,
  connectClients,
  type LoadClient,
  type Protocol,
  paced,
  type RunResult,
} from './generator.ts';
import type { IdleRow, LoadRow } from './report.ts';

/** The sizes of a full run and of `--quick`. */
export const SIZES = {
  full: { warmupMs: 2_000, durationMs: 8_000, clients: 200, llmClients: 500, pacedRate: 1_000, idle: 10_000 },
  quick: { warmupMs: 500, durationMs: 2_000, clients: 50, llmClients: 100, pacedRate: 300, idle: 1_000 },
};
export type Size = (typeof SIZES)['full'];

export const wsUrl = (url: string) => `${url.replace(/^http/, 'ws')}/ws`;

/** Runs a closed loop then (optionally) a paced run over `clients`, reading the servers' stats around each. */
export async function drive(
  label: string,
  servers: readonly Child[],
  clients: readonly LoadClient[],
  protocol: Protocol,
  size: Size,
  modes: { closed: boolean; pacedRate?: number },
): Promise<LoadRow[]> {
  const rows: LoadRow[] = [];
  const measure = async (mode: string, run: () => Promise<RunResult>) => {
    await Promise.all(servers.map((s) => s.stats()));
    const result = await run();
    const stats = await Promise.all(servers.map((s) => s.stats()));
    rows.push({
      scenario: label,
      mode,
      clients: clients.length,
      result,
      rssBytes: stats.reduce((sum, s) => sum + s.rssBytes, 0),
      eventLoopP99Ms: Math.max(...stats.map((s) => s.eventLoopP99Ms)),
    });
  };
  const timing = { warmupMs: size.warmupMs, durationMs: size.durationMs };
  if (modes.closed) await measure('closed loop', () => closedLoop(clients, protocol, timing));
  const rate = modes.pacedRate;
  if (rate !== undefined) {
    await measure(`paced ${rate}/s`, () => paced(clients, protocol, { ...timing, ratePerSec: rate }));
  }
  return rows;
}

/** Connects `count` clients to `server`, drives them, and closes them. */
export async function driveFresh(
  label: string,
  server: Child,
  count: number,
  protocol: Protocol,
  size: Size,
  modes: { closed: boolean; pacedRate?: number },
): Promise<LoadRow[]> {
  const clients = await connectClients(wsUrl(server.url), count, protocol);
  try {
    return await drive(label, [server], clients, protocol, size, modes);
  } finally {
    await closeClients(clients);
  }
}

/** Clients spread round-robin over the servers (several instances behind a load balancer). */
export async function connectSpread(servers: readonly Child[], count: number, protocol: Protocol) {
  const groups = await Promise.all(
    servers.map((server, i) =>
      connectClients(
        wsUrl(server.url),
        Math.floor(count / servers.length) + (i < count % servers.length ? 1 : 0),
        protocol,
      ),
    ),
  );
  return groups.flat();
}

/** Opens `count` idle connections and reports the server's memory growth per connection (after a GC). */
export async function idleConnections(
  label: string,
  server: Child,
  count: number,
  protocol: Protocol,
): Promise<IdleRow> {
  const before = await server.stats({ gc: true });
  const started = performance.now();
  const clients = await connectClients(wsUrl(server.url), count, protocol);
  const connectSeconds = (performance.now() - started) / 1_000;
  const after = await server.stats({ gc: true });
  await closeClients(clients);
  return {
    server: label,
    connections: count,
    connectSeconds,
    rssBeforeBytes: before.rssBytes,
    rssAfterBytes: after.rssBytes,
    heapPerConnectionBytes: (after.heapUsedBytes - before.heapUsedBytes) / count,
  };
}
