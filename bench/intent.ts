/**
 * Benchmark of the offline intent classifier on an intent dataset laid out like Banking77
 * (train.csv / test.csv with columns text,category). Usage:
 *
 *   npm run bench:intent -- <path to Banking77: train.csv and test.csv>
 *
 * Prints Markdown: accuracy (full data and 10 examples per intent), calibration, no-match behaviour
 * (intents held out as out-of-scope, and out-of-domain texts), training time, classification latency
 * with the dataset's intents and with 150 intents, and the LLM calls the certain-match shortcut saves.
 */
import { loadavg } from 'node:os';
import type { IntentDefinition } from '../src/engine/index.ts';
import { DEFAULT_MIN_CONFIDENCE, OfflineIntentClassifier } from '../src/intent/offline/index.ts';
import {
  CONFIDENCE_TEMPERATURE,
  type IntentModel,
  predict,
  trainIntentModel,
} from '../src/intent/offline/model.ts';
import { calibrationError, fitTemperature } from './calibration.ts';
import { firstPerLabel, type LabelledText, loadDataset } from './dataset.ts';
import { OUT_OF_DOMAIN_TEXTS } from './out-of-domain.ts';
import { markdownTable, percent, percentile } from './report.ts';

const FEW_SHOT = 10;
const HELD_OUT_INTENTS = 10;
const THRESHOLDS = [0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
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
const fewShotRows = firstPerLabel(dataset.train, FEW_SHOT);

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

/** Wall-clock and CPU time of a synchronous run (the machine may be shared: CPU time is the steadier). */
function timed<T>(run: () => T): { value: T; ms: number; cpuMs: number } {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = run();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { value, ms, cpuMs: (used.user + used.system) / 1000 };
}

interface Scored {
  inScope: boolean;
  correct: boolean;
  background: boolean;
  confidence: number;
}

function score(model: IntentModel, rows: readonly LabelledText[]): Scored[] {
  const index = new Map(model.intentIds.map((id, i) => [id, i]));
  return rows.map((row) => {
    const prediction = predict(model, row.text);
    const expected = index.get(row.label);
    return { ...prediction, inScope: expected !== undefined, correct: prediction.bestIntent === expected };
  });
}

const share = (items: readonly Scored[], keep: (s: Scored) => boolean) =>
  items.filter(keep).length / items.length;
const accepted = (s: Scored, threshold: number) => !s.background && s.confidence >= threshold;
/** Share of in-scope texts answered with the right intent (a rejection counts as wrong). */
const answeredRight = (items: readonly Scored[], t: number) =>
  share(
    items.filter((s) => s.inScope),
    (s) => s.correct && accepted(s, t),
  );
/** Share of out-of-scope texts turned into a no-match. */
const rejected = (items: readonly Scored[], t: number) =>
  share(
    items.filter((s) => !s.inScope),
    (s) => !accepted(s, t),
  );

const outOfDomain: LabelledText[] = OUT_OF_DOMAIN_TEXTS.map((text) => ({ text, label: '' }));
const heldOut = new Set(labels.filter((_, i) => i % 7 === 3).slice(0, HELD_OUT_INTENTS));
const inScopeLabels = labels.filter((l) => !heldOut.has(l));

function runSetting(rows: readonly LabelledText[]) {
  const trained = timed(() => trainIntentModel(toIntents(rows, labels)));
  const test = score(trained.value, dataset.test);
  const heldOutModel = trainIntentModel(toIntents(rows, inScopeLabels));
  return {
    trained,
    examples: rows.length,
    test,
    accuracy: share(test, (s) => s.correct),
    calibrationError: calibrationError(
      dataset.test.map((row) => ({ model: trained.value, text: row.text, label: labels.indexOf(row.label) })),
    ),
    heldOut: score(heldOutModel, dataset.test),
    outOfDomain: score(trained.value, outOfDomain),
  };
}
const full = runSetting(dataset.train);
const few = runSetting(fewShotRows);

/**
 * The criterion for the default threshold: share of right decisions over all texts of the no-match
 * tests (the right intent for an in-scope text, a no-match for an out-of-scope one), i.e. a wrong
 * answer and a needless "could you rephrase?" cost the same. Averaged over full data and 10-shot.
 */
function rightDecisions(setting: typeof full, t: number): number {
  const items = [...setting.heldOut, ...setting.outOfDomain];
  return share(items, (s) => (s.inScope ? s.correct && accepted(s, t) : !accepted(s, t)));
}
const criterion = (t: number) => (rightDecisions(full, t) + rightDecisions(few, t)) / 2;
const bestThreshold = THRESHOLDS.reduce((best, t) => (criterion(t) > criterion(best) ? t : best));

/** Temperature with the lowest log-loss on training rows the model did not see. */
function heldOutTemperature(train: readonly LabelledText[], heldOutRows: readonly LabelledText[]): number {
  const model = trainIntentModel(toIntents(train, labels));
  return fitTemperature(
    heldOutRows.map((row) => ({ model, text: row.text, label: labels.indexOf(row.label) })),
  );
}
const fewShotSet = new Set(fewShotRows);
const temperatures = {
  full: heldOutTemperature(
    dataset.train.filter((_, i) => i % 10 !== 0),
    dataset.train.filter((_, i) => i % 10 === 0),
  ),
  few: heldOutTemperature(
    fewShotRows,
    dataset.train.filter((r) => !fewShotSet.has(r)).filter((_, i) => i % 8 === 0),
  ),
};

const trainRuns = [full.trained];
const fullIntents = toIntents(dataset.train, labels);
for (let run = 1; run < TIMING_RUNS; run++) trainRuns.push(timed(() => trainIntentModel(fullIntents)));

/** 150 intents: the dataset's intents plus copies of the first ones whose examples have their words reversed. */
function widen(intents: readonly IntentDefinition[], target: number): IntentDefinition[] {
  const reverse = (text: string) => text.split(' ').reverse().join(' ');
  const copies = intents.slice(0, Math.max(0, target - intents.length)).map((intent) => ({
    id: `${intent.id}__reversed`,
    description: reverse(intent.description),
    examples: intent.examples.map(reverse),
  }));
  return [...intents, ...copies];
}

async function latencies(intents: IntentDefinition[]) {
  const classifier = new OfflineIntentClassifier();
  const started = performance.now();
  await classifier.prepare(1, [{ blockId: 'b', intents }]);
  const trainMs = performance.now() - started;
  const times: number[] = [];
  for (const row of dataset.test) {
    const before = performance.now();
    await classifier.classify({ flowVersion: 1, blockId: 'b', text: row.text, intents });
    times.push(performance.now() - before);
  }
  const examples = intents.reduce((n, i) => n + i.examples.length, 0);
  return {
    intents: intents.length,
    examples,
    trainMs,
    median: percentile(times, 50),
    p99: percentile(times, 99),
  };
}
const latency = [await latencies(fullIntents), await latencies(widen(fullIntents, TARGET_INTENTS))];

// Certain matches: test texts equal (after normalisation to stems) to an example of exactly one intent.
const shortcut = new OfflineIntentClassifier();
let certain = 0;
let certainRight = 0;
for (const row of dataset.test) {
  const match = shortcut.certainMatch({ flowVersion: 1, blockId: 'b', text: row.text, intents: fullIntents });
  if (match?.kind !== 'match') continue;
  certain++;
  if (match.intent === row.label) certainRight++;
}

const ms = (value: number) => `${value.toFixed(0)} ms`;
const out: string[] = [];
out.push(
  `### Offline intent classifier on \`${dir}\``,
  '',
  `${labels.length} intents, ${dataset.train.length} training and ${dataset.test.length} test texts; each ` +
    `intent's description is its label with "_" → " ". Node ${process.version}, load average ` +
    `${loadavg()[0]?.toFixed(1)} on ${navigator.hardwareConcurrency} cores at the end of the run.`,
  '',
  markdownTable(
    ['measure', 'full data', `${FEW_SHOT}-shot (first ${FEW_SHOT} rows per intent)`],
    [
      ['accuracy (top intent)', percent(full.accuracy), percent(few.accuracy)],
      [
        `answered right at the default threshold ${DEFAULT_MIN_CONFIDENCE}`,
        percent(answeredRight(full.test, DEFAULT_MIN_CONFIDENCE)),
        percent(answeredRight(few.test, DEFAULT_MIN_CONFIDENCE)),
      ],
      [
        `expected calibration error (10 bins, temperature ${CONFIDENCE_TEMPERATURE})`,
        full.calibrationError.toFixed(3),
        few.calibrationError.toFixed(3),
      ],
      [
        'temperature fitted on held-out training rows',
        temperatures.full.toFixed(2),
        temperatures.few.toFixed(2),
      ],
      ['training examples (plus one description per intent)', String(full.examples), String(few.examples)],
      [
        'training time, wall (CPU)',
        `${ms(full.trained.ms)} (${ms(full.trained.cpuMs)})`,
        `${ms(few.trained.ms)} (${ms(few.trained.cpuMs)})`,
      ],
    ],
  ),
  '',
  `Training on the full data, ${TIMING_RUNS} runs, wall (CPU): ${trainRuns.map((r) => `${ms(r.ms)} (${ms(r.cpuMs)})`).join(', ')}.`,
  '',
);
out.push(
  '#### No-match',
  '',
  `In-domain: ${heldOut.size} intents held out of training (${[...heldOut].join(', ')}), their test texts are out of scope; ` +
    `"answered right" is over the other intents' test texts, a rejection counting as wrong. Out-of-domain: ` +
    `${outOfDomain.length} everyday texts (bench/out-of-domain.ts) sent to the model of all ${labels.length} intents. ` +
    'A text is rejected when the background class wins or the confidence is under the threshold. ' +
    '"Right decisions": share of all these texts (in-scope and out-of-scope) given the right intent or, ' +
    'out of scope, a no-match — a wrong answer and a needless "could you rephrase?" costing the same.',
  '',
  markdownTable(
    [
      'threshold',
      'answered right (full)',
      'in-domain rejected (full)',
      'out-of-domain rejected (full)',
      `answered right (${FEW_SHOT}-shot)`,
      `in-domain rejected (${FEW_SHOT}-shot)`,
      `out-of-domain rejected (${FEW_SHOT}-shot)`,
      'right decisions (full)',
      `right decisions (${FEW_SHOT}-shot)`,
      'mean',
    ],
    THRESHOLDS.map((t) => [
      t === DEFAULT_MIN_CONFIDENCE ? `**${t}** (default)` : String(t),
      percent(answeredRight(full.heldOut, t)),
      percent(rejected(full.heldOut, t)),
      percent(rejected(full.outOfDomain, t)),
      percent(answeredRight(few.heldOut, t)),
      percent(rejected(few.heldOut, t)),
      percent(rejected(few.outOfDomain, t)),
      percent(rightDecisions(full, t)),
      percent(rightDecisions(few, t)),
      percent(criterion(t)),
    ]),
  ),
  '',
  `Threshold with the most right decisions (mean of full and ${FEW_SHOT}-shot): ${bestThreshold}.`,
  '',
);
out.push(
  '#### Speed',
  '',
  markdownTable(
    ['intents', 'training examples', 'training (prepare)', 'classification median', 'classification p99'],
    latency.map((l) => [
      String(l.intents),
      String(l.examples),
      ms(l.trainMs),
      `${l.median.toFixed(3)} ms`,
      `${l.p99.toFixed(3)} ms`,
    ]),
  ),
  '',
  `The ${TARGET_INTENTS}-intent set adds copies of the first ${TARGET_INTENTS - labels.length} intents with the ` +
    `words of every example in reverse order. Latency: one \`classify()\` call on a prepared model, over the ` +
    `${dataset.test.length} test texts.`,
  '',
  '#### Certain-match shortcut',
  '',
  `${certain} of ${dataset.test.length} test texts (${percent(certain / dataset.test.length)}) equal an example of ` +
    `exactly one intent after normalisation: in \`auto\` mode, ${certain} LLM calls saved; ${certainRight} of them ` +
    `right (the dataset's own label).`,
  '',
  `Bench time: ${((performance.now() - benchStarted) / 1000).toFixed(1)} s.`,
);
console.log(out.join('\n'));
