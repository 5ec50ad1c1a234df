/**
 * `chatflow test --server URL TESTS.json…`: the test files run against a running server's current
 * flow, over its chat WebSocket (src/flow-tests/server-run.ts). No flow file: the server's current
 * flow is what is tested, also for a test file that names a flow file. The admin token (flows:read
 * and history:read) comes from --token or from CHATFLOW_TOKEN; it is never printed.
 *
 * Exit code: 0 all passed, 1 a conversation failed (one the server broke off included), 2 bad input
 * or a server that cannot be used at all (unreachable, the token refused, no flow): nothing was tested.
 */

import { ChannelError } from '../flow-tests/channel-error.ts';
import { coverageOf, observedTurns } from '../flow-tests/coverage.ts';
import type { TestFile } from '../flow-tests/format.ts';
import { problemsAgainstFlow } from '../flow-tests/parse.ts';
import { anyFailed, type FileRun, renderReport } from '../flow-tests/report.ts';
import { connectToServer, ServerRunInputError, type ServerTarget } from '../flow-tests/server-run.ts';
import { objectKeys, parseTestFile, readTestText } from './test-inputs.ts';
import { EXIT, problemLine } from './validate.ts';

type Out = { stdout: (text: string) => void; stderr: (text: string) => void };

export interface ServerTestOptions {
  server: string;
  'admin-url'?: string;
  token?: string;
  timeout?: string;
  json?: boolean;
  coverage?: boolean;
}

interface ServerTestFile {
  file: string;
  tests: TestFile;
}

/** Every test file read and checked, or the lines saying why not (all of them, as offline). */
async function readTestFiles(
  files: readonly string[],
): Promise<{ files: ServerTestFile[]; lines: string[] }> {
  const read: ServerTestFile[] = [];
  const lines: string[] = [];
  for (const file of files) {
    const text = await readTestText(file);
    if ('lines' in text) {
      lines.push(...text.lines);
      continue;
    }
    const keys = objectKeys(text.text);
    if (keys?.includes('blocks') && !keys.includes('conversations')) {
      lines.push(
        `chatflow: ${file} is a flow, not a test file; with --server the server's current flow is tested: give no flow file`,
      );
      continue;
    }
    const parsed = parseTestFile(file, text.text);
    if ('lines' in parsed) lines.push(...parsed.lines);
    else read.push(parsed);
  }
  return { files: read, lines };
}

function timeoutOf(text: string | undefined): number | undefined | Error {
  if (text === undefined) return undefined;
  return /^\d+$/.test(text) ? Number(text) : new Error(`--timeout takes milliseconds, not "${text}"`);
}

async function connect(
  options: ServerTestOptions,
  token: string,
  timeoutMs: number | undefined,
): Promise<ServerTarget | Error> {
  try {
    return await connectToServer({
      url: options.server,
      token,
      ...(options['admin-url'] === undefined ? {} : { adminUrl: options['admin-url'] }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
  } catch (err) {
    // A bad URL or timeout, an unreachable server, a refused token, no flow: messages without the token.
    if (err instanceof ChannelError || err instanceof ServerRunInputError) return err;
    throw err;
  }
}

export async function serverTestCommand(
  positionals: readonly string[],
  options: ServerTestOptions,
  out: Out,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const token = options.token ?? env.CHATFLOW_TOKEN;
  if (!token) {
    out.stderr(
      'chatflow: --server needs an admin token (flows:read, history:read): CHATFLOW_TOKEN=… or --token\n',
    );
    return EXIT.usage;
  }
  const timeoutMs = timeoutOf(options.timeout);
  if (timeoutMs instanceof Error) {
    out.stderr(`chatflow: ${timeoutMs.message}\n`);
    return EXIT.usage;
  }
  const { files, lines } = await readTestFiles(positionals);
  if (lines.length > 0) {
    out.stderr(`${lines.join('\n')}\n`);
    return EXIT.usage;
  }
  const target = await connect(options, token, timeoutMs);
  if (target instanceof Error) {
    out.stderr(`chatflow: ${target.message}\n`);
    return EXIT.usage;
  }
  const { version, flow } = target.current;
  const against = files.flatMap(({ file, tests }) =>
    problemsAgainstFlow(tests, flow).map((p) => problemLine(file, 'error', p)),
  );
  if (against.length > 0) {
    out.stderr(
      `${against.join('\n')}\nchatflow: (checked against version ${version} of the server's flow)\n`,
    );
    return EXIT.usage;
  }
  const flowLabel = `version ${version} of ${options.server.replace(/\/+$/, '')}`;
  for (const { file, tests } of files) {
    if (typeof tests.flow === 'string') {
      out.stderr(
        `chatflow: ${file} names the flow ${tests.flow}; with --server it runs against ${flowLabel}\n`,
      );
    }
  }

  const started = performance.now();
  const runs: FileRun[] = [];
  for (const { file, tests } of files) runs.push({ file, flow: flowLabel, outcome: await target.run(tests) });
  const report = {
    files: runs,
    durationMs: performance.now() - started,
    ...(options.coverage
      ? { coverage: [coverageOf(flowLabel, flow, observedTurns(runs.map((run) => run.outcome)))] }
      : {}),
  };
  out.stdout(renderReport(report, options.json));
  return anyFailed(report) ? EXIT.invalid : EXIT.valid;
}
