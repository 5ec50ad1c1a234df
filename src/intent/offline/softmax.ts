/**
 * Multinomial logistic regression (softmax) trained by stochastic gradient descent, with L2
 * regularisation and the weights of the last epochs averaged (Polyak averaging: a steadier model
 * than the last step). Weights are stored feature-major (all classes of one feature side by side),
 * so scoring a sparse text reads a few contiguous runs of memory.
 */

import { seededRandom } from './seeded-random.ts';
import type { SparseVector } from './vectorizer.ts';

export interface SoftmaxOptions {
  epochs: number;
  /** Epochs at the end whose weights are averaged into the model. */
  averagedEpochs: number;
  learningRate: number;
  l2: number;
  /**
   * Share ε of the target moved off the label: the target is 1 − ε for the label and ε / (C − 1)
   * for each other class, so the model stops pushing an already confident example further.
   */
  labelSmoothing?: number;
  seed: number;
}

export interface SoftmaxModel {
  readonly classCount: number;
  readonly weights: Float32Array;
  readonly bias: Float32Array;
}

/** scores ← scale × (W·x) + bias. */
export function scoreInto(model: SoftmaxModel, x: SparseVector, scores: Float64Array, scale = 1): void {
  const C = model.classCount;
  const { weights, bias } = model;
  scores.fill(0);
  for (let j = 0; j < x.indices.length; j++) {
    const base = (x.indices[j] as number) * C;
    const v = x.values[j] as number;
    // Four classes per iteration (each score still sums its terms in the same order).
    let c = 0;
    for (; c + 3 < C; c += 4) {
      const at = base + c;
      scores[c] = (scores[c] as number) + v * (weights[at] as number);
      scores[c + 1] = (scores[c + 1] as number) + v * (weights[at + 1] as number);
      scores[c + 2] = (scores[c + 2] as number) + v * (weights[at + 2] as number);
      scores[c + 3] = (scores[c + 3] as number) + v * (weights[at + 3] as number);
    }
    for (; c < C; c++) scores[c] = (scores[c] as number) + v * (weights[base + c] as number);
  }
  for (let c = 0; c < C; c++) scores[c] = (scores[c] as number) * scale + (bias[c] as number);
}

/** In place: the first `count` scores → probabilities (numerically stable). */
export function softmaxInPlace(scores: Float64Array, temperature = 1, count = scores.length): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < count; c++) if ((scores[c] as number) > max) max = scores[c] as number;
  let sum = 0;
  for (let c = 0; c < count; c++) {
    const e = Math.exp(((scores[c] as number) - max) / temperature);
    scores[c] = e;
    sum += e;
  }
  for (let c = 0; c < count; c++) scores[c] = (scores[c] as number) / sum;
}

function shuffle(order: Int32Array, random: () => number): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
}

/** Below this, a class's gradient is skipped: most classes soon have p ≈ 0 for most texts. */
const GRADIENT_FLOOR = 1e-3;

/**
 * Sum of the weights at the end of the averaged epochs, in float32 (a few values of similar size
 * add up without losing precision that matters): training holds two weight arrays, not three
 * times their size as a float64 sum would. The mean is written into the sum's own array.
 */
class Averager {
  private readonly weights: Float32Array;
  private readonly bias: Float64Array;
  private count = 0;

  constructor(size: number, classCount: number) {
    this.weights = new Float32Array(size);
    this.bias = new Float64Array(classCount);
  }

  add(weights: Float32Array, scale: number, bias: Float32Array): void {
    const sum = this.weights;
    for (let k = 0; k < weights.length; k++) sum[k] = (sum[k] as number) + (weights[k] as number) * scale;
    for (let c = 0; c < bias.length; c++) this.bias[c] = (this.bias[c] as number) + (bias[c] as number);
    this.count++;
  }

  /** The averaged weights (the sum's array, divided in place) and biases. */
  mean(): { weights: Float32Array; bias: Float32Array } {
    const { weights, count } = this;
    for (let k = 0; k < weights.length; k++) weights[k] = (weights[k] as number) / count;
    return { weights, bias: Float32Array.from(this.bias, (sum) => sum / count) };
  }
}

/** Up to this many classes (the most probable ones) are scored for an example after a full pass. */
const CANDIDATE_CLASSES = 12;
/** Candidates are used when examples × classes is over this: smaller sets train fast enough in full. */
const CANDIDATES_ABOVE = 200_000;

/** The `count` best-scoring classes, with `label` always among them. */
function topClasses(scores: Float64Array, label: number, count: number, into: Int32Array): void {
  let filled = 0;
  for (let c = 0; c < scores.length; c++) {
    const s = scores[c] as number;
    if (filled === count && s <= (scores[into[filled - 1] as number] as number)) continue;
    let at = filled < count ? filled++ : filled - 1;
    while (at > 0 && (scores[into[at - 1] as number] as number) < s) {
      into[at] = into[at - 1] as number;
      at--;
    }
    into[at] = c;
  }
  if (!into.includes(label)) into[count - 1] = label;
}

export function trainSoftmax(
  xs: readonly SparseVector[],
  labels: Int32Array,
  classCount: number,
  columnCount: number,
  options: SoftmaxOptions,
): SoftmaxModel {
  const C = classCount;
  const weights = new Float32Array(columnCount * C);
  const bias = new Float32Array(C);
  const model = { classCount, weights, bias };
  const allClasses = Int32Array.from({ length: C }, (_, c) => c);
  // After a full pass, an example's gradient is almost all in its few most probable classes: later
  // epochs score and update only those (measured on Banking77: same accuracy, training twice as fast).
  const candidateCount = Math.min(C, CANDIDATE_CLASSES);
  const useCandidates = C > 2 * candidateCount && xs.length * C > CANDIDATES_ABOVE;
  const candidates = useCandidates ? new Int32Array(xs.length * candidateCount) : undefined;
  const scores = new Float64Array(C);
  const active = new Int32Array(C);
  const deltas = new Float64Array(C);
  const order = Int32Array.from(xs.keys());
  const random = seededRandom(options.seed);
  const averager = options.averagedEpochs > 1 ? new Averager(weights.length, C) : undefined;
  // L2 by the scaling trick: true weights = scale × stored weights, so the decay costs O(1) per step.
  let scale = 1;
  const smoothing = options.labelSmoothing ?? 0;
  const labelTarget = 1 - smoothing;
  const otherTarget = C > 1 ? smoothing / (C - 1) : 0;
  const total = options.epochs * xs.length;
  let step = 0;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffle(order, random);
    const fullPass = !candidates || epoch === 0;
    for (const i of order) {
      const x = xs[i] as SparseVector;
      const label = labels[i] as number;
      const lr = options.learningRate * (1 - step / total) + 1e-4;
      step++;
      // An empty vector (the background's examples) costs nothing to score: always in full.
      const classes =
        fullPass || x.indices.length === 0
          ? allClasses
          : (candidates as Int32Array).subarray(i * candidateCount, (i + 1) * candidateCount);
      const K = classes.length;
      if (classes === allClasses) scoreInto(model, x, scores, scale);
      else {
        for (let k = 0; k < K; k++) scores[k] = 0;
        for (let j = 0; j < x.indices.length; j++) {
          const base = (x.indices[j] as number) * C;
          const v = x.values[j] as number;
          for (let k = 0; k < K; k++)
            scores[k] = (scores[k] as number) + v * (weights[base + (classes[k] as number)] as number);
        }
        for (let k = 0; k < K; k++)
          scores[k] = (scores[k] as number) * scale + (bias[classes[k] as number] as number);
      }
      if (fullPass && candidates)
        topClasses(
          scores,
          label,
          candidateCount,
          candidates.subarray(i * candidateCount, (i + 1) * candidateCount),
        );
      softmaxInPlace(scores, 1, K);
      scale *= 1 - lr * options.l2;
      const stepSize = lr / scale;
      let activeCount = 0;
      for (let k = 0; k < K; k++) {
        const c = classes[k] as number;
        const g = (scores[k] as number) - (c === label ? labelTarget : otherTarget);
        if (g > -GRADIENT_FLOOR && g < GRADIENT_FLOOR) continue;
        bias[c] = (bias[c] as number) - lr * g;
        active[activeCount] = c;
        deltas[activeCount] = stepSize * g;
        activeCount++;
      }
      for (let j = 0; j < x.indices.length; j++) {
        const base = (x.indices[j] as number) * C;
        const v = x.values[j] as number;
        for (let a = 0; a < activeCount; a++) {
          const at = base + (active[a] as number);
          weights[at] = (weights[at] as number) - (deltas[a] as number) * v;
        }
      }
      if (scale < 1e-6) {
        for (let k = 0; k < weights.length; k++) weights[k] = (weights[k] as number) * scale;
        scale = 1;
      }
    }
    if (averager && epoch >= options.epochs - options.averagedEpochs) averager.add(weights, scale, bias);
  }
  if (averager) return { classCount, ...averager.mean() };
  if (scale !== 1) for (let k = 0; k < weights.length; k++) weights[k] = (weights[k] as number) * scale;
  return model;
}
