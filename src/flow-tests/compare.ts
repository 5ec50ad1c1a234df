/**
 * Expected against observed, one step at a time. A mismatch names the JSON pointer of the expectation
 * in the test file and both sides as short text, so the report can show them side by side.
 */
import { RE2JS } from 're2js';
import type { BotExpectation, IntentAnswer, TestStep } from './format.ts';
import type { ObservedMessage, ObservedTurn } from './observed.ts';

export interface Mismatch {
  /** The JSON pointer of the expectation, in the test file. */
  path: string;
  expected: string;
  actual: string;
}

export const describeAnswer = (answer: IntentAnswer): string => (answer === null ? '(no match)' : answer);

export function describeMessage(message: ObservedMessage): string {
  const options = message.options?.length ? ` [${message.options.join(' | ')}]` : '';
  return `${JSON.stringify(message.text)}${options}`;
}

export function describeExpectation(expected: BotExpectation): string {
  if (typeof expected === 'string') return JSON.stringify(expected);
  const options = expected.options ? ` [${expected.options.join(' | ')}]` : '';
  return 'matches' in expected
    ? `/${expected.matches}/${options}`
    : `${JSON.stringify(expected.text)}${options}`;
}

function sameOptions(
  expected: readonly string[] | undefined,
  actual: readonly string[] | undefined,
): boolean {
  if (expected === undefined) return true;
  const got = actual ?? [];
  return expected.length === got.length && expected.every((option, i) => option === got[i]);
}

/** RE2 (linear time), `find` semantics: `^Sorry` is anchored by its author, `Sorry` matches anywhere. */
function matchesPattern(source: string, text: string): boolean {
  return RE2JS.compile(source).matcher(text).find();
}

function messageMatches(expected: BotExpectation, actual: ObservedMessage): boolean {
  if (typeof expected === 'string') return expected === actual.text;
  const text =
    'matches' in expected ? matchesPattern(expected.matches, actual.text) : expected.text === actual.text;
  return text && sameOptions(expected.options, actual.options);
}

function botMismatches(
  expected: readonly BotExpectation[],
  actual: readonly ObservedMessage[],
  at: string,
): Mismatch[] {
  const mismatches: Mismatch[] = [];
  const longest = Math.max(expected.length, actual.length);
  for (let i = 0; i < longest; i += 1) {
    const want = expected[i];
    const got = actual[i];
    if (want !== undefined && got !== undefined && messageMatches(want, got)) continue;
    mismatches.push({
      path: `${at}/bot/${Math.min(i, Math.max(expected.length - 1, 0))}`,
      expected: want === undefined ? '(no further message)' : describeExpectation(want),
      actual: got === undefined ? '(no further message)' : describeMessage(got),
    });
  }
  return mismatches;
}

/** The answers a step expects, one per classification of the turn. */
export const expectedAnswers = (expected: IntentAnswer | readonly IntentAnswer[]): IntentAnswer[] =>
  Array.isArray(expected) ? [...expected] : [expected as IntentAnswer];

/** The turn's classifications as the report shows them: `weather, (no match)`. */
export function describeClassifications(turn: ObservedTurn): string {
  const got = turn.classifications.map((c) => (c.error ? `(error ${c.error})` : describeAnswer(c.answer)));
  return got.length === 0 ? '(no intent block reached)' : got.join(', ');
}

function intentMismatch(expected: TestStep['intent'], turn: ObservedTurn, at: string): Mismatch[] {
  if (expected === undefined) return [];
  const want = expectedAnswers(expected).map(describeAnswer).join(', ');
  const got = describeClassifications(turn);
  return want === got ? [] : [{ path: `${at}/intent`, expected: want, actual: got }];
}

/** A name as one JSON pointer segment (RFC 6901: `~` as `~0`, `/` as `~1`). */
export const pointerSegment = (name: string) => name.replaceAll('~', '~0').replaceAll('/', '~1');

function varsMismatches(expected: TestStep['vars'], turn: ObservedTurn, at: string): Mismatch[] {
  return Object.entries(expected ?? {}).flatMap(([name, value]) => {
    const actual = Object.hasOwn(turn.vars, name) ? turn.vars[name] : undefined;
    if (actual === value) return [];
    return [
      {
        path: `${at}/vars/${pointerSegment(name)}`,
        expected: `${name} = ${JSON.stringify(value)}`,
        actual: actual === undefined ? `${name} unset` : `${name} = ${JSON.stringify(actual)}`,
      },
    ];
  });
}

/** Everything the step expects that the turn did not do; empty when the step passes. */
export function compareStep(step: TestStep, turn: ObservedTurn, at: string): Mismatch[] {
  const mismatches = [
    ...(step.bot ? botMismatches(step.bot, turn.bot, at) : []),
    ...intentMismatch(step.intent, turn, at),
    ...varsMismatches(step.vars, turn, at),
  ];
  if (step.at !== undefined && step.at !== turn.at) {
    mismatches.push({
      path: `${at}/at`,
      expected: `at ${step.at}`,
      actual: turn.ended ? 'ended' : `at ${turn.at ?? '(no block)'}`,
    });
  }
  if (step.ended !== undefined && step.ended !== turn.ended) {
    mismatches.push({
      path: `${at}/ended`,
      expected: step.ended ? 'ended' : 'not ended',
      actual: turn.ended ? 'ended' : `not ended (at ${turn.at ?? '(no block)'})`,
    });
  }
  return mismatches;
}
