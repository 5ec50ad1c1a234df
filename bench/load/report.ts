/** The bench's Markdown report: the load table (with ratios to the echo baseline), memory, training, targets. */
import { cpus } from 'node:os';
import type { RunResult } from './generator.ts';

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

/** The targets of issue 9, as ratios to the echo server in the same run. */
export const TARGETS = {
  plumbingThroughput: 0.5,
  offlineIntentThroughput: 0.3,
  pacedP99: 2,
  idleBytesPerConnection: 25 * 1024,
  trainingMs: 2_000,
  llmTurnsPerSecond: 1_500,
};

const fixed = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mib = (bytes: number) => `${fixed(bytes / 1024 / 1024)} MiB`;
const ms = (value: number) => `${fixed(value, value < 10 ? 2 : 1)} ms`;
const percent = (value: number) => `${fixed(value * 100)}%`;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const isEcho = (row: LoadRow) => row.scenario.startsWith('echo');

/** The echo row to compare with: same mode and the same number of clients. */
function baselineOf(rows: readonly LoadRow[], row: LoadRow): LoadRow | undefined {
  return rows.find((r) => isEcho(r) && r.mode === row.mode && r.clients === row.clients);
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
        'vs echo',
        'p50',
        'p95',
        'p99',
        'p99 vs echo',
        'errors',
        'server RSS',
        'event-loop p99',
      ],
      rows.map((row) => {
        const base = baselineOf(rows, row);
        const throughput = base && !isEcho(row) ? percent(row.result.perSecond / base.result.perSecond) : '—';
        const p99 = base && !isEcho(row) ? `${fixed(row.result.p99Ms / base.result.p99Ms, 1)}×` : '—';
        return [
          row.scenario,
          row.mode,
          String(row.clients),
          fixed(row.result.perSecond),
          throughput,
          ms(row.result.p50Ms),
          ms(row.result.p95Ms),
          ms(row.result.p99Ms),
          p99,
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

function renderTargets(input: { rows: LoadRow[]; idle: IdleRow[]; training: TrainingRow[] }): string {
  const { rows } = input;
  const find = (scenario: string, mode: string) =>
    rows.find((r) => r.scenario === scenario && r.mode.startsWith(mode));
  const lines: string[][] = [];
  const ratioTarget = (name: string, scenario: string, target: number) => {
    const row = find(scenario, 'closed');
    const base = row && baselineOf(rows, row);
    if (!row || !base) return;
    const ratio = row.result.perSecond / base.result.perSecond;
    lines.push([
      name,
      `≥ ${percent(target)} of echo`,
      `${percent(ratio)} (${fixed(row.result.perSecond)} vs ${fixed(base.result.perSecond)}/s)`,
      ratio >= target ? 'met' : '**missed**',
    ]);
  };
  ratioTarget('plumbing turns/s (SQLite)', 'plumbing, SQLite', TARGETS.plumbingThroughput);
  ratioTarget('offline-intent turns/s', 'intent, offline', TARGETS.offlineIntentThroughput);
  const pacedRow = find('plumbing, SQLite', 'paced');
  const pacedBase = pacedRow && baselineOf(rows, pacedRow);
  if (pacedRow && pacedBase) {
    const ratio = pacedRow.result.p99Ms / pacedBase.result.p99Ms;
    lines.push([
      'plumbing p99 at the same paced load',
      `≤ ${TARGETS.pacedP99}× echo`,
      `${fixed(ratio, 1)}× (${ms(pacedRow.result.p99Ms)} vs ${ms(pacedBase.result.p99Ms)})`,
      ratio <= TARGETS.pacedP99 ? 'met' : '**missed**',
    ]);
  }
  const idle = input.idle.find((r) => r.server.startsWith('Chatflow'));
  if (idle) {
    const perConnection = (idle.rssAfterBytes - idle.rssBeforeBytes) / idle.connections;
    lines.push([
      'memory per idle connection',
      `≤ ${fixed(TARGETS.idleBytesPerConnection / 1024)} KB`,
      `${fixed(perConnection / 1024, 1)} KB RSS`,
      perConnection <= TARGETS.idleBytesPerConnection ? 'met' : '**missed**',
    ]);
  }
  const train = input.training[0];
  if (train) {
    const best = Math.min(...train.uploadMs);
    lines.push([
      `training ${fixed(train.examples)} examples`,
      `≤ ${fixed(TARGETS.trainingMs)} ms`,
      `${ms(best)} (best of ${train.uploadMs.length})`,
      best <= TARGETS.trainingMs ? 'met' : '**missed**',
    ]);
  }
  const llm = rows.find((r) => r.scenario.startsWith('intent, LLM'));
  if (llm) {
    lines.push([
      `LLM turns/s, ${llm.clients} conversations`,
      `≥ ${fixed(TARGETS.llmTurnsPerSecond)}/s`,
      `${fixed(llm.result.perSecond)}/s (p50 ${ms(llm.result.p50Ms)})`,
      llm.result.perSecond >= TARGETS.llmTurnsPerSecond ? 'met' : '**missed**',
    ]);
  }
  return table(['target (issue 9)', 'wanted', 'measured', ''], lines);
}
