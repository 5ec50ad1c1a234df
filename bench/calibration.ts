/** Calibration measures: does a confidence of 0.8 mean right 80% of the time? */
import { classProbabilities, type IntentModel, predict } from '../src/intent/offline/model.ts';

export interface Scored {
  model: IntentModel;
  text: string;
  /** Index of the right intent in the model's intents. */
  label: number;
}

/** Expected calibration error over equal-width confidence bins. */
export function calibrationError(items: readonly Scored[], bins = 10, temperature?: number): number {
  const count = new Float64Array(bins);
  const confidence = new Float64Array(bins);
  const correct = new Float64Array(bins);
  for (const item of items) {
    const p = predict(item.model, item.text, temperature);
    const bin = Math.min(bins - 1, Math.floor(p.confidence * bins));
    count[bin] = (count[bin] as number) + 1;
    confidence[bin] = (confidence[bin] as number) + p.confidence;
    if (p.bestIntent === item.label) correct[bin] = (correct[bin] as number) + 1;
  }
  let error = 0;
  for (let b = 0; b < bins; b++) {
    const n = count[b] as number;
    if (n > 0)
      error += (n / items.length) * Math.abs((confidence[b] as number) / n - (correct[b] as number) / n);
  }
  return error;
}

/** The softmax temperature (on a grid) with the lowest log-loss of the right intent. */
export function fitTemperature(items: readonly Scored[]): number {
  let best = 1;
  let bestLoss = Number.POSITIVE_INFINITY;
  for (let t = 0.05; t <= 3.001; t += 0.05) {
    let loss = 0;
    for (const item of items) {
      loss -= Math.log(Math.max(classProbabilities(item.model, item.text, t)[item.label] ?? 0, 1e-9));
    }
    if (loss < bestLoss) {
      bestLoss = loss;
      best = t;
    }
  }
  return best;
}
