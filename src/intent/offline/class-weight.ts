/**
 * A supervised term weight, multiplied into idf: how much a feature concentrates on few intents
 * (in the spirit of NB-SVM, Wang & Manning 2012). Idf only knows that "card" is frequent; this
 * knows whether its texts spread over every intent (weight ≈ 1) or sit in one (up to 1 + STRENGTH).
 * weight = 1 + STRENGTH × (1 − H(p) / ln C), where p is the feature's distribution over the C
 * intents of the texts that contain it, smoothed by a pseudo-count proportional to the mean number
 * of texts per intent, so the weights spread alike with 10 or 130 examples per intent.
 * Measured on Banking77 (4 training seeds): +1.4 points at 10 examples per intent, −0.1 with the
 * full data; the max-class probability or its log ratio to 1/C instead of the entropy did less.
 */

/** Largest extra weight, for a feature seen in one intent only. Measured: 4 → +0.8 at 10-shot, 12 costs 0.4 in full. */
const STRENGTH = 8;
/** Pseudo-count per intent, as a share of the mean number of texts per intent. */
const SMOOTHING_SHARE = 0.05;

/** Columns and intent of each training text, as the vectorizer counts them. */
export interface LabelledColumns {
  columns: Int32Array;
  label: number;
}

/**
 * The weight of each of `columnCount` columns. `df[c]` is the number of texts containing column c
 * (each text lists a column once).
 */
export function classConcentrationWeights(
  texts: readonly LabelledColumns[],
  df: Int32Array,
  columnCount: number,
  classCount: number,
): Float32Array {
  const weights = new Float32Array(columnCount).fill(1);
  if (classCount < 2 || texts.length === 0) return weights;
  // Labels of the texts containing each column, grouped by column (a counting sort on df).
  const start = new Int32Array(columnCount + 1);
  for (let c = 0; c < columnCount; c++) start[c + 1] = (start[c] as number) + (df[c] as number);
  const filled = start.slice(0, columnCount);
  const labelsByColumn = new Int32Array(start[columnCount] as number);
  for (const { columns, label } of texts) {
    for (const c of columns) {
      const at = filled[c] as number;
      labelsByColumn[at] = label;
      filled[c] = at + 1;
    }
  }
  const smoothing = (SMOOTHING_SHARE * texts.length) / classCount;
  const maxEntropy = Math.log(classCount);
  const perClass = new Float64Array(classCount);
  const seen: number[] = [];
  for (let c = 0; c < columnCount; c++) {
    const from = start[c] as number;
    const to = start[c + 1] as number;
    seen.length = 0;
    for (let i = from; i < to; i++) {
      const label = labelsByColumn[i] as number;
      if (perClass[label] === 0) seen.push(label);
      perClass[label] = (perClass[label] as number) + 1;
    }
    const total = to - from + classCount * smoothing;
    const unseen = smoothing / total;
    let entropy = unseen > 0 ? -(classCount - seen.length) * unseen * Math.log(unseen) : 0;
    for (const label of seen) {
      const p = ((perClass[label] as number) + smoothing) / total;
      entropy -= p * Math.log(p);
      perClass[label] = 0;
    }
    weights[c] = 1 + STRENGTH * (1 - entropy / maxEntropy);
  }
  return weights;
}
