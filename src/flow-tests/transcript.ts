/**
 * A conversation's expected and actual transcripts, row by row, for the side-by-side report: one row
 * per thing a step says or expects (the user's message or click, each bot message, the intent, each
 * variable, `at`, `ended`), its two sides as short text, and whether the run diverged there.
 */
import {
  describeAnswer,
  describeClassifications,
  describeExpectation,
  describeMessage,
  expectedAnswers,
  type Mismatch,
  pointerSegment,
} from './compare.ts';
import type { TestStep } from './format.ts';
import type { ObservedTurn } from './observed.ts';
import type { ConversationOutcome, StepOutcome } from './run.ts';

export interface TranscriptRow {
  /** The step the row belongs to, on the step's first row only. */
  step?: number;
  /** Empty when the step does not check this (the actual side is shown for context). */
  expected: string;
  actual: string;
  /** The row shows a mismatch. */
  diverges: boolean;
}

const NO_MESSAGE = '(no further message)';

/** Text on one line: a message with line breaks would break the columns. */
const oneLine = (text: string) => text.replace(/\r\n|[\r\n\t]/g, ' ');

function botRows(step: TestStep, turn: ObservedTurn | undefined, mismatches: Mismatch[], at: string) {
  const expected = step.bot;
  const actual = turn?.bot ?? [];
  const longest = Math.max(expected?.length ?? 0, actual.length);
  return Array.from({ length: longest }, (_, i): TranscriptRow => {
    const want = expected === undefined ? '' : expected[i] ? describeExpectation(expected[i]) : NO_MESSAGE;
    const got = turn === undefined ? '' : actual[i] ? describeMessage(actual[i]) : NO_MESSAGE;
    // compare.ts names both sides of a message the same way; a pair it reported is this row's.
    const diverges = mismatches.some(
      (m) => m.path.startsWith(`${at}/bot/`) && m.expected === want && m.actual === got,
    );
    return { expected: want && `bot: ${want}`, actual: got && `bot: ${got}`, diverges };
  });
}

function intentRow(
  step: TestStep,
  turn: ObservedTurn | undefined,
  find: (path: string) => Mismatch | undefined,
) {
  if (step.intent === undefined && !turn?.classifications.length) return [];
  const pinned = step.pinned ? ' (pinned)' : '';
  const expected =
    step.intent === undefined
      ? ''
      : `intent: ${expectedAnswers(step.intent).map(describeAnswer).join(', ')}${pinned}`;
  const actual = turn ? `intent: ${describeClassifications(turn)}` : '';
  return [{ expected, actual, diverges: find('/intent') !== undefined }];
}

/** A row whose actual side is the expected one unless compare.ts reported a mismatch for it. */
function checkedRow(
  label: string,
  expected: string,
  turn: ObservedTurn | undefined,
  mismatch: Mismatch | undefined,
): TranscriptRow {
  const actual = mismatch ? mismatch.actual : turn ? expected : '';
  return {
    expected: `${label}${expected}`,
    actual: actual && `${label}${actual}`,
    diverges: mismatch !== undefined,
  };
}

function sentRow(
  step: TestStep,
  turn: ObservedTurn | undefined,
  find: (path: string) => Mismatch | undefined,
) {
  if (step.user === undefined && step.click === undefined) return [];
  const said =
    step.user !== undefined ? `user: ${oneLine(step.user)}` : `click: ${oneLine(step.click ?? '')}`;
  // A step that could not be sent: the conversation had ended, or the click was not offered.
  const blocked = find('') ?? find('/click');
  const actual = blocked ? `(${blocked.actual})` : turn ? said : '';
  return [{ expected: said, actual, diverges: blocked !== undefined }];
}

export function stepRows(outcome: StepOutcome, path: string): TranscriptRow[] {
  const { step, observed: turn, mismatches } = outcome;
  const at = `${path}/steps/${outcome.index}`;
  const find = (suffix: string) => mismatches.find((m) => m.path === `${at}${suffix}`);
  const rows: TranscriptRow[] = [
    ...sentRow(step, turn, find),
    ...(turn || step.bot ? botRows(step, turn, mismatches, at) : []),
    ...intentRow(step, turn, find),
    ...Object.entries(step.vars ?? {}).map(([name, value]) => {
      const mismatch = find(`/vars/${pointerSegment(name)}`);
      return checkedRow('vars: ', `${name} = ${JSON.stringify(value)}`, turn, mismatch);
    }),
    ...(step.at === undefined ? [] : [checkedRow('', `at ${step.at}`, turn, find('/at'))]),
    ...(step.ended === undefined
      ? []
      : [checkedRow('', step.ended ? 'ended' : 'not ended', turn, find('/ended'))]),
  ];
  const [first] = rows;
  if (first) first.step = outcome.index;
  return rows;
}

/** Every row of the conversation: the bot's opening (not checked) first when the first step sends something. */
export function transcriptRows(conversation: ConversationOutcome): TranscriptRow[] {
  const opening = (conversation.opening?.bot ?? []).map(
    (message): TranscriptRow => ({
      expected: '',
      actual: `bot: ${describeMessage(message)}`,
      diverges: false,
    }),
  );
  return [...opening, ...conversation.steps.flatMap((step) => stepRows(step, conversation.path))];
}
