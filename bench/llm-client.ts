/**
 * `npm run bench:llm-client`: Chatflow's OpenAI client (src/intent/openai.ts, a keep-alive undici Pool)
 * against the official openai SDK (bench/llm/sdk-classifier.ts) sending the same request and checking
 * the same answer, each keeping N classifications in flight against the bench's fake LLM (200 ms).
 * Alternates the two clients over two rounds, on the same fake LLM server. Prints Markdown on stdout.
 * Options: --quick (short), --concurrency N (default 500).
 */
import { parseArgs } from 'node:util';
import type { ClassifyRequest } from '../src/engine/index.ts';
import { OpenAiIntentClassifier } from '../src/intent/openai.ts';
import type { IntentClassifier } from '../src/intent/port.ts';
import { SdkOpenAiClassifier } from './llm/sdk-classifier.ts';
import { startChild } from './load/children.ts';
import { BENCH_INTENTS, intentMessage } from './load/flows.ts';
import { fixed, ms, ratio, table } from './load/format.ts';

const { values } = parseArgs({
  options: { quick: { type: 'boolean' }, concurrency: { type: 'string' } },
});
const concurrency = Number(values.concurrency ?? 500);
const timing = values.quick ? { warmupMs: 500, durationMs: 2_000 } : { warmupMs: 2_000, durationMs: 8_000 };
const LLM_DELAY_MS = 200;
const ROUNDS = 2;

const intents = BENCH_INTENTS.map(([id, examples]) => ({
  id,
  description: `The user asks about ${id}`,
  examples,
}));

function request(worker: number, sequence: number): { request: ClassifyRequest; expected: string } {
  const { text } = JSON.parse(intentMessage(worker, sequence)) as { text: string };
  const expected = BENCH_INTENTS[(worker + sequence) % BENCH_INTENTS.length]?.[0] ?? '';
  return { request: { flowVersion: 1, blockId: 'route', text, intents }, expected };
}

interface Measured {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerCall: number;
  wrong: number;
  /** HTTP retries (Chatflow's classifier retries timeouts and 5xx by itself; the SDK reference never). */
  retries: number;
}

const retriesOf = (classifier: IntentClassifier) =>
  classifier instanceof OpenAiIntentClassifier ? classifier.stats().retries : 0;

/** `concurrency` workers, each with one classification in flight; counts those ending in the window. */
async function measure(classifier: IntentClassifier): Promise<Measured> {
  const started = performance.now();
  const retriesBefore = retriesOf(classifier);
  const from = started + timing.warmupMs;
  const to = from + timing.durationMs;
  const latencies: number[] = [];
  let wrong = 0;
  let cpuAtStart = process.cpuUsage();
  setTimeout(() => {
    cpuAtStart = process.cpuUsage();
  }, timing.warmupMs);
  const worker = async (index: number) => {
    for (let sequence = 0; performance.now() < to; sequence += 1) {
      const { request: req, expected } = request(index, sequence);
      const sentAt = performance.now();
      const answer = await classifier.classify(req);
      const now = performance.now();
      if (now < from || now > to) continue;
      if (answer.kind === 'match' && answer.intent === expected) latencies.push(now - sentAt);
      else wrong += 1;
    }
  };
  const workers = Array.from({ length: concurrency }, (_, i) => worker(i));
  await new Promise((resolve) => setTimeout(resolve, to - performance.now()));
  const cpu = process.cpuUsage(cpuAtStart);
  await Promise.all(workers);
  latencies.sort((a, b) => a - b);
  const quantile = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    perSecond: latencies.length / (timing.durationMs / 1_000),
    p50Ms: quantile(0.5),
    p99Ms: quantile(0.99),
    cpuMsPerCall: (cpu.user + cpu.system) / 1_000 / Math.max(1, latencies.length + wrong),
    wrong,
    retries: retriesOf(classifier) - retriesBefore,
  };
}

const llm = await startChild('fake-llm', { BENCH_LLM_DELAY_MS: String(LLM_DELAY_MS) });
try {
  const apiKey = 'sk-bench';
  const clients: [string, IntentClassifier][] = [
    ['openai SDK (bench/llm/sdk-classifier.ts)', new SdkOpenAiClassifier({ apiKey, baseURL: llm.url })],
    [
      "Chatflow's undici Pool (src/intent/openai.ts)",
      new OpenAiIntentClassifier({ apiKey, baseURL: llm.url }),
    ],
  ];
  const rows: string[][] = [];
  const totals = new Map<string, { perSecond: number; cpu: number }>();
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const [name, classifier] of clients) {
      process.stderr.write(`round ${round}: ${name}, ${concurrency} in flight…\n`);
      const m = await measure(classifier);
      const total = totals.get(name) ?? { perSecond: 0, cpu: 0 };
      totals.set(name, { perSecond: total.perSecond + m.perSecond, cpu: total.cpu + m.cpuMsPerCall });
      rows.push([
        name,
        String(round),
        fixed(m.perSecond),
        ms(m.p50Ms),
        ms(m.p99Ms),
        ms(m.cpuMsPerCall),
        String(m.wrong),
        String(m.retries),
      ]);
    }
  }
  const [sdk, direct] = clients.map(([name]) => totals.get(name) ?? { perSecond: 0, cpu: 1 });
  const speedup = (direct?.perSecond ?? 0) / (sdk?.perSecond ?? 1);
  const cpuRatio = (sdk?.cpu ?? 0) / (direct?.cpu ?? 1);
  process.stdout.write(
    `LLM client bench — Node ${process.versions.node}, fake LLM answering in ${LLM_DELAY_MS} ms, ${concurrency} classifications in flight, ` +
      `${fixed(timing.durationMs / 1_000)} s measured per run${values.quick ? ' (--quick)' : ''}.\n\n` +
      `${table(['client', 'round', 'classifications/s', 'p50', 'p99', 'bench CPU per call', 'wrong or failed', 'retries'], rows)}\n\n` +
      `Chatflow's client vs the SDK: ${ratio(speedup)} the throughput, ${ratio(cpuRatio)} less CPU per call ` +
      `(Chatflow keeps its own client while it is ≥ 1.50× the SDK in the LLM scenario).\n`,
  );
} finally {
  await llm.stop();
}
