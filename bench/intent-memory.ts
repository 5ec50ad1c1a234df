/**
 * Memory and time of training large local intent blocks (issue 12, defect 2). Usage:
 *
 *   npm run bench:intent-memory            # one block of 500 intents × 40 examples
 *   npm run bench:intent-memory -- 3       # three such blocks in one flow
 *
 * Builds the flow synthetically (bench/synthetic-intents.ts), trains its blocks the way the server
 * does at upload (`prepare`, in the training worker) and prints: the flow's size, training time,
 * RSS before / at peak / after / after idle (with GC), the bytes the model cache accounts, and the
 * classification latency on the trained models. Run with --expose-gc (the npm script does).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { IntentDefinition } from '../src/engine/index.ts';
import { OfflineIntentClassifier } from '../src/intent/offline/index.ts';
import { markdownTable, percentile } from './report.ts';
import { syntheticFlow } from './synthetic-intents.ts';

const INTENTS = 500;
const EXAMPLES = 40;
const IDLE_MS = 5_000;
const MB = 1024 * 1024;

const blockCount = Number(process.argv[2] ?? 1);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run with node --expose-gc (npm run bench:intent-memory does)');
  process.exit(2);
}

function settledRss(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().rss;
}

const flow = syntheticFlow(blockCount, INTENTS, EXAMPLES);
const flowBytes = Buffer.byteLength(JSON.stringify(flow));
const blocks = (flow.blocks as { id: string; type: string; intents?: IntentDefinition[] }[])
  .filter((block) => block.type === 'intent')
  .map((block) => ({ blockId: block.id, intents: block.intents as IntentDefinition[] }));

const classifier = new OfflineIntentClassifier({ maxCachedBytes: 4096 * MB });
const rssBefore = settledRss();
const cpu = process.cpuUsage();
const started = performance.now();
await classifier.prepare(1, blocks);
const trainMs = performance.now() - started;
const cpuUsed = process.cpuUsage(cpu);
const peakRss = process.resourceUsage().maxRSS * 1024;
const rssAfter = settledRss();
await delay(IDLE_MS);
const rssIdle = settledRss();

const latencies: number[] = [];
for (const block of blocks) {
  for (const intent of block.intents.slice(0, 100)) {
    const result = await classifier.classify({
      flowVersion: 1,
      blockId: block.blockId,
      text: `${intent.examples[0]} please`,
      intents: block.intents,
    });
    latencies.push(result.latencyMs);
  }
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
console.log(
  `${blockCount} block(s) of ${INTENTS} intents × ${EXAMPLES} examples; flow ${(flowBytes / MB).toFixed(2)} MiB; Node ${process.version}.\n`,
);
console.log(
  markdownTable(
    ['measure', 'value'],
    [
      ['training (prepare, all blocks), wall', `${(trainMs / 1000).toFixed(2)} s`],
      ['CPU of the process during training', `${((cpuUsed.user + cpuUsed.system) / 1e6).toFixed(2)} s`],
      ['trainings', String(classifier.trainings)],
      ['RSS before', mb(rssBefore)],
      ['RSS peak (process max)', mb(peakRss)],
      ['RSS after training (GC)', mb(rssAfter)],
      [`RSS after ${IDLE_MS / 1000} s idle (GC)`, mb(rssIdle)],
      ['RSS added, peak', mb(peakRss - rssBefore)],
      ['RSS added, after idle', mb(rssIdle - rssBefore)],
      ['model cache bytes', mb(classifier.cachedBytes)],
      [
        'classification median / p99',
        `${percentile(latencies, 50).toFixed(3)} / ${percentile(latencies, 99).toFixed(3)} ms`,
      ],
    ],
  ),
);
