/**
 * The targets table of issue 13 (the turn pipeline): each Chatflow figure with its ratio to both
 * baselines of the same run — the bare `ws` echo and the durable echo (SQLite, group commit) — and
 * whether the target is met. Throughput targets are judged against the durable echo, latency against
 * the bare echo, the LLM and memory targets in absolute terms, PostgreSQL against a recorded figure.
 */
import { BARE_ECHO, baselineOf, DURABLE_ECHO } from './baselines.ts';
import { fixed, ms, ratio, table } from './format.ts';
import type { IdleRow, LoadRow } from './report.ts';

export const TARGETS = {
  /** Section 5: Chatflow left the openai SDK for its own client; that holds while it is this much faster. */
  directLlmClientSpeedup: 1.5,
  plumbingVsDurableEcho: 1.0,
  offlineIntentVsDurableEcho: 0.6,
  pacedP99VsBareEcho: 2,
  llmTurnsPerSecond: 1_500,
  postgresFactor: 3,
  idleBytesPerConversation: 12 * 1024,
};

/**
 * PostgreSQL plumbing turns/s, 1 instance, 200 clients, closed loop, before the turn pipeline (main
 * 7415f22, the measured table then): the figure the PostgreSQL target multiplies.
 */
export const POSTGRES_RECORDED = { turnsPerSecond: 1_104, commit: '7415f22' };

/** The `llm-client` scenario: each LLM client alone in place of the intent router (BENCH_LLM_CLIENT). */
export const LLM_CLIENTS = {
  sdk: 'LLM client: openai SDK (reference)',
  chatflow: "LLM client: Chatflow's undici Pool",
};

const verdict = (met: boolean) => (met ? 'met' : '**missed**');

/** "0.29× (14,800 vs 51,000/s)" against a baseline, or "—" when it did not run at that size. */
function against(rows: readonly LoadRow[], row: LoadRow, baseline: string, latency: boolean): string {
  const base = baselineOf(rows, row, baseline);
  if (!base) return '—';
  return latency
    ? `${ratio(row.result.p99Ms / base.result.p99Ms)} (${ms(base.result.p99Ms)})`
    : `${ratio(row.result.perSecond / base.result.perSecond)} (${fixed(base.result.perSecond)}/s)`;
}

function throughputLine(rows: readonly LoadRow[], name: string, row: LoadRow, wanted: number): string[] {
  const vsDurable = baselineOf(rows, row, DURABLE_ECHO);
  const met = vsDurable !== undefined && row.result.perSecond / vsDurable.result.perSecond >= wanted;
  return [
    name,
    `≥ ${ratio(wanted)} durable echo`,
    `${fixed(row.result.perSecond)}/s`,
    against(rows, row, BARE_ECHO, false),
    against(rows, row, DURABLE_ECHO, false),
    verdict(met),
  ];
}

const perConversation = (row: IdleRow) => (row.rssAfterBytes - row.rssBeforeBytes) / row.connections;

function idleLine(idle: readonly IdleRow[]): string[] | undefined {
  const chatflow = idle.find((r) => r.server.startsWith('Chatflow'));
  if (!chatflow) return undefined;
  const bytes = perConversation(chatflow);
  const vs = (label: string) => {
    const base = idle.find((r) => r.server === label);
    return base
      ? `${ratio(bytes / perConversation(base))} (${fixed(perConversation(base) / 1024, 1)} KB)`
      : '—';
  };
  return [
    `memory per idle conversation (${fixed(chatflow.connections)} held)`,
    `≤ ${fixed(TARGETS.idleBytesPerConversation / 1024)} KB RSS`,
    `${fixed(bytes / 1024, 1)} KB RSS`,
    vs(BARE_ECHO),
    vs(DURABLE_ECHO),
    verdict(bytes <= TARGETS.idleBytesPerConversation),
  ];
}

function postgresLine(rows: readonly LoadRow[], postgres: boolean): string[] | undefined {
  const wanted = TARGETS.postgresFactor * POSTGRES_RECORDED.turnsPerSecond;
  const name = 'PostgreSQL plumbing turns/s, 1 instance';
  const want = `≥ ${fixed(wanted)}/s (${TARGETS.postgresFactor} × ${fixed(POSTGRES_RECORDED.turnsPerSecond)}/s recorded on ${POSTGRES_RECORDED.commit})`;
  const row = rows.find((r) => r.scenario === 'plumbing, PostgreSQL, 1 instance' && r.mode === 'closed loop');
  if (!postgres) return [name, want, 'skipped: DATABASE_URL unset', '—', '—', 'not run'];
  if (!row) return undefined;
  return [
    name,
    want,
    `${fixed(row.result.perSecond)}/s (${ratio(row.result.perSecond / POSTGRES_RECORDED.turnsPerSecond)} recorded)`,
    against(rows, row, BARE_ECHO, false),
    against(rows, row, DURABLE_ECHO, false),
    verdict(row.result.perSecond >= wanted),
  ];
}

/** Section 5: the two LLM clients, each alone in place of the router, in the LLM scenario. */
function llmClientLine(rows: readonly LoadRow[]): string[] | undefined {
  const sdk = rows.find((r) => r.scenario === LLM_CLIENTS.sdk);
  const direct = rows.find((r) => r.scenario === LLM_CLIENTS.chatflow);
  if (!sdk || !direct) return undefined;
  const speedup = direct.result.perSecond / sdk.result.perSecond;
  return [
    `LLM client: Chatflow's undici Pool vs openai SDK, ${sdk.clients} conversations`,
    `≥ ${ratio(TARGETS.directLlmClientSpeedup)} (else back to the SDK)`,
    `${ratio(speedup)} (${fixed(direct.result.perSecond)} vs ${fixed(sdk.result.perSecond)}/s)`,
    against(rows, direct, BARE_ECHO, false),
    against(rows, direct, DURABLE_ECHO, false),
    verdict(speedup >= TARGETS.directLlmClientSpeedup),
  ];
}

export function renderTargets(input: { rows: LoadRow[]; idle: IdleRow[]; postgres: boolean }): string {
  const { rows } = input;
  const find = (scenario: string, mode: string) =>
    rows.find((r) => r.scenario === scenario && r.mode.startsWith(mode));
  const lines: string[][] = [];
  const plumbing = find('plumbing, SQLite', 'closed');
  if (plumbing) {
    lines.push(throughputLine(rows, 'plumbing turns/s (SQLite)', plumbing, TARGETS.plumbingVsDurableEcho));
  }
  const offline = find('intent, offline', 'closed');
  if (offline) {
    lines.push(throughputLine(rows, 'offline-intent turns/s', offline, TARGETS.offlineIntentVsDurableEcho));
  }
  const pacedRow = find('plumbing, SQLite', 'paced');
  const pacedBare = pacedRow && baselineOf(rows, pacedRow, BARE_ECHO);
  if (pacedRow && pacedBare) {
    lines.push([
      `plumbing p99 at the same paced load (${pacedRow.mode})`,
      `≤ ${ratio(TARGETS.pacedP99VsBareEcho)} bare echo p99`,
      ms(pacedRow.result.p99Ms),
      against(rows, pacedRow, BARE_ECHO, true),
      against(rows, pacedRow, DURABLE_ECHO, true),
      verdict(pacedRow.result.p99Ms / pacedBare.result.p99Ms <= TARGETS.pacedP99VsBareEcho),
    ]);
  }
  const llm = rows.find((r) => r.scenario.startsWith('intent, LLM'));
  if (llm) {
    lines.push([
      `${llm.scenario.replace('intent, ', '')}, ${llm.clients} conversations`,
      `≥ ${fixed(TARGETS.llmTurnsPerSecond)} turns/s`,
      `${fixed(llm.result.perSecond)}/s (p50 ${ms(llm.result.p50Ms)})`,
      against(rows, llm, BARE_ECHO, false),
      against(rows, llm, DURABLE_ECHO, false),
      verdict(llm.result.perSecond >= TARGETS.llmTurnsPerSecond),
    ]);
  }
  const clients = llmClientLine(rows);
  if (clients) lines.push(clients);
  const postgres = postgresLine(rows, input.postgres);
  if (postgres) lines.push(postgres);
  const idle = idleLine(input.idle);
  if (idle) lines.push(idle);
  return table(['target (issue 13)', 'wanted', 'measured', 'vs bare echo', 'vs durable echo', ''], lines);
}
