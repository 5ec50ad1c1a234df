/**
 * Benchmark of the offline intent classifier on an intent dataset laid out like Banking77
 * (train.csv / test.csv with columns text,category). Usage:
 *
 *   npm run bench:intent -- ../shared/data/banking77
 *
 * Prints Markdown: accuracy (full data and 10 examples per intent), calibration, no-match behaviour
 * (some intents held out as out-of-scope), training time, classification latency with the dataset's
 * intents and with 150 intents, and the LLM calls the certain-match shortcut would save.
 */

import type { IntentDefinition } from '../src/intent/classifier.ts';
import { DEFAULT_MIN_CONFIDENCE, OfflineIntentClassifier } from '../src/intent/offline/index.ts';
import { predict, trainIntentModel } from '../src/intent/offline/model.ts';
import { calibrationError, fitTemperature, type Scored } from './calibration.ts';
import { firstPerLabel, type LabelledText, loadDataset } from './dataset.ts';
import { markdownTable, percent, percentile } from './report.ts';

const FEW_SHOT = 10;
const HELD_OUT_INTENTS = 10;
const THRESHOLDS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
const TIMING_RUNS = 3;
const TARGET_INTENTS = 150;

const dir = process.argv[2];
if (!dir) {
  console.error('usage: npm run bench:intent -- <dataset dir with train.csv and test.csv>');
  process.exit(2);
}
const benchStarted = performance.now();
const dataset = await loadDataset(dir);
const labels = [...new Set(dataset.train.map((r) => r.label))];

/** The dataset's label, humanised, stands for the intent's description ("card_arrival" → "card arrival"). */
function toIntents(rows: readonly LabelledText[], intentLabels: readonly string[]): IntentDefinition[] {
  const byLabel = new Map<string, string[]>(intentLabels.map((l) => [l, []]));
  for (const row of rows) byLabel.get(row.label)?.push(row.text);
  return intentLabels.map((id) => ({
    id,
    description: id.replaceAll('_', ' '),
    examples: byLabel.get(id) ?? [],
  }));
}

function timed<T>(run: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = run();
  return { value, ms: performance.now() - started };
}

function evaluate(intents: readonly IntentDefinition[], test: readonly LabelledText[]) {
  const { value: model, ms: trainMs } = timed(() => trainIntentModel(intents));
  const index = new Map(intents.map((intent, i) => [intent.id, i]));
  const scored = test.map((row) => {
    const prediction = predict(model, row.text);
    const expected = index.get(row.label);
    return { prediction, inScope: expected !== undefined, correct: prediction.bestIntent === expected };
  });
  return { model, trainMs, scored };
}

type Evaluation = ReturnType<typeof evaluate>;

function accuracy(evaluation: Evaluation): number {
  const inScope = evaluation.scored.filter((s) => s.inScope);
  return inScope.filter((s) => s.correct).length / inScope.length;
}

/** Share of texts answered with the right intent (a rejection counts as wrong). */
function acceptedAccuracy(evaluation: Evaluation, threshold: number): number {
  const inScope = evaluation.scored.filter((s) => s.inScope);
  const accepted = inScope.filter(
    (s) => s.correct && !s.prediction.background && s.prediction.confidence >= threshold,
  );
  return accepted.length / inScope.length;
}

/** Share of out-of-scope texts turned into a no-match. */
function rejection(evaluation: Evaluation, threshold: number): number {
  const outOfScope = evaluation.scored.filter((s) => !s.inScope);
  return (
    outOfScope.filter((s) => s.prediction.background || s.prediction.confidence < threshold).length /
    outOfScope.length
  );
}

const fullIntents = toIntents(dataset.train, labels);
const fewIntents = toIntents(firstPerLabel(dataset.train, FEW_SHOT), labels);
const full = evaluate(fullIntents, dataset.test);
const few = evaluate(fewIntents, dataset.test);
const examplesFull = fullIntents.reduce((n, i) => n + i.examples.length, 0);

// Calibration: the temperature that would minimise the log-loss on a held-out tenth of the training data.
const calibrationIntents = toIntents(
  dataset.train.filter((_, i) => i % 10 !== 0),
  labels,
);
const calibrationModel = trainIntentModel(calibrationIntents);
const heldOutScores: Scored[] = dataset.train
  .filter((_, i) => i % 10 === 0)
  .map((row) => ({ model: calibrationModel, text: row.text, label: labels.indexOf(row.label) }));
const bestTemperature = fitTemperature(heldOutScores);
const testScored = (evaluation: Evaluation) =>
  dataset.test.map((row) => ({ model: evaluation.model, text: row.text, label: labels.indexOf(row.label) }));

// No-match: hold intents out of training; their test texts are out of scope.
const heldOut = new Set(labels.filter((_, i) => i % 7 === 3).slice(0, HELD_OUT_INTENTS));
const inScopeLabels = labels.filter((l) => !heldOut.has(l));
const oosFull = evaluate(toIntents(dataset.train, inScopeLabels), dataset.test);
const oosFew = evaluate(toIntents(firstPerLabel(dataset.train, FEW_SHOT), inScopeLabels), dataset.test);
const balanced = (evaluation: Evaluation, t: number) =>
  (acceptedAccuracy(evaluation, t) + rejection(evaluation, t)) / 2;
const bestThreshold = THRESHOLDS.reduce((best, t) =>
  balanced(oosFull, t) + balanced(oosFew, t) > balanced(oosFull, best) + balanced(oosFew, best) ? t : best,
);

// Training time on the full data, several runs (the machine may be shared).
const trainTimes = [full.trainMs];
for (let run = 1; run < TIMING_RUNS; run++) trainTimes.push(timed(() => trainIntentModel(fullIntents)).ms);

/** 150 intents: the dataset's intents plus copies of the first ones whose examples have their words reversed. */
function widen(intents: readonly IntentDefinition[], target: number): IntentDefinition[] {
  const copies = intents.slice(0, Math.max(0, target - intents.length)).map((intent) => ({
    id: `${intent.id}__reversed`,
    description: intent.description.split(' ').reverse().join(' '),
    examples: intent.examples.map((e) => e.split(' ').reverse().join(' ')),
  }));
  return [...intents, ...copies];
}

async function latencies(intents: IntentDefinition[]) {
  const classifier = new OfflineIntentClassifier();
  const trainMs = timed(() => classifier.prepare(1, [{ blockId: 'b', intents }])).ms;
  const times: number[] = [];
  for (const row of dataset.test) {
    const started = performance.now();
    await classifier.classify({ flowVersion: 1, blockId: 'b', text: row.text, intents });
    times.push(performance.now() - started);
  }
  return { intents: intents.length, trainMs, median: percentile(times, 50), p99: percentile(times, 99) };
}
const latency = [await latencies(fullIntents), await latencies(widen(fullIntents, TARGET_INTENTS))];

// Certain matches: test texts that equal (after normalisation to stems) an example of exactly one intent.
const shortcut = new OfflineIntentClassifier();
let certain = 0;
let certainCorrect = 0;
for (const row of dataset.test) {
  const match = shortcut.certainMatch({ flowVersion: 1, blockId: 'b', text: row.text, intents: fullIntents });
  if (match?.kind !== 'match') continue;
  certain++;
  if (match.intent === row.label) certainCorrect++;
}

const ms = (value: number) => `${value.toFixed(0)} ms`;
const out: string[] = [];
out.push(`### Offline intent classifier on \`${dir}\``, '');
out.push(
  `${labels.length} intents, ${dataset.train.length} training and ${dataset.test.length} test texts; ` +
    `each intent's description is its label with "_" → " ". Node ${process.version}.`,
  '',
);
out.push(
  markdownTable(
    ['measure', 'full data', `${FEW_SHOT}-shot (first ${FEW_SHOT} rows per intent)`],
    [
      ['accuracy (top intent)', percent(accuracy(full)), percent(accuracy(few))],
      [
        `answered right at the default threshold ${DEFAULT_MIN_CONFIDENCE}`,
        percent(acceptedAccuracy(full, DEFAULT_MIN_CONFIDENCE)),
        percent(acceptedAccuracy(few, DEFAULT_MIN_CONFIDENCE)),
      ],
      [
        'expected calibration error (10 bins)',
        calibrationError(testScored(full)).toFixed(3),
        calibrationError(testScored(few)).toFixed(3),
      ],
      [
        'training examples (+ descriptions)',
        String(examplesFull),
        String(fewIntents.reduce((n, i) => n + i.examples.length, 0)),
      ],
      ['training time', ms(full.trainMs), ms(few.trainMs)],
    ],
  ),
  '',
);
out.push(
  `Training on the full data, ${TIMING_RUNS} runs: ${trainTimes.map(ms).join(', ')}. ` +
    `Temperature minimising the log-loss on a held-out tenth of the training data: ${bestTemperature.toFixed(2)} (the model uses 1).`,
  '',
);
out.push(
  `#### No-match: ${heldOut.size} intents held out as out-of-scope`,
  '',
  `Held out: ${[...heldOut].join(', ')}. Trained on the other ${inScopeLabels.length}; "in-scope answered right" counts a rejection as wrong.`,
  '',
);
out.push(
  markdownTable(
    [
      'threshold',
      'in-scope answered right (full)',
      'out-of-scope rejected (full)',
      `in-scope answered right (${FEW_SHOT}-shot)`,
      `out-of-scope rejected (${FEW_SHOT}-shot)`,
    ],
    THRESHOLDS.map((t) => [
      t === DEFAULT_MIN_CONFIDENCE ? `**${t}** (default)` : String(t),
      percent(acceptedAccuracy(oosFull, t)),
      percent(rejection(oosFull, t)),
      percent(acceptedAccuracy(oosFew, t)),
      percent(rejection(oosFew, t)),
    ]),
  ),
  '',
  `Threshold with the best mean of "answered right" and "rejected" over both settings: ${bestThreshold}.`,
  '',
);
out.push(
  '#### Speed',
  '',
  markdownTable(
    ['intents', 'training', 'classification median', 'classification p99'],
    latency.map((l) => [
      String(l.intents),
      ms(l.trainMs),
      `${l.median.toFixed(3)} ms`,
      `${l.p99.toFixed(3)} ms`,
    ]),
  ),
  '',
  `The ${TARGET_INTENTS}-intent set adds copies of the first ${TARGET_INTENTS - labels.length} intents with every example's words in reverse order. Latency is one \`classify()\` call on a trained model, over the ${dataset.test.length} test texts.`,
  '',
);
out.push(
  `#### Certain-match shortcut (\`auto\` mode skips the LLM)`,
  '',
  `${certain} of ${dataset.test.length} test texts (${percent(certain / dataset.test.length)}) are certain matches with the full training data; ${certainCorrect} of them right. Those are the LLM calls it would save on this test set.`,
  '',
  `Bench time: ${((performance.now() - benchStarted) / 1000).toFixed(1)} s.`,
);
console.log(out.join('\n'));
