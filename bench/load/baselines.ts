/**
 * The two floors every Chatflow figure is compared with, measured in the same run and with the same
 * load as Chatflow: the bare `ws` echo (echo-server.ts) and the durable echo (durable-echo-server.ts:
 * the same echo, each message committed to SQLite first).
 */
import { type Child, type ChildScript, startChild } from './children.ts';
import type { Protocol } from './generator.ts';
import { driveFresh, idleConnections, type Size } from './measure.ts';
import type { IdleRow, LoadRow } from './report.ts';

export const BARE_ECHO = 'echo (bare ws)';
export const DURABLE_ECHO = 'echo (durable, SQLite)';

export const echoProtocol: Protocol = {
  readyOnOpen: true,
  isReady: () => false,
  isReply: () => true,
  isError: () => false,
  message: (client, sequence) => JSON.stringify({ type: 'message', text: `hello ${client}.${sequence}` }),
};

export interface BaselineNeeds {
  /** The number of clients of the LLM scenario (a closed loop at that size too), if it runs. */
  llmClients?: number;
  /** Measure idle connections too. */
  idle: boolean;
}

async function measureBaseline(label: string, echo: Child, size: Size, needs: BaselineNeeds) {
  const rows: LoadRow[] = [];
  const idle: IdleRow[] = [];
  rows.push(
    ...(await driveFresh(label, echo, size.clients, echoProtocol, size, {
      closed: true,
      pacedRate: size.pacedRate,
    })),
  );
  if (needs.llmClients !== undefined) {
    rows.push(...(await driveFresh(label, echo, needs.llmClients, echoProtocol, size, { closed: true })));
  }
  if (needs.idle) idle.push(await idleConnections(label, echo, size.idle, echoProtocol));
  return { rows, idle };
}

/** Both baselines, one after the other (never at the same time: they would share the cores). */
export async function runBaselines(
  size: Size,
  needs: BaselineNeeds,
  dataDir: string,
  log: (line: string) => void,
): Promise<{ rows: LoadRow[]; idle: IdleRow[] }> {
  const rows: LoadRow[] = [];
  const idle: IdleRow[] = [];
  const baselines: [string, ChildScript, Record<string, string>][] = [
    [BARE_ECHO, 'echo-server', {}],
    [DURABLE_ECHO, 'durable-echo-server', { BENCH_DATA_DIR: dataDir }],
  ];
  for (const [label, script, env] of baselines) {
    log(`${label}: ${size.clients} clients${needs.idle ? `, then ${size.idle} idle connections` : ''}…`);
    const echo = await startChild(script, env);
    try {
      const measured = await measureBaseline(label, echo, size, needs);
      rows.push(...measured.rows);
      idle.push(...measured.idle);
    } finally {
      await echo.stop();
    }
  }
  return { rows, idle };
}

/** The baseline row to compare a row with: same mode and the same number of clients. */
export function baselineOf(rows: readonly LoadRow[], row: LoadRow, baseline: string): LoadRow | undefined {
  return rows.find((r) => r.scenario === baseline && r.mode === row.mode && r.clients === row.clients);
}
