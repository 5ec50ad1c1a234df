/**
 * The turn-writing workload shared by the store benchmarks: `workers` conversations, each written by
 * its own sequential loop of appendTurn (3 events, a clientMessageId, the state), all loops running
 * at once, spread round-robin over `stores` (one store = one server instance).
 */
import { performance } from 'node:perf_hooks';
import type { Store } from '../src/store/store.ts';

export interface TurnBenchResult {
  turns: number;
  turnsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

const now = () => new Date().toISOString();

export async function benchTurns(
  stores: readonly Store[],
  options: { turns: number; workers: number; label: string },
): Promise<TurnBenchResult> {
  const [first] = stores;
  if (!first) throw new Error('benchTurns needs at least one store');
  const flow = await first.createFlowVersion({ raw: '{}', name: 'bench', at: now() });
  const flowVersion = flow.ok ? flow.version.version : 1;
  const perWorker = Math.ceil(options.turns / options.workers);
  const latencies: number[] = [];

  // Every conversation exists before the clock starts.
  const conversations = await Promise.all(
    Array.from({ length: options.workers }, async (_, index) => {
      const store = stores[index % stores.length] ?? first;
      const id = `${options.label}-${index}`;
      await store.createConversation(
        { id, flowVersion, resumeTokenHash: 'h', state: {}, status: 'active', at: now() },
        [{ type: 'conversation.started', data: { flowVersion } }],
      );
      return { store, id };
    }),
  );

  const writeTurns = async ({ store, id }: { store: Store; id: string }) => {
    for (let i = 0; i < perWorker; i += 1) {
      const t0 = performance.now();
      const result = await store.appendTurn({
        conversationId: id,
        clientMessageId: `m${i}`,
        events: [
          { type: 'message.user', data: { text: 'will it rain tomorrow', clientMessageId: `m${i}` } },
          { type: 'block.entered', data: { blockId: 'weather', blockType: 'message' } },
          { type: 'message.bot', data: { messageId: `b${i}`, blockId: 'weather', text: 'Sunny, 24 °C.' } },
        ],
        state: { blockId: 'ask', variables: { request: 'will it rain tomorrow' }, turn: i },
        status: 'active',
        at: now(),
      });
      latencies.push(performance.now() - t0);
      if (!result.ok) throw new Error(`turn refused: ${result.reason}`);
    }
  };
  const started = performance.now();
  await Promise.all(conversations.map(writeTurns));
  const seconds = (performance.now() - started) / 1_000;

  latencies.sort((a, b) => a - b);
  const quantile = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    turns: latencies.length,
    turnsPerSecond: latencies.length / seconds,
    p50Ms: quantile(0.5),
    p99Ms: quantile(0.99),
  };
}

export function describeResult(label: string, result: TurnBenchResult): string {
  return (
    `${label}: ${result.turns} turns (3 events each), ${result.turnsPerSecond.toFixed(0)} turns/s, ` +
    `p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms`
  );
}
