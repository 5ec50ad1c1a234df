/**
 * How fast `chatflow test` runs conversation steps, on its own code path (test-inputs.ts reads and
 * checks the files, prepareFlows trains, runFiles runs, the report is formatted), the offline
 * classifier answering what is not pinned. The example flows' test conversations are repeated into
 * temporary test files of 1,000 and 10,000 steps in all, half per example flow. Usage:
 *
 *   npm run bench:flow-tests [-- --runs N]
 *
 * Prints Markdown: per size, the time to read and check the files, to train (separately: a flow is
 * trained once per run, whatever the number of steps), to run the steps and format the report
 * (median of N runs, 3 by default; wall clock, and the CPU time of the run), steps/s, and the target:
 * 1,000 steps run in under 1 s.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { prepareFlows, runFiles } from '../src/cli/test.ts';
import { loadInputs } from '../src/cli/test-inputs.ts';
import type { TestConversation, TestFile } from '../src/flow-tests/format.ts';
import { TEST_FILE_LIMITS } from '../src/flow-tests/limits.ts';
import { formatTestReport } from '../src/flow-tests/report.ts';
import { markdownTable, percentile } from './report.ts';

const SIZES = [1_000, 10_000];
const TARGET = { steps: 1_000, ms: 1_000 };
const EXAMPLES = new URL('../examples/', import.meta.url).pathname;

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error('usage: npm run bench:flow-tests [-- --runs N]');
  process.exit(2);
}

/** The example test files, their flow made absolute (the generated files live elsewhere). */
async function exampleTests(): Promise<TestFile[]> {
  const names = (await readdir(EXAMPLES)).filter((name) => name.endsWith('.tests.json')).sort();
  return Promise.all(
    names.map(async (name) => {
      const tests = JSON.parse(await readFile(join(EXAMPLES, name), 'utf8')) as TestFile;
      return { ...tests, flow: join(EXAMPLES, tests.flow as string) };
    }),
  );
}

/** The file's conversations repeated (renamed: names are unique in a file) up to `steps` steps, in files within the limits. */
function repeated(tests: TestFile, steps: number): TestFile[] {
  const files: TestFile[] = [];
  let conversations: TestConversation[] = [];
  let inFile = 0;
  for (let total = 0, n = 0; total < steps; n += 1) {
    const source = tests.conversations[n % tests.conversations.length] as TestConversation;
    const full =
      conversations.length === TEST_FILE_LIMITS.maxConversations ||
      inFile + source.steps.length > TEST_FILE_LIMITS.maxStepsPerFile;
    if (full) {
      files.push({ ...tests, conversations });
      conversations = [];
      inFile = 0;
    }
    conversations.push({ ...source, name: `${source.name} #${n}` });
    inFile += source.steps.length;
    total += source.steps.length;
  }
  return [...files, { ...tests, conversations }];
}

/** Wall-clock and CPU time (this process, all threads): the machine may be shared, CPU time is the steadier. */
async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const value = await work();
  const { user, system } = process.cpuUsage(cpu);
  return { value, ms: performance.now() - started, cpuMs: (user + system) / 1_000 };
}

async function measure(dir: string, examples: readonly TestFile[], steps: number) {
  const documents = examples.flatMap((tests) => repeated(tests, Math.ceil(steps / examples.length)));
  const paths = await Promise.all(
    documents.map(async (document, i) => {
      const path = join(dir, `${steps}-${i}.tests.json`);
      await writeFile(path, JSON.stringify(document));
      return path;
    }),
  );
  const samples: {
    load: number;
    training: number;
    run: number;
    runCpu: number;
    steps: number;
    failed: number;
  }[] = [];
  for (let i = 0; i < runs; i += 1) {
    const load = await timed(() => loadInputs(paths));
    if (!load.value.ok) throw new Error(load.value.lines.join('\n'));
    const { files, flows } = load.value;
    const training = await timed(() => prepareFlows(flows));
    const run = await timed(async () => {
      const fileRuns = await runFiles(files, flows, training.value);
      formatTestReport({ files: fileRuns, durationMs: 0 });
      return fileRuns;
    });
    samples.push({
      load: load.ms,
      training: training.ms,
      run: run.ms,
      runCpu: run.cpuMs,
      steps: run.value.reduce((sum, r) => sum + r.outcome.steps, 0),
      failed: run.value.reduce((sum, r) => sum + r.outcome.failed, 0),
    });
  }
  const median = (pick: (s: (typeof samples)[number]) => number) => percentile(samples.map(pick), 50);
  return {
    files: paths.length,
    conversations: documents.reduce((sum, d) => sum + d.conversations.length, 0),
    steps: samples[0]?.steps ?? 0,
    failed: Math.max(...samples.map((s) => s.failed)),
    load: median((s) => s.load),
    training: median((s) => s.training),
    run: median((s) => s.run),
    runCpu: median((s) => s.runCpu),
    runs: samples.map((s) => s.run),
  };
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const count = (value: number) => Math.round(value).toLocaleString('en-US');

const dir = await mkdtemp(join(tmpdir(), 'chatflow-bench-flow-tests-'));
try {
  const examples = await exampleTests();
  const results = [];
  for (const steps of SIZES) results.push(await measure(dir, examples, steps));
  const rows = results.map((r) => [
    count(r.steps),
    count(r.conversations),
    String(r.files),
    ms(r.load),
    ms(r.training),
    `${ms(r.run)} (${r.runs.map((run) => run.toFixed(0)).join(', ')})`,
    ms(r.runCpu),
    `${count(r.steps / (r.run / 1_000))}/s`,
    String(r.failed),
  ]);
  console.log(
    `# chatflow test: conversation steps (${runs} runs each, medians; load average ${loadavg()[0]?.toFixed(1)})\n`,
  );
  console.log(
    markdownTable(
      [
        'steps',
        'conversations',
        'files',
        'read + check',
        'training',
        'run + report (each run)',
        'run CPU',
        'steps/s',
        'failed',
      ],
      rows,
    ),
  );
  const target = results.find((r) => r.steps >= TARGET.steps) ?? results[0];
  if (target) {
    const perThousand = (target.run / target.steps) * TARGET.steps;
    const met = perThousand < TARGET.ms ? 'met' : '**missed**';
    console.log(
      `\nTarget: ${count(TARGET.steps)} steps in under ${count(TARGET.ms)} ms (the run, training apart): ${ms(perThousand)} — ${met}. ` +
        `With reading and training, the whole command: ${ms(target.load + target.training + perThousand)}.`,
    );
  }
  if (results.some((r) => r.failed > 0)) {
    console.error('some conversations failed: the figures are not those of passing runs');
    process.exitCode = 1;
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
