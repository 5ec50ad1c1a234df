/**
 * An intent model: TF-IDF features + a softmax over the block's intents and one extra "background"
 * class. The background class is trained on empty vectors, so it wins when a text has little known
 * evidence (mostly words never seen in any intent): out-of-scope text falls to it or under the
 * threshold instead of being forced onto the closest intent. With one intent, it is what makes a
 * no-match possible at all.
 */
import type { IntentDefinition } from '../../engine/index.ts';
import {
  type DefaultThreshold,
  deriveDefaultThreshold,
  FALLBACK_MIN_CONFIDENCE,
} from './default-threshold.ts';
import { OFFLINE_LIMITS, type OfflineLimits } from './limits.ts';
import { featureText, tokenize } from './normalize.ts';
import { type SoftmaxModel, scoreInto, softmaxInPlace, trainSoftmax } from './softmax.ts';
import { buildSpellingVocabulary, correctSpelling, type SpellingVocabulary } from './spelling.ts';
import { relatedWords } from './synonyms.ts';
import { fitTransform, type SparseVector, type Vectorizer, vectorize } from './vectorizer.ts';

/** Training settings, chosen on Banking77 (docs/intent-detection.md). */
export const TRAINING = {
  /** 2 with the supervised term weights (class-weight.ts): +0.1 point over 1 in both settings (4 seeds). */
  learningRate: 2,
  l2: 1e-5,
  /**
   * Epochs grow as the data shrinks (few examples need more passes), within these bounds. 3 only
   * changes sets of over 13,333 texts (Banking77 gets 4): on 500 synthetic intents × 40 examples,
   * same accuracy as 4 (96.6% / 96.5% held out) for a quarter less training time.
   */
  minEpochs: 3,
  maxEpochs: 20,
  stepsBudget: 40_000,
  /**
   * Steps at least, whatever maxEpochs says: a block of a few texts (intents with only a description)
   * would otherwise stop long before its weights leave zero. Changes only blocks of under 100 texts.
   */
  minSteps: 2_000,
  /**
   * Empty vectors labelled "background", per intent (at least one). More makes the background win
   * more often: at 1, "travel offers please" fell to it in the built-in 3-intent travel flow.
   */
  backgroundPerIntent: 0.3,
  /**
   * Share of the example-count prior taken out of the learnt biases: an intent is not more likely
   * because its author wrote more examples (measured on Banking77: +0.15 point over 4 seeds at 0.25;
   * 1, a full correction, costs 0.4).
   */
  priorDiscount: 0.25,
  /**
   * Share of the target probability moved off the right intent (label smoothing). Measured over 4
   * seeds on Banking77: +0.3 point with the full data, +0.1 at 10-shot at 0.03; 0.1 costs 1.3 in full.
   */
  labelSmoothing: 0.03,
  seed: 1,
} as const;

/**
 * Softmax temperature applied at prediction time, so that confidence ≈ probability of being right.
 * The temperature with the lowest log-loss on held-out Banking77 training rows was 0.6 with the full
 * data and with 5 or 10 examples per intent (0.65 with 30); at 0.6 the expected calibration error on
 * the test set is 0.02 (full) and 0.05 (10-shot), against 0.15 and 0.21 at 1 (without it the model
 * is underconfident: averaged weights, few epochs, and the background class's share).
 */
export const CONFIDENCE_TEMPERATURE = 0.6;

export interface IntentModel {
  readonly intentIds: readonly string[];
  readonly vectorizer: Vectorizer;
  /** classCount = intentIds.length + 1; the last class is the background. */
  readonly softmax: SoftmaxModel;
  /** The training texts' words, for spelling correction (spelling.ts). */
  readonly spelling: SpellingVocabulary;
  /** The threshold used when neither the block nor the flow sets `minConfidence` (default-threshold.ts). */
  readonly defaultThreshold: DefaultThreshold;
}

/** The model's typed arrays, each owning its whole buffer (the training worker transfers them). */
export function modelArrays(model: IntentModel): (Float32Array | Int32Array)[] {
  const { softmax, vectorizer, spelling } = model;
  return [softmax.weights, softmax.bias, vectorizer.ids, vectorizer.idf, spelling.hashes, spelling.counts];
}

export interface Prediction {
  /** Index into intentIds of the most probable intent (even when the background wins). */
  bestIntent: number;
  /** Probability of that intent, in [0, 1]. */
  confidence: number;
  /** True when the background class is more probable than every intent. */
  background: boolean;
}

/** Intents with fewer examples than this get their description expanded (see textsOf). */
const FEW_EXAMPLES = 3;

/**
 * Description, then examples, of one intent: normalised, without empties or repeats. An intent with
 * fewer than FEW_EXAMPLES examples also gets the words related to its description's (synonyms.ts),
 * one text each: "Give me the weather" brings "forecast", "rain", "sunny", … so that a message that
 * uses them is not read as out of scope. `expand: false`: the author's texts only.
 */
export function textsOf(
  intent: IntentDefinition,
  limits: OfflineLimits = OFFLINE_LIMITS,
  expand = true,
): string[] {
  const texts = new Set<string>();
  const description = featureText(intent.description);
  const examples = (intent.examples ?? []).slice(0, limits.maxExamplesPerIntent);
  const expansion = expand && examples.length < FEW_EXAMPLES ? relatedWords(tokenize(description)) : [];
  for (const text of [description, ...expansion, ...examples]) {
    const normalized = featureText(text);
    if (normalized !== '') texts.add(normalized);
  }
  return [...texts];
}

/**
 * The training texts of all intents, at most limits.maxTrainingExamples, taken in turns (every
 * intent's first text, then every second one, ...) so that a large intent cannot crowd out the others.
 */
export function trainingTexts(
  intents: readonly IntentDefinition[],
  limits: OfflineLimits = OFFLINE_LIMITS,
): { texts: string[]; labels: number[] } {
  return inTurns(
    intents.map((intent) => textsOf(intent, limits)),
    limits.maxTrainingExamples,
  );
}

function inTurns(
  perIntent: readonly (readonly string[])[],
  max: number,
): { texts: string[]; labels: number[] } {
  const rounds = perIntent.reduce((longest, list) => Math.max(longest, list.length), 0);
  const texts: string[] = [];
  const labels: number[] = [];
  for (let round = 0; round < rounds && texts.length < max; round++) {
    perIntent.forEach((list, label) => {
      const text = list[round];
      if (text === undefined || texts.length >= max) return;
      texts.push(text);
      labels.push(label);
    });
  }
  return { texts, labels };
}

export function trainIntentModel(
  intents: readonly IntentDefinition[],
  limits: OfflineLimits = OFFLINE_LIMITS,
): IntentModel {
  const perIntent = intents.map((intent) => textsOf(intent, limits));
  const { texts, labels } = inTurns(perIntent, limits.maxTrainingExamples);
  const intentIds = intents.map((i) => i.id);
  const model = trainOn(texts, labels, intentIds, limits, TRAINING.stepsBudget);
  // Derived from the author's texts only: related words are one-word texts, no sample of messages.
  const authored = intents.map((intent) => textsOf(intent, limits, false));
  const defaultThreshold = deriveDefaultThreshold(authored, (foldTexts, foldLabels, intentCount, steps) => {
    const foldModel = trainOn(foldTexts, foldLabels, intentIds.slice(0, intentCount), limits, steps);
    return { predict: (text) => predict(foldModel, text) };
  });
  return { ...model, defaultThreshold };
}

/** A model of `intentIds` trained on normalised texts (labels index intentIds), with `stepsBudget` SGD steps. */
function trainOn(
  texts: readonly string[],
  textLabels: readonly number[],
  intentIds: readonly string[],
  limits: OfflineLimits,
  stepsBudget: number,
): IntentModel {
  const labels = [...textLabels];
  const intentCount = intentIds.length;
  const spelling = buildSpellingVocabulary(texts);
  const maxColumns = Math.floor(limits.maxModelWeights / (intentCount + 1));
  const { vectorizer, vectors: xs } = fitTransform(texts, maxColumns, { labels, classCount: intentCount });
  const background = intentCount;
  const empty: SparseVector = { indices: new Int32Array(0), values: new Float32Array(0) };
  const backgroundCount = Math.max(1, Math.round(intentCount * TRAINING.backgroundPerIntent));
  for (let i = 0; i < backgroundCount; i++) {
    xs.push(empty);
    labels.push(background);
  }
  const perText = (steps: number) => Math.ceil(steps / Math.max(1, xs.length));
  const epochs = Math.max(
    Math.min(TRAINING.maxEpochs, Math.max(TRAINING.minEpochs, perText(stepsBudget))),
    perText(TRAINING.minSteps),
  );
  const softmax = trainSoftmax(xs, Int32Array.from(labels), intentCount + 1, vectorizer.columnCount, {
    epochs,
    averagedEpochs: Math.ceil(epochs / 2),
    learningRate: TRAINING.learningRate,
    l2: TRAINING.l2,
    labelSmoothing: TRAINING.labelSmoothing,
    seed: TRAINING.seed,
  });
  discountPrior(softmax.bias, labels, intentCount);
  const defaultThreshold = { value: FALLBACK_MIN_CONFIDENCE, derived: false };
  return { intentIds: [...intentIds], vectorizer, softmax, spelling, defaultThreshold };
}

/** bias[c] -= priorDiscount × ln(texts of c / mean texts per intent), for the intents (not the background). */
function discountPrior(bias: Float32Array, labels: readonly number[], intentCount: number): void {
  const counts = new Float64Array(intentCount);
  for (const label of labels) if (label < intentCount) counts[label] = (counts[label] as number) + 1;
  const mean = counts.reduce((sum, n) => sum + n, 0) / intentCount;
  for (let c = 0; c < intentCount; c++) {
    const n = counts[c] as number;
    if (n > 0) bias[c] = (bias[c] as number) - TRAINING.priorDiscount * Math.log(n / mean);
  }
}

export function vectorizeText(model: IntentModel, text: string): SparseVector {
  return vectorize(model.vectorizer, correctSpelling(model.spelling, featureText(text)));
}

/** Probability of each intent, then of the background class (last). */
export function classProbabilities(
  model: IntentModel,
  text: string,
  temperature = CONFIDENCE_TEMPERATURE,
): Float64Array {
  const probabilities = new Float64Array(model.softmax.classCount);
  scoreInto(model.softmax, vectorizeText(model, text), probabilities);
  softmaxInPlace(probabilities, temperature);
  return probabilities;
}

export function predict(model: IntentModel, text: string, temperature = CONFIDENCE_TEMPERATURE): Prediction {
  const probabilities = classProbabilities(model, text, temperature);
  const background = model.intentIds.length;
  let bestIntent = 0;
  for (let c = 1; c < background; c++) {
    if ((probabilities[c] as number) > (probabilities[bestIntent] as number)) bestIntent = c;
  }
  const confidence = probabilities[bestIntent] as number;
  return { bestIntent, confidence, background: (probabilities[background] as number) > confidence };
}
