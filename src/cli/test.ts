/**
 * `chatflow test [FLOW.json] TESTS.json… [--json] [--coverage]`: runs conversation tests through the
 * engine in this process (no server, no network), the offline classifier answering what is not pinned.
 * Each flow is trained once, however many files test it.
 *
 * Exit code: 0 every conversation passed, 1 one failed, 2 bad input (usage, an unreadable file, a bad
 * test file, an invalid flow). With --server, the files run against a running server instead
 * (test-server.ts).
 */
import { parseArgs } from 'node:util';
import { type CoverageReport, coverageOf, observedTurns } from '../flow-tests/coverage.ts';
import { type PreparedFlow, prepareFlow } from '../flow-tests/offline.ts';
import { anyFailed, type FileRun, renderReport } from '../flow-tests/report.ts';
import { type FlowInput, loadInputs, type TestInput } from './test-inputs.ts';
import { EXIT } from './validate.ts';

type Out = { stdout: (text: string) => void; stderr: (text: string) => void };

/** The options of `chatflow test`, parsed. */
export interface TestOptions {
  json?: boolean;
  coverage?: boolean;
  server?: string;
  token?: string;
  'admin-url'?: string;
  timeout?: string;
}

/** The options that only mean something against a server. */
const SERVER_ONLY = ['token', 'admin-url', 'timeout'] as const;

/**
 * `--server URL TESTS.json…`: the files run over the WebSocket against a running server's current
 * flow (test-server.ts), imported here so that an offline run does not load the WebSocket client.
 */
async function serverTestCommand(
  testFiles: readonly string[],
  options: TestOptions,
  out: Out,
): Promise<number> {
  const { serverTestCommand: run } = await import('./test-server.ts');
  return run(testFiles, { ...options, server: options.server as string }, out);
}

/** Each flow compiled and its intent models trained, once however many files test it. */
export async function prepareFlows(flows: Map<string, FlowInput>): Promise<Map<string, PreparedFlow>> {
  const prepared = new Map<string, PreparedFlow>();
  for (const [key, { flow }] of flows) prepared.set(key, await prepareFlow(flow, { trainInline: true }));
  return prepared;
}

/** Every file's conversations, in order, through its prepared flow. */
export async function runFiles(
  files: readonly TestInput[],
  flows: Map<string, FlowInput>,
  prepared: Map<string, PreparedFlow>,
): Promise<FileRun[]> {
  const runs: FileRun[] = [];
  for (const { file, tests, flowKey } of files) {
    const outcome = await (prepared.get(flowKey) as PreparedFlow).run(tests);
    runs.push({ file, flow: (flows.get(flowKey) as FlowInput).path, outcome });
  }
  return runs;
}

/** One coverage per flow, over every file that tests it. */
function coverageOfRuns(
  files: readonly TestInput[],
  runs: readonly FileRun[],
  flows: Map<string, FlowInput>,
): CoverageReport[] {
  return [...flows].map(([key, { path, flow }]) => {
    const outcomes = runs.filter((_, i) => files[i]?.flowKey === key).map((run) => run.outcome);
    return coverageOf(path, flow, observedTurns(outcomes));
  });
}

/** The command; `usage` is its help text (USAGE.test of run.ts). */
export async function testCommand(args: string[], out: Out, usage: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      json: { type: 'boolean' },
      coverage: { type: 'boolean' },
      server: { type: 'string' },
      token: { type: 'string' },
      'admin-url': { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    out.stdout(usage);
    return EXIT.valid;
  }
  if (positionals.length === 0) {
    out.stderr(`chatflow: test needs at least one test file\n\n${usage}`);
    return EXIT.usage;
  }
  if (values.server !== undefined) return serverTestCommand(positionals, values, out);
  const serverOnly = SERVER_ONLY.find((name) => values[name] !== undefined);
  if (serverOnly) {
    out.stderr(`chatflow: --${serverOnly} goes with --server URL\n\n${usage}`);
    return EXIT.usage;
  }

  const inputs = await loadInputs(positionals);
  if (!inputs.ok) {
    out.stderr(`${inputs.lines.join('\n')}\n`);
    return EXIT.usage;
  }
  const started = performance.now();
  const runs = await runFiles(inputs.files, inputs.flows, await prepareFlows(inputs.flows));
  const report = {
    files: runs,
    durationMs: performance.now() - started,
    ...(values.coverage ? { coverage: coverageOfRuns(inputs.files, runs, inputs.flows) } : {}),
  };
  out.stdout(renderReport(report, values.json));
  return anyFailed(report) ? EXIT.invalid : EXIT.valid;
}
