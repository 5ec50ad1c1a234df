/**
 * `npm run faults` (`node bench/faults/run.ts [--only name,name]`): the fault scenarios against the
 * real server (`node src/main.ts` child processes on 127.0.0.1), real `ws` clients, SQLite in a
 * temporary directory and a PostgreSQL of the runner's own. Prints a Markdown table (scenario,
 * acknowledged, stored, lost, verdict, detail) and exits 1 when any verdict fails. Every scenario has a
 * time budget; whatever it left running is killed when it ends.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { killAll, type ScenarioResult } from './harness.ts';
import { hungProvider } from './hung-provider.ts';
import { postgresRestart } from './pg-restart.ts';
import { ScratchPostgres } from './postgres.ts';
import { resumeRace } from './resume-race.ts';
import type { Scenario, ScenarioContext } from './scenario.ts';
import { sigkillUnderLoad } from './sigkill.ts';
import { sigtermSlowTurns } from './sigterm.ts';

const SCENARIOS: Scenario[] = [
  { name: 'sigkill-sqlite', budgetMs: 60_000, run: (c) => sigkillUnderLoad('sigkill-sqlite', c, 'plumbing') },
  {
    name: 'sigkill-postgres',
    budgetMs: 60_000,
    run: async (c) =>
      sigkillUnderLoad(
        'sigkill-postgres',
        c,
        'intent',
        await (await c.postgres()).createDatabase('faults_kill'),
      ),
  },
  { name: 'postgres-restart', budgetMs: 45_000, run: (c) => postgresRestart('postgres-restart', c) },
  {
    name: 'resume-race-2-instances',
    budgetMs: 60_000,
    run: (c) => resumeRace('resume-race-2-instances', c, 2),
  },
  {
    name: 'resume-race-1-instance',
    budgetMs: 60_000,
    run: (c) => resumeRace('resume-race-1-instance', c, 1),
  },
  { name: 'sigterm-slow-turns', budgetMs: 45_000, run: (c) => sigtermSlowTurns('sigterm-slow-turns', c) },
  { name: 'hung-provider', budgetMs: 45_000, run: (c) => hungProvider('hung-provider', c) },
];

/** Runs `scenario`, failing it when it throws or outlives its budget. */
async function runOne(scenario: Scenario, context: ScenarioContext): Promise<ScenarioResult> {
  const failed = (detail: string): ScenarioResult => ({
    scenario: scenario.name,
    acknowledged: 0,
    stored: 0,
    lost: 0,
    pass: false,
    detail,
  });
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<ScenarioResult>((resolve) => {
    timer = setTimeout(
      () => resolve(failed(`did not finish within ${scenario.budgetMs / 1_000} s`)),
      scenario.budgetMs,
    );
  });
  try {
    return await Promise.race([
      scenario.run(context).catch((error: unknown) => failed(`error: ${String(error).slice(0, 300)}`)),
      budget,
    ]);
  } finally {
    clearTimeout(timer);
    await killAll();
  }
}

const cell = (text: string | number) => String(text).replaceAll('|', '\\|').replaceAll('\n', ' ');

export function renderTable(results: readonly ScenarioResult[]): string {
  const rows = results.map((r) =>
    [r.scenario, r.acknowledged, r.stored, r.lost, r.pass ? 'PASS' : 'FAIL', r.detail].map(cell).join(' | '),
  );
  return [
    '| scenario | acknowledged | stored | lost | verdict | detail |',
    '| --- | ---: | ---: | ---: | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { only: { type: 'string' } } });
  const only = values.only?.split(',').map((name) => name.trim());
  const unknown = only?.filter((name) => !SCENARIOS.some((s) => s.name === name)) ?? [];
  if (unknown.length > 0) {
    console.error(
      `unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
    return 2;
  }
  const tmp = await mkdtemp(join(tmpdir(), 'chatflow-faults-'));
  let postgres: Promise<ScratchPostgres> | undefined;
  const context: ScenarioContext = {
    tmp,
    postgres: () => {
      postgres ??= ScratchPostgres.create();
      return postgres;
    },
  };
  const results: ScenarioResult[] = [];
  const started = performance.now();
  try {
    for (const scenario of SCENARIOS.filter((s) => !only || only.includes(s.name))) {
      console.error(`${scenario.name}…`);
      const result = await runOne(scenario, context);
      await (await postgres)?.ensureRunning();
      console.error(`  ${result.pass ? 'PASS' : 'FAIL'} ${result.detail}`);
      results.push(result);
    }
  } finally {
    await killAll();
    await (await postgres?.catch(() => undefined))?.destroy();
    await rm(tmp, { recursive: true, force: true });
  }
  console.log(renderTable(results));
  console.log(`\n${results.length} scenario(s) in ${((performance.now() - started) / 1_000).toFixed(0)} s`);
  return results.every((r) => r.pass) ? 0 : 1;
}

const code = await main();
process.exitCode = code;
// A scenario that ran out of time may still hold a socket or a timer: do not wait for it.
setTimeout(() => process.exit(code), 10_000).unref();
