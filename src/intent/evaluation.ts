/**
 * How well an intent block understands labelled texts (`chatflow eval`): accuracy at the block's
 * threshold, precision and recall per intent, the confusions that cost most, the threshold curve and
 * the threshold to choose. Pure: it reads the classifier's answers, never calls one.
 *
 * A text is labelled with the intent it should get, or with none (out of scope: the bot should say it
 * did not understand). At a threshold, the server's outcome is the intent of a match whose confidence
 * reaches it, else a no-match; a provider error is its own outcome, always wrong.
 */
import { type CurvePoint, chooseThreshold, type ScoredAnswer, thresholdCurve } from './threshold.ts';

/** The outcome label of a no-match (intent ids match ^[A-Za-z0-9_.:-]+$, so no intent is called this). */
export const NO_MATCH = '(no match)';
/** The outcome label of a provider error. */
export const ERROR = '(error)';

/** What a classifier answered (the engine's Classification fits it). */
export type Answer =
  | { kind: 'match'; intent: string; confidence: number; defaultMinConfidence?: number }
  | { kind: 'no_match'; confidence?: number }
  | { kind: 'error'; code: string };

export interface LabelledAnswer {
  /** The intent the text should get; null when it is out of scope (a no-match is right). */
  expected: string | null;
  answer: Answer;
}

/** The block's threshold, as the engine takes it: `minConfidence` (block, else flow), else the answer's provider default. */
export interface ThresholdSetting {
  /** The block's `minConfidence`, else the flow's `settings.intent.minConfidence`. */
  minConfidence?: number;
  /** The default of the provider expected to answer; an answer's own `defaultMinConfidence` wins. */
  providerDefault: number;
}

/** `count` of `of`; the share is count / of (undefined when `of` is 0). */
export interface Ratio {
  count: number;
  of: number;
}

export interface IntentScore {
  intent: string;
  /** Of the texts that got this intent, how many should have. */
  precision: Ratio;
  /** Of the texts that should get this intent, how many did. */
  recall: Ratio;
}

export interface Confusion {
  /** An intent id, or NO_MATCH for an out-of-scope text. */
  expected: string;
  /** An intent id, NO_MATCH or ERROR. */
  got: string;
  count: number;
}

export interface CurveRow extends CurvePoint {
  /** The same figures as counts of `Evaluation.scored`. */
  rightCount: number;
  rejectedCount: number;
}

export interface Evaluation {
  /** The threshold shown: minConfidence, else the provider default. */
  threshold: number;
  rows: number;
  inScope: number;
  outOfScope: number;
  errors: number;
  /** Texts whose outcome at the block's threshold is the expected one (an out-of-scope text: a no-match). */
  accuracy: Ratio;
  /** Every intent of the block, in the block's order, then NO_MATCH (out-of-scope texts). */
  perIntent: IntentScore[];
  /** Wrong outcomes by (expected, got), most frequent first; at most `maxConfusions`. */
  confusions: Confusion[];
  /** Answers in the curve: every row but the provider errors. */
  scored: number;
  curve: CurveRow[];
  /** The curve's figures at the block's threshold (every answer held to it). */
  atThreshold: CurveRow;
  chosenThreshold: number;
}

export const EVALUATION_DEFAULTS = { maxConfusions: 10 } as const;

/** Under every threshold: a no-match stays one at any threshold. */
const NEVER_ACCEPTED = -1;

/** The server's outcome for one answer at the block's threshold: an intent id, NO_MATCH or ERROR. */
export function outcomeOf(answer: Answer, setting: ThresholdSetting): string {
  if (answer.kind === 'error') return ERROR;
  if (answer.kind === 'no_match') return NO_MATCH;
  const threshold = setting.minConfidence ?? answer.defaultMinConfidence ?? setting.providerDefault;
  return answer.confidence >= threshold ? answer.intent : NO_MATCH;
}

/** The answer as thresholdCurve reads it; undefined for a provider error (no confidence to compare). */
export function scoredAnswer({ expected, answer }: LabelledAnswer): ScoredAnswer | undefined {
  if (answer.kind === 'error') return undefined;
  const inScope = expected !== null;
  if (answer.kind === 'no_match') return { confidence: NEVER_ACCEPTED, rightIntent: false, inScope };
  return { confidence: answer.confidence, rightIntent: inScope && answer.intent === expected, inScope };
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

export function evaluate(
  rows: readonly LabelledAnswer[],
  intents: readonly string[],
  setting: ThresholdSetting,
  options: { maxConfusions?: number; thresholds?: readonly number[] } = {},
): Evaluation {
  const outcomes = rows.map((row) => ({
    expected: row.expected ?? NO_MATCH,
    got: outcomeOf(row.answer, setting),
  }));
  const right = outcomes.filter((o) => o.expected === o.got).length;
  const expectedCounts = countBy(outcomes, (o) => o.expected);
  const gotCounts = countBy(outcomes, (o) => o.got);
  const rightCounts = countBy(
    outcomes.filter((o) => o.expected === o.got),
    (o) => o.got,
  );
  const score = (label: string): IntentScore => ({
    intent: label,
    precision: { count: rightCounts.get(label) ?? 0, of: gotCounts.get(label) ?? 0 },
    recall: { count: rightCounts.get(label) ?? 0, of: expectedCounts.get(label) ?? 0 },
  });

  const pairs = countBy(
    outcomes.filter((o) => o.expected !== o.got),
    (o) => JSON.stringify([o.expected, o.got]),
  );
  const confusions = [...pairs]
    .map(([key, count]) => {
      const [expected, got] = JSON.parse(key) as [string, string];
      return { expected, got, count };
    })
    .sort(
      (a, b) =>
        b.count - a.count || a.expected.localeCompare(b.expected, 'en') || a.got.localeCompare(b.got, 'en'),
    )
    .slice(0, options.maxConfusions ?? EVALUATION_DEFAULTS.maxConfusions);

  const scored = rows.flatMap((row) => scoredAnswer(row) ?? []);
  const thresholds = options.thresholds;
  const withCounts = (point: CurvePoint): CurveRow => ({
    ...point,
    rightCount: Math.round(point.right * scored.length),
    rejectedCount: Math.round(point.rejected * scored.length),
  });
  const threshold = setting.minConfidence ?? setting.providerDefault;
  const outOfScope = rows.filter((row) => row.expected === null).length;
  return {
    threshold,
    rows: rows.length,
    inScope: rows.length - outOfScope,
    outOfScope,
    errors: gotCounts.get(ERROR) ?? 0,
    accuracy: { count: right, of: rows.length },
    perIntent: [...intents.map(score), score(NO_MATCH)],
    confusions,
    scored: scored.length,
    curve: thresholdCurve(scored, thresholds).map(withCounts),
    atThreshold: withCounts(thresholdCurve(scored, [threshold])[0] as CurvePoint),
    chosenThreshold: chooseThreshold(scored, thresholds),
  };
}
