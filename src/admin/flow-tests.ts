/**
 * Conversation tests stored with flow versions: a test file is checked against the current flow,
 * run against it and stored for its version; the tests in effect for a version are the newest stored
 * for it or the closest version before it; a flow being validated is run against the tests in effect
 * for the current version. Knows nothing of HTTP or SQL: it speaks in parsed documents, versions and
 * result values, and reaches storage only through the Store port.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parseStoredJson } from '../flow/json-text.ts';
import type { Flow, FlowProblem } from '../flow/types.ts';
import { validateFlow } from '../flow/validate.ts';
import type { Mismatch } from '../flow-tests/compare.ts';
import type { TestConversation, TestFile } from '../flow-tests/format.ts';
import { prepareFlow } from '../flow-tests/offline.ts';
import {
  type FlowIds,
  idsOf,
  missingIds,
  parseTestsDocument,
  parseTestsText,
  problemsAgainstFlow,
} from '../flow-tests/parse.ts';
import { type ConversationOutcome, type DriverFactory, runConversation } from '../flow-tests/run.ts';
import type { FlowTestsRecord, FlowVersionRecord, Store } from '../store/store.ts';

/** A failing conversation, as the API reports it: where it first diverged, and what differed. */
export interface TestFailure {
  conversation: string;
  /** The conversation's JSON pointer in the test file. */
  path: string;
  /** The index of the first step that diverged. */
  firstDivergence: number;
  /** The first MAX_MISMATCHES_PER_FAILURE differences, in step order. */
  mismatches: Mismatch[];
}

export interface TestRunSummary {
  passed: number;
  failed: number;
  failures: TestFailure[];
}

/** Enough to see what broke; a conversation that diverges at every step would otherwise repeat itself. */
export const MAX_MISMATCHES_PER_FAILURE = 10;

export type TestsUploadResult =
  | { ok: true; flowVersion: number; conversations: number; run: TestRunSummary }
  | { ok: false; reason: 'no_flow' }
  | { ok: false; reason: 'invalid'; problems: FlowProblem[] }
  | { ok: false; reason: 'version_conflict'; current: number };

export type TestsLookup =
  | { found: true; tests: FlowTestsRecord }
  | { found: false; reason: 'no_flow' | 'no_such_version' | 'no_tests' };

export interface FlowTestsService {
  /** Checks the file against the current flow, runs it, and stores it for that version (failures included). */
  upload(input: { raw: string; document: unknown; ifMatch?: number }): Promise<TestsUploadResult>;
  /** The tests in effect for `version`, or for the current version when absent. */
  inEffect(version?: number): Promise<TestsLookup>;
  /** Runs the tests in effect for the current version against `flow`; undefined when there are none. */
  check(flow: Flow): Promise<(TestRunSummary & { flowVersion: number }) | undefined>;
}

/** A stored flow version as a Flow: it validated when it was uploaded. */
function flowOf(record: FlowVersionRecord): Flow {
  const result = validateFlow(parseStoredJson(record.raw));
  if (!result.valid) throw new Error(`stored flow version ${record.version} does not validate`);
  return result.flow;
}

/** A stored test file as tests: it was parsed the same way when it was uploaded. */
function testsOf(record: FlowTestsRecord): TestFile {
  const parsed = parseTestsText(record.raw);
  if (!parsed.ok) throw new Error(`the tests stored for flow version ${record.flowVersion} do not parse`);
  return parsed.tests;
}

/** A conversation naming ids the flow lacks fails with them, unrun: its run could only add noise. */
function missingIdFailure(
  conversation: TestConversation,
  path: string,
  ids: FlowIds,
): TestFailure | undefined {
  const missing = missingIds(conversation, path, ids);
  const [first] = missing;
  if (first === undefined) return undefined;
  return {
    conversation: conversation.name,
    path,
    firstDivergence: first.step,
    mismatches: missing
      .slice(0, MAX_MISMATCHES_PER_FAILURE)
      .map((m) => ({ path: m.path, expected: JSON.stringify(m.id), actual: m.message })),
  };
}

function failureOf(outcome: ConversationOutcome): TestFailure {
  return {
    conversation: outcome.name,
    path: outcome.path,
    firstDivergence: outcome.firstDivergence ?? 0,
    mismatches: outcome.steps.flatMap((step) => step.mismatches).slice(0, MAX_MISMATCHES_PER_FAILURE),
  };
}

/**
 * Every conversation against `flow` (offline classifier, pinned answers). Each starts on a fresh turn of
 * the event loop: a run is CPU on the server's own thread, and a long file must not hold up its chats.
 */
async function runAgainst(flow: Flow, tests: TestFile): Promise<TestRunSummary> {
  const ids = idsOf(flow);
  const prepared = await prepareFlow(flow);
  const newDriver: DriverFactory = async () => {
    await nextTurn();
    return prepared.newDriver();
  };
  const failures: TestFailure[] = [];
  for (const [index, conversation] of tests.conversations.entries()) {
    const path = `/conversations/${index}`;
    const missing = missingIdFailure(conversation, path, ids);
    if (missing) {
      failures.push(missing);
      continue;
    }
    const outcome = await runConversation(conversation, path, newDriver);
    if (!outcome.passed) failures.push(failureOf(outcome));
  }
  return { passed: tests.conversations.length - failures.length, failed: failures.length, failures };
}

export function createFlowTestsService(options: { store: Store; now?: () => Date }): FlowTestsService {
  const { store } = options;
  const now = options.now ?? (() => new Date());

  async function upload(input: {
    raw: string;
    document: unknown;
    ifMatch?: number;
  }): Promise<TestsUploadResult> {
    const current = await store.getCurrentFlowVersion();
    if (current === null) return { ok: false, reason: 'no_flow' };
    if (input.ifMatch !== undefined && input.ifMatch !== current.version) {
      return { ok: false, reason: 'version_conflict', current: current.version };
    }
    const parsed = parseTestsDocument(input.document);
    if (!parsed.ok) return { ok: false, reason: 'invalid', problems: parsed.problems };
    const flow = flowOf(current);
    const unknownIds = problemsAgainstFlow(parsed.tests, flow);
    if (unknownIds.length > 0) return { ok: false, reason: 'invalid', problems: unknownIds };
    const run = await runAgainst(flow, parsed.tests);
    // Stored for the version it was checked against, even if another became current meanwhile.
    const stored = await store.putFlowTests({
      flowVersion: current.version,
      raw: input.raw,
      at: now().toISOString(),
    });
    if (stored === null) throw new Error(`flow version ${current.version} vanished`);
    return { ok: true, flowVersion: current.version, conversations: parsed.tests.conversations.length, run };
  }

  async function inEffect(version?: number): Promise<TestsLookup> {
    const record =
      version === undefined ? await store.getCurrentFlowVersion() : await store.getFlowVersion(version);
    if (record === null)
      return { found: false, reason: version === undefined ? 'no_flow' : 'no_such_version' };
    const tests = await store.getFlowTests(record.version);
    return tests === null ? { found: false, reason: 'no_tests' } : { found: true, tests };
  }

  async function check(flow: Flow) {
    const lookup = await inEffect();
    if (!lookup.found) return undefined;
    return { flowVersion: lookup.tests.flowVersion, ...(await runAgainst(flow, testsOf(lookup.tests))) };
  }

  return { upload, inEffect, check };
}
