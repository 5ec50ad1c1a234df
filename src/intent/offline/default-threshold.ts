/**
 * A block's default threshold, derived from its own training texts when the model is trained (at
 * upload): k-fold cross-validation where each fold's model is trained without a share of the texts
 * and without a share of the intents. The held-back texts of kept intents must get their intent;
 * those of held-back intents, and the built-in out-of-scope texts (out-of-scope.ts), must be turned
 * away. The threshold with the most right answers (src/intent/threshold.ts, smoothed over
 * neighbouring thresholds) is the block's default;
 * out-of-scope answers weigh a fixed share of the total, so that the choice does not depend on how
 * many examples the block has. Used when neither the block nor the flow sets `minConfidence`.
 *
 * Time is bounded: the folds see at most `maxTexts` texts and train with a smaller step budget than
 * the block's model. Blocks with too little to cross-validate (fewer than two intents with
 * `folds` texts each) keep the documented fallback.
 */
import { type ScoredAnswer, thresholdCurve } from '../threshold.ts';
import { BUILT_IN_OUT_OF_SCOPE } from './out-of-scope.ts';

/** The threshold when the block's texts are too few to derive one (measured: docs/intent-detection.md, Benchmark). */
export const FALLBACK_MIN_CONFIDENCE = 0.4;

export const DERIVATION = {
  folds: 3,
  /**
   * Texts the folds draw from (taken in turns across intents) and each fold's training steps: on
   * Banking77 the cross-validation then adds about a third to the block's training time. Smaller
   * folds give weaker models, hence lower thresholds: on Banking77 (full data / 10-shot) these
   * choose 0.45 / 0.25, as do 1,500 texts and 4,000 steps; 1,000 and 3,000 chose 0.35 / 0.25;
   * 2,400 and 8,000 (twice the time) 0.6 / 0.3.
   */
  maxTexts: 1_500,
  stepsBudget: 3_000,
  /**
   * Share of the total weight given to out-of-scope answers. Measured on Banking77 (full data /
   * 10-shot; the bench's 10 held-out intents; measured with the plain maximum and 4,000 steps):
   * 0.1 chose 0.2 / 0.2 (91.8% / 76.6% of the test set answered right, 10% / 17% of the held-out
   * intents' texts turned away), 0.15 chose 0.45 / 0.3 (89.8% / 75.9% right, 41% / 32% turned
   * away), 0.25 chose 0.6 / 0.45.
   */
  outOfScopeShare: 0.15,
  /** The thresholds tried: 0.05 to 0.9; never 0, so that a no-match stays possible. */
  candidates: Array.from({ length: 18 }, (_, i) => (i + 1) / 20),
} as const;

export interface DefaultThreshold {
  value: number;
  /** True when derived from the block's texts, false for the fallback. */
  derived: boolean;
}

/** What the derivation needs of a model: trained on texts, it scores a text (featureText not applied). */
export interface FoldModel {
  /** Best intent index, its confidence, and whether the background class won. */
  predict(text: string): { bestIntent: number; confidence: number; background: boolean };
}
export type FoldTrainer = (
  texts: readonly string[],
  labels: readonly number[],
  intentCount: number,
  stepsBudget: number,
) => FoldModel;

/** `perIntent[i]`: normalised training texts of intent i. */
export function deriveDefaultThreshold(
  perIntent: readonly (readonly string[])[],
  train: FoldTrainer,
  options: { outOfScope?: readonly string[] } = {},
): DefaultThreshold {
  const { folds } = DERIVATION;
  const fallback = { value: FALLBACK_MIN_CONFIDENCE, derived: false };
  if (perIntent.filter((texts) => texts.length >= folds).length < 2) return fallback;
  const capped = capInTurns(perIntent, DERIVATION.maxTexts);
  const outOfScope = options.outOfScope ?? BUILT_IN_OUT_OF_SCOPE;
  const inScope: ScoredAnswer[] = [];
  const away: ScoredAnswer[] = [];
  for (let fold = 0; fold < folds; fold++) {
    // Intent i is held back in fold i % folds, but only when at least one other intent stays.
    const heldBack = (intent: number) => intent % folds === fold && perIntent.length > 1;
    const kept: number[] = [];
    capped.forEach((_, intent) => {
      if (!heldBack(intent)) kept.push(intent);
    });
    const texts: string[] = [];
    const labels: number[] = [];
    kept.forEach((intent, label) => {
      (capped[intent] as string[]).forEach((text, j) => {
        if (j % folds !== fold) {
          texts.push(text);
          labels.push(label);
        }
      });
    });
    if (texts.length === 0 || kept.length === 0) continue;
    const model = train(texts, labels, kept.length, DERIVATION.stepsBudget);
    const score = (text: string) => {
      const prediction = model.predict(text);
      return { ...prediction, confidence: prediction.background ? 0 : prediction.confidence };
    };
    capped.forEach((list, intent) => {
      list.forEach((text, j) => {
        if (j % folds !== fold) return;
        const { bestIntent, confidence } = score(text);
        if (heldBack(intent)) away.push({ confidence, rightIntent: false, inScope: false });
        else inScope.push({ confidence, rightIntent: kept[bestIntent] === intent, inScope: true });
      });
    });
    for (const text of outOfScope)
      away.push({ confidence: score(text).confidence, rightIntent: false, inScope: false });
  }
  if (inScope.length === 0 || away.length === 0) return fallback;
  const { outOfScopeShare } = DERIVATION;
  const awayWeight = (outOfScopeShare / (1 - outOfScopeShare)) * (inScope.length / away.length);
  const answers = [...inScope, ...away.map((answer) => ({ ...answer, weight: awayWeight }))];
  return { value: smoothedChoice(answers), derived: true };
}

/**
 * The threshold whose right answers, averaged with its two neighbours', are the most (on a tie the
 * lower): the curve is flat near its top, and the plain maximum moved with the fold settings
 * (Banking77 10-shot: 0.2 or 0.3 where this gives 0.25 for both).
 */
function smoothedChoice(answers: readonly ScoredAnswer[]): number {
  const curve = thresholdCurve(answers, DERIVATION.candidates);
  let best = 0;
  let bestRight = -1;
  curve.forEach((point, i) => {
    const around = curve.slice(Math.max(0, i - 1), i + 2);
    const right = around.reduce((sum, p) => sum + p.right, 0) / around.length;
    if (right > bestRight) {
      best = point.threshold;
      bestRight = right;
    }
  });
  return best;
}

/** At most `max` texts, taken in turns across intents (every intent's first, then every second, …). */
function capInTurns(perIntent: readonly (readonly string[])[], max: number): string[][] {
  const capped: string[][] = perIntent.map(() => []);
  let taken = 0;
  const rounds = perIntent.reduce((longest, list) => Math.max(longest, list.length), 0);
  for (let round = 0; round < rounds && taken < max; round++) {
    perIntent.forEach((list, intent) => {
      const text = list[round];
      if (text === undefined || taken >= max) return;
      (capped[intent] as string[]).push(text);
      taken++;
    });
  }
  return capped;
}
