/** The bench's Markdown report: the load table (with ratios to both echo baselines), memory, training, targets. */
import { cpus } from 'node:os';
import { BARE_ECHO, baselineOf, DURABLE_ECHO } from './baselines.ts';
import { fixed, mib, ms, ratio, table } from './format.ts';
import type { RunResult } from './generator.ts';
import { renderTargets } from './targets.ts';

export interface LoadRow {
  scenario: string;
  mode: string;
  clients: number;
  result: RunResult;
  /** Sum over the scenario's server processes, at the end of the run. */
  rssBytes: number;
  /** Worst server event-loop delay p99 during the run. */
  eventLoopP99Ms: number;
}

export interface IdleRow {
  server: string;
  connections: number;
  connectSeconds: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  heapPerConnectionBytes: number;
}

export interface TrainingRow {
  intents: number;
  examples: number;
  bytes: number;
  /** Upload → stored, compiled and trained (the PUT answers once the classifier is ready), per run. */
  uploadMs: number[];
}

const isEcho = (row: LoadRow) => row.scenario === BARE_ECHO || row.scenario === DURABLE_ECHO;

/** "0.29×" against a baseline row, or "—" (a baseline itself, or no baseline of that size). */
function versus(rows: readonly LoadRow[], row: LoadRow, baseline: string, value: (r: LoadRow) => number) {
  const base = baselineOf(rows, row, baseline);
  return base && !isEcho(row) ? ratio(value(row) / value(base)) : '—';
}

export function renderReport(input: {
  rows: LoadRow[];
  idle: IdleRow[];
  training: TrainingRow[];
  quick: boolean;
  seconds: number;
  postgres: boolean;
}): string {
  const { rows, idle, training } = input;
  const out: string[] = [];
  out.push(
    `Chatflow load bench — ${cpus().length} CPU(s), Node ${process.versions.node}, loopback, client and servers on the same machine` +
      `${input.quick ? ' (--quick: small and short, not comparable)' : ''}. Run time ${fixed(input.seconds)} s.`,
    '',
  );
  out.push(
    table(
      [
        'scenario',
        'mode',
        'clients',
        'messages/s',
        'vs bare echo',
        'vs durable echo',
        'p50',
        'p95',
        'p99',
        'p99 vs bare',
        'p99 vs durable',
        'errors',
        'server RSS',
        'event-loop p99',
      ],
      rows.map((row) => {
        const throughput = (r: LoadRow) => r.result.perSecond;
        const p99 = (r: LoadRow) => r.result.p99Ms;
        return [
          row.scenario,
          row.mode,
          String(row.clients),
          fixed(row.result.perSecond),
          versus(rows, row, BARE_ECHO, throughput),
          versus(rows, row, DURABLE_ECHO, throughput),
          ms(row.result.p50Ms),
          ms(row.result.p95Ms),
          ms(row.result.p99Ms),
          versus(rows, row, BARE_ECHO, p99),
          versus(rows, row, DURABLE_ECHO, p99),
          String(row.result.errors),
          mib(row.rssBytes),
          ms(row.eventLoopP99Ms),
        ];
      }),
    ),
    '',
  );
  if (idle.length > 0) {
    out.push(
      table(
        [
          'idle connections',
          'count',
          'connect time',
          'RSS before',
          'RSS after',
          'RSS per connection',
          'JS heap per connection',
        ],
        idle.map((row) => [
          row.server,
          String(row.connections),
          `${fixed(row.connectSeconds, 1)} s`,
          mib(row.rssBeforeBytes),
          mib(row.rssAfterBytes),
          `${fixed((row.rssAfterBytes - row.rssBeforeBytes) / row.connections / 1024, 1)} KB`,
          `${fixed(row.heapPerConnectionBytes / 1024, 1)} KB`,
        ]),
      ),
      '',
    );
  }
  for (const row of training) {
    out.push(
      `Training: a flow with ${fixed(row.examples)} examples in ${row.intents} intents (${fixed(row.bytes / 1024)} KiB) ` +
        `uploaded, validated, stored and trained in ${row.uploadMs.map((v) => ms(v)).join(', ')} (${row.uploadMs.length} uploads).`,
      '',
    );
  }
  if (!input.postgres)
    out.push(
      'PostgreSQL scenarios skipped: set DATABASE_URL=postgres://… (a scratch database) to run them.',
      '',
    );
  out.push(renderTargets(input), '');
  return `${out.join('\n')}\n`;
}
