/**
 * Runs a test file's conversations through drivers (one per conversation), step by step: sends what
 * the step says, compares what came back, and keeps both for the report. A conversation goes on
 * after a mismatch (the report marks the first divergence) but stops where it cannot go on: a step
 * after the bot ended, a click on a quick reply that was not offered, or a broken channel (a driver
 * that fails: a server that refused, closed or did not answer in time), which fails that step with
 * the driver's reason and leaves the other conversations to run.
 */
import { compareStep, type Mismatch } from './compare.ts';
import type { TestConversation, TestFile, TestStep } from './format.ts';
import type { ConversationDriver, ObservedTurn } from './observed.ts';

export interface StepOutcome {
  /** Index in the conversation's steps. */
  index: number;
  step: TestStep;
  /** What the turn did; absent when the step could not be sent (see `mismatches`). */
  observed?: ObservedTurn;
  mismatches: Mismatch[];
}

export interface ConversationOutcome {
  name: string;
  /** The conversation's JSON pointer in the test file. */
  path: string;
  passed: boolean;
  /** The bot's opening turn, when the first step sends something (and so does not check it). */
  opening?: ObservedTurn;
  steps: StepOutcome[];
  /** The index of the first step that diverged. */
  firstDivergence?: number;
  /** Steps not run because the conversation could not go on. */
  notRun: number;
}

export interface TestRunOutcome {
  passed: number;
  failed: number;
  steps: number;
  conversations: ConversationOutcome[];
}

export type DriverFactory = () => Promise<ConversationDriver>;

const offered = (turn: ObservedTurn | undefined): string[] => turn?.bot.at(-1)?.options ?? [];

/** Why a step cannot be sent after `last`, if it cannot. */
function blocked(step: TestStep, last: ObservedTurn | undefined, at: string): Mismatch | undefined {
  if (last?.ended) {
    return {
      path: at,
      expected: `the user says ${JSON.stringify(step.user ?? step.click)}`,
      actual: 'the conversation had ended',
    };
  }
  if (step.click !== undefined && !offered(last).includes(step.click)) {
    const choices = offered(last);
    return {
      path: `${at}/click`,
      expected: `click ${JSON.stringify(step.click)}`,
      actual:
        choices.length > 0
          ? `offered: ${choices.map((c) => JSON.stringify(c)).join(', ')}`
          : 'no quick reply offered',
    };
  }
  return undefined;
}

function pinnedAnswers(step: TestStep) {
  if (step.pinned !== true || step.intent === undefined) return {};
  return { pinned: Array.isArray(step.intent) ? step.intent : [step.intent] };
}

/** The turn, or why the driver could not take it. */
async function attempt(turn: () => Promise<ObservedTurn>, at: string): Promise<ObservedTurn | Mismatch> {
  try {
    return await turn();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { path: at, expected: "the bot's turn", actual: `the run broke off: ${reason}` };
  }
}

const isTurn = (result: ObservedTurn | Mismatch): result is ObservedTurn => 'bot' in result;

type Driven = Omit<ConversationOutcome, 'passed' | 'firstDivergence'>;

/** The conversation cannot go on: step `index` fails with `why`, the steps after it are not run. */
function stopAt(outcome: Driven, conversation: TestConversation, index: number, why: Mismatch): Driven {
  outcome.steps.push({ index, step: conversation.steps[index] as TestStep, mismatches: [why] });
  outcome.notRun = conversation.steps.length - index - 1;
  return outcome;
}

async function drive(
  conversation: TestConversation,
  path: string,
  driver: ConversationDriver,
): Promise<Driven> {
  const outcome: Driven = {
    name: conversation.name,
    path,
    steps: [],
    notRun: 0,
  };
  const opening = await attempt(() => driver.start(), `${path}/steps/0`);
  if (!isTurn(opening)) return stopAt(outcome, conversation, 0, opening);
  let last = opening;
  const [first] = conversation.steps;
  if (first !== undefined && first.user === undefined && first.click === undefined) {
    outcome.steps.push({
      index: 0,
      step: first,
      observed: last,
      mismatches: compareStep(first, last, `${path}/steps/0`),
    });
  } else {
    outcome.opening = last;
  }
  for (let index = outcome.steps.length; index < conversation.steps.length; index += 1) {
    const step = conversation.steps[index] as TestStep;
    const at = `${path}/steps/${index}`;
    const stop = blocked(step, last, at);
    if (stop) return stopAt(outcome, conversation, index, stop);
    const text = (step.user ?? step.click) as string;
    const turn = await attempt(() => driver.send({ text, ...pinnedAnswers(step) }), at);
    if (!isTurn(turn)) return stopAt(outcome, conversation, index, turn);
    last = turn;
    outcome.steps.push({ index, step, observed: last, mismatches: compareStep(step, last, at) });
  }
  return outcome;
}

export async function runConversation(
  conversation: TestConversation,
  path: string,
  newDriver: DriverFactory,
): Promise<ConversationOutcome> {
  const driver = await newDriver();
  try {
    const outcome = await drive(conversation, path, driver);
    const firstDivergence = outcome.steps.find((step) => step.mismatches.length > 0)?.index;
    return {
      ...outcome,
      passed: firstDivergence === undefined,
      ...(firstDivergence === undefined ? {} : { firstDivergence }),
    };
  } finally {
    await driver.close();
  }
}

/** Every conversation of the file, one after the other (a conversation's turns depend on each other). */
export async function runTestFile(tests: TestFile, newDriver: DriverFactory): Promise<TestRunOutcome> {
  const conversations: ConversationOutcome[] = [];
  for (const [c, conversation] of tests.conversations.entries()) {
    conversations.push(await runConversation(conversation, `/conversations/${c}`, newDriver));
  }
  const passed = conversations.filter((c) => c.passed).length;
  const steps = conversations.reduce((sum, c) => sum + c.steps.length, 0);
  return { passed, failed: conversations.length - passed, steps, conversations };
}
