/**
 * Thresholds from labelled answers: how many answers are right at each threshold, and which threshold
 * to choose. Used by `chatflow eval` and to derive a block's default threshold at upload.
 *
 * An answer is right at threshold t when the classifier's best guess was the right intent and its
 * confidence is at least t (an in-scope message), or when the message is out of scope and the
 * confidence is under t (the bot says it did not understand). Everything else is wrong: a right guess
 * turned away counts as much as a wrong guess let through.
 */

export interface ScoredAnswer {
  /** The confidence of the classifier's best guess, in [0, 1]. */
  confidence: number;
  /** The best guess was the expected intent (always false out of scope). */
  rightIntent: boolean;
  /** False for a message that belongs to no intent (any match is wrong). */
  inScope: boolean;
  /** How much this answer counts (default 1): e.g. to give out-of-scope messages a set share. */
  weight?: number;
}

export interface CurvePoint {
  threshold: number;
  /** Share of all answers (by weight) that are right at this threshold. */
  right: number;
  /** Share of all answers (by weight) turned away (a no-match) at this threshold. */
  rejected: number;
}

/** 0, 0.05, …, 0.95: the thresholds tried. */
export const CANDIDATE_THRESHOLDS: readonly number[] = Array.from({ length: 20 }, (_, i) => i / 20);

const isRight = (answer: ScoredAnswer, threshold: number): boolean =>
  answer.inScope ? answer.rightIntent && answer.confidence >= threshold : answer.confidence < threshold;

export function thresholdCurve(
  answers: readonly ScoredAnswer[],
  thresholds: readonly number[] = CANDIDATE_THRESHOLDS,
): CurvePoint[] {
  const weightOf = (answer: ScoredAnswer) => answer.weight ?? 1;
  const sum = (keep: (answer: ScoredAnswer) => boolean) =>
    answers.reduce((total, answer) => (keep(answer) ? total + weightOf(answer) : total), 0);
  const total = sum(() => true) || 1;
  return thresholds.map((threshold) => ({
    threshold,
    right: sum((answer) => isRight(answer, threshold)) / total,
    rejected: sum((answer) => answer.confidence < threshold) / total,
  }));
}

/** The threshold with the most right answers; on a tie the lower one (fewer users turned away). */
export function chooseThreshold(
  answers: readonly ScoredAnswer[],
  thresholds: readonly number[] = CANDIDATE_THRESHOLDS,
): number {
  let best = thresholds[0] ?? 0;
  let bestRight = -1;
  for (const point of thresholdCurve(answers, thresholds)) {
    if (point.right > bestRight) {
      best = point.threshold;
      bestRight = point.right;
    }
  }
  return best;
}
