/**
 * Reads a conversation-test file: JSON, then the schema, then the rules a schema cannot say (a step
 * after the end, a pinned step with no intent, a pattern RE2 cannot compile, …), then, given the flow,
 * the block and intent ids the file names. Every problem has its JSON pointer; nothing here throws.
 */
import { parseStoredJson } from '../flow/json-text.ts';
import { compilePattern } from '../flow/patterns.ts';
import type { Flow, FlowProblem } from '../flow/types.ts';
import { schemaProblems } from '../flow/validate.ts';
import { type TestConversation, type TestFile, type TestStep, testFileSchema } from './format.ts';
import { TEST_FILE_LIMITS } from './limits.ts';

export type ParsedTests = { ok: true; tests: TestFile } | { ok: false; problems: FlowProblem[] };

/** A test file given as JSON text (a request body or a file's contents). */
export function parseTestsText(text: string): ParsedTests {
  const bytes = Buffer.byteLength(text);
  if (bytes > TEST_FILE_LIMITS.maxFileBytes) {
    return fail('', `the file has ${bytes} bytes, at most ${TEST_FILE_LIMITS.maxFileBytes}`);
  }
  let document: unknown;
  try {
    document = parseStoredJson(text);
  } catch (err) {
    return fail('', `not valid JSON: ${err instanceof Error ? err.message : 'parse error'}`);
  }
  return parseTestsDocument(document);
}

/** A test file already parsed from JSON. */
export function parseTestsDocument(document: unknown): ParsedTests {
  const parsed = testFileSchema.safeParse(document);
  if (!parsed.success) return { ok: false, problems: schemaProblems(parsed.error) };
  const problems = [...fileProblems(parsed.data), ...parsed.data.conversations.flatMap(conversationProblems)];
  return problems.length > 0 ? { ok: false, problems } : { ok: true, tests: parsed.data };
}

/** An id a step names that the flow does not have: a typo, or a test of another flow. */
export interface MissingId extends FlowProblem {
  /** The step's index in its conversation. */
  step: number;
  id: string;
}

/** The block ids and intent ids of a flow. */
export interface FlowIds {
  blocks: ReadonlySet<string>;
  intents: ReadonlySet<string>;
}

export function idsOf(flow: Flow): FlowIds {
  return {
    blocks: new Set(flow.blocks.map((block) => block.id)),
    intents: new Set(flow.blocks.flatMap((b) => (b.type === 'intent' ? b.intents.map((i) => i.id) : []))),
  };
}

/** The ids one conversation (at `path` in its file) names that the flow lacks. */
export function missingIds(conversation: TestConversation, path: string, ids: FlowIds): MissingId[] {
  return conversation.steps.flatMap((step, s) => {
    const at = `${path}/steps/${s}`;
    const missing: MissingId[] = [];
    if (step.at !== undefined && !ids.blocks.has(step.at)) {
      missing.push({ step: s, id: step.at, path: `${at}/at`, message: `the flow has no block "${step.at}"` });
    }
    const answers = step.intent === undefined ? [] : Array.isArray(step.intent) ? step.intent : [step.intent];
    answers.forEach((answer, i) => {
      if (answer === null || ids.intents.has(answer)) return;
      missing.push({
        step: s,
        id: answer,
        path: Array.isArray(step.intent) ? `${at}/intent/${i}` : `${at}/intent`,
        message: `no intent block of the flow has an intent "${answer}"`,
      });
    });
    return missing;
  });
}

/** Block and intent ids the tests name that the flow does not have, as problems of the file. */
export function problemsAgainstFlow(tests: TestFile, flow: Flow): FlowProblem[] {
  const ids = idsOf(flow);
  return tests.conversations.flatMap((conversation, c) =>
    missingIds(conversation, `/conversations/${c}`, ids).map(({ path, message }) => ({ path, message })),
  );
}

function fail(path: string, message: string): ParsedTests {
  return { ok: false, problems: [{ path, message }] };
}

function fileProblems(tests: TestFile): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const steps = tests.conversations.reduce((sum, conversation) => sum + conversation.steps.length, 0);
  if (steps > TEST_FILE_LIMITS.maxStepsPerFile) {
    problems.push({
      path: '/conversations',
      message: `${steps} steps in all, at most ${TEST_FILE_LIMITS.maxStepsPerFile}`,
    });
  }
  const first = new Map<string, number>();
  tests.conversations.forEach((conversation, c) => {
    const earlier = first.get(conversation.name);
    if (earlier === undefined) first.set(conversation.name, c);
    else {
      problems.push({
        path: `/conversations/${c}/name`,
        message: `the name "${conversation.name}" is taken by /conversations/${earlier}`,
      });
    }
  });
  return problems;
}

function conversationProblems(conversation: TestConversation, c: number): FlowProblem[] {
  const problems: FlowProblem[] = [];
  let endedAt: number | undefined;
  conversation.steps.forEach((step, s) => {
    const at = `/conversations/${c}/steps/${s}`;
    if (endedAt !== undefined) {
      problems.push({
        path: at,
        message: `a step after the conversation has ended (/conversations/${c}/steps/${endedAt} expects "ended": true)`,
      });
    }
    problems.push(...stepProblems(step, s, at));
    if (step.ended === true) endedAt ??= s;
  });
  return problems;
}

function stepProblems(step: TestStep, index: number, at: string): FlowProblem[] {
  const problems: FlowProblem[] = [];
  if (step.user !== undefined && step.click !== undefined) {
    problems.push({ path: `${at}/click`, message: 'a step has "user" or "click", not both' });
  }
  if (index > 0 && step.user === undefined && step.click === undefined) {
    problems.push({
      path: at,
      message:
        'required field missing: "user" or "click" (only the first step may have neither: the bot speaking first)',
    });
  }
  const says = step.user !== undefined || step.click !== undefined;
  if (!says && (step.intent !== undefined || step.pinned !== undefined)) {
    problems.push({ path: `${at}/intent`, message: 'only a step with a user message can expect an intent' });
  }
  if (step.pinned === true && step.intent === undefined) {
    problems.push({ path: `${at}/pinned`, message: 'a pinned step needs "intent": the answer to pin' });
  }
  if (step.ended === true && step.at !== undefined) {
    problems.push({
      path: `${at}/at`,
      message: 'an ended conversation waits at no block: drop "at" or "ended"',
    });
  }
  step.bot?.forEach((expected, b) => {
    if (typeof expected !== 'object' || !('matches' in expected)) return;
    const compiled = compilePattern(expected.matches, false);
    if (!compiled.ok) problems.push({ path: `${at}/bot/${b}/matches`, message: compiled.message });
  });
  return problems;
}
