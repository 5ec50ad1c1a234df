/**
 * The inputs of `chatflow test [FLOW.json] TESTS.json…`: the test files, read and checked, and the
 * flows they test, validated as `chatflow validate` does. Every problem of every file is collected
 * (`<file>: error <pointer>: <message>`), so one run shows them all; nothing runs if there is one.
 */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { CONFIG_DEFAULTS } from '../config.ts';
import { parseStoredJson } from '../flow/json-text.ts';
import type { Flow } from '../flow/types.ts';
import type { TestFile } from '../flow-tests/format.ts';
import { TEST_FILE_LIMITS } from '../flow-tests/limits.ts';
import { parseTestsText, problemsAgainstFlow } from '../flow-tests/parse.ts';
import { FileTooLarge, readBounded, UsageProblem } from './read-bounded.ts';
import { checkFlowText, formatReport, problemLine } from './validate.ts';

/** A flow file is read up to what a server accepts as a request body by default. */
const FLOW_FILE_MAX_BYTES = CONFIG_DEFAULTS.MAX_BODY_BYTES;

export interface TestInput {
  /** The test file, as the user named it. */
  file: string;
  tests: TestFile;
  /** The flow it runs against: its key in `flows`. */
  flowKey: string;
}

export interface FlowInput {
  /** The flow file as the user named it, or as its test file names it (relative to the current directory). */
  path: string;
  flow: Flow;
}

export type Inputs =
  | { ok: true; files: TestInput[]; flows: Map<string, FlowInput> }
  | { ok: false; lines: string[] };

/** The keys of the JSON object `text` holds, or undefined when it holds none. */
export function objectKeys(text: string): string[] | undefined {
  try {
    const document: unknown = parseStoredJson(text);
    const isObject = typeof document === 'object' && document !== null && !Array.isArray(document);
    return isObject ? Object.keys(document) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the first file is a test file (a JSON object with `conversations`) or the flow. Alone, it
 * can only be a test file (what it lacks is then reported with its pointers), unless it is a flow.
 */
function firstIsTestFile(text: string, count: number): boolean {
  const keys = objectKeys(text);
  if (keys?.includes('conversations')) return true;
  return count === 1 && !keys?.includes('blocks');
}

/** Reads a file; a problem the user can fix (unreadable, too large) is returned, not thrown. */
async function readOrProblem(
  path: string,
  maxBytes: number,
): Promise<{ text: string } | { problem: UsageProblem }> {
  try {
    return { text: await readBounded(path, maxBytes) };
  } catch (err) {
    if (err instanceof UsageProblem) return { problem: err };
    throw err;
  }
}

const fileProblem = (file: string, path: string, message: string) =>
  problemLine(file, 'error', { path, message });

type ParsedFile = { file: string; tests: TestFile; flowPath: string } | { lines: string[] };

/** A test file's text, or the line saying why it cannot be read. */
export async function readTestText(file: string): Promise<{ text: string } | { lines: string[] }> {
  const read = await readOrProblem(file, TEST_FILE_LIMITS.maxFileBytes);
  if (!('problem' in read)) return read;
  const { problem } = read;
  return {
    lines: [
      problem instanceof FileTooLarge
        ? fileProblem(file, '', `the file has ${FileTooLarge.describe(problem.size, problem.maxBytes)}`)
        : `chatflow: ${problem.message}`,
    ],
  };
}

/** A test file's text, parsed and checked, or its problems as lines. */
export function parseTestFile(
  file: string,
  text: string,
): { file: string; tests: TestFile } | { lines: string[] } {
  const parsed = parseTestsText(text);
  return parsed.ok
    ? { file, tests: parsed.tests }
    : { lines: parsed.problems.map((p) => problemLine(file, 'error', p)) };
}

/** A test file, checked, and the flow it runs against: the one given first, else the one it names. */
async function readTestFile(
  file: string,
  known: string | undefined,
  explicitFlow: string | undefined,
): Promise<ParsedFile> {
  const read = known === undefined ? await readTestText(file) : { text: known };
  if ('lines' in read) return read;
  const parsed = parseTestFile(file, read.text);
  if ('lines' in parsed) return parsed;
  const named = parsed.tests.flow;
  if (explicitFlow !== undefined) return { ...parsed, flowPath: explicitFlow };
  if (named === undefined) {
    const message =
      'the file names no flow: add "flow" (the flow file, relative to this file), or give the flow file first';
    return { lines: [fileProblem(file, '/flow', message)] };
  }
  if (typeof named !== 'string') {
    const message =
      '{"current": true} is the current flow of a running server: run with --server URL --token T, or give the flow file first';
    return { lines: [fileProblem(file, '/flow', message)] };
  }
  return { ...parsed, flowPath: isAbsolute(named) ? named : join(dirname(file), named) };
}

/** The flow of `path`, validated; `namedBy` is the test file that named it, for the line of a read problem. */
async function readFlow(path: string, namedBy: string | undefined): Promise<FlowInput | { lines: string[] }> {
  const read = await readOrProblem(path, FLOW_FILE_MAX_BYTES);
  if ('problem' in read) {
    const { message } = read.problem;
    return {
      lines: [namedBy === undefined ? `chatflow: ${message}` : fileProblem(namedBy, '/flow', message)],
    };
  }
  const { report, flow } = checkFlowText(read.text);
  if (!flow) return { lines: formatReport(path, report).trimEnd().split('\n') };
  return { path, flow };
}

export async function loadInputs(positionals: readonly string[]): Promise<Inputs> {
  const [first = '', ...rest] = positionals;
  const firstRead = await readOrProblem(first, FLOW_FILE_MAX_BYTES);
  if ('problem' in firstRead) return { ok: false, lines: [`chatflow: ${firstRead.problem.message}`] };
  const firstIsTests = firstIsTestFile(firstRead.text, positionals.length);
  const explicitFlow = firstIsTests ? undefined : first;
  const testPaths = firstIsTests ? positionals : rest;
  if (testPaths.length === 0) {
    return { ok: false, lines: [`chatflow: ${first} is not a test file, and no test file follows it`] };
  }

  const lines: string[] = [];
  const parsed: { file: string; tests: TestFile; flowPath: string }[] = [];
  for (const [i, file] of testPaths.entries()) {
    const result = await readTestFile(
      file,
      firstIsTests && i === 0 ? firstRead.text : undefined,
      explicitFlow,
    );
    if ('lines' in result) lines.push(...result.lines);
    else parsed.push(result);
  }

  // Each flow is read and validated once, however many files test it; an invalid one is reported once.
  const flows = new Map<string, FlowInput | undefined>();
  const files: TestInput[] = [];
  for (const { file, tests, flowPath } of parsed) {
    const flowKey = resolve(flowPath);
    if (!flows.has(flowKey)) {
      const flow = await readFlow(flowPath, explicitFlow === undefined ? file : undefined);
      if ('lines' in flow) lines.push(...flow.lines);
      flows.set(flowKey, 'lines' in flow ? undefined : flow);
    }
    const flow = flows.get(flowKey);
    if (!flow) continue;
    lines.push(...problemsAgainstFlow(tests, flow.flow).map((p) => problemLine(file, 'error', p)));
    files.push({ file, tests, flowKey });
  }
  if (lines.length > 0) return { ok: false, lines };
  const valid = new Map([...flows].flatMap(([key, flow]) => (flow ? [[key, flow] as const] : [])));
  return { ok: true, files, flows: valid };
}
