/**
 * Write throughput of the SQLite store with synchronous=FULL: one appendTurn = one transaction =
 * one fsync of the WAL. Run: `npx node bench/store-sqlite.ts [turns]`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';

const turns = Number(process.argv[2] ?? 2_000);
const conversations = 20;
const dataDir = await mkdtemp(join(tmpdir(), 'chatflow-bench-'));
const store = await openSqliteStore({ dataDir });
try {
  const now = () => new Date().toISOString();
  await store.createFlowVersion({ raw: '{}', name: 'bench', at: now() });
  const ids = Array.from({ length: conversations }, (_, i) => `bench-${i}`);
  for (const id of ids) {
    const conversation = {
      id,
      flowVersion: 1,
      resumeTokenHash: 'h',
      state: {},
      status: 'active' as const,
      at: now(),
    };
    await store.createConversation(conversation, [
      { type: 'conversation.started', data: { flowVersion: 1 } },
    ]);
  }
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < turns; i += 1) {
    const id = ids[i % conversations] ?? 'bench-0';
    const t0 = performance.now();
    await store.appendTurn({
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
  }
  const seconds = (performance.now() - started) / 1_000;
  latencies.sort((a, b) => a - b);
  const p = (q: number) =>
    (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(2);
  console.log(
    `${turns} turns (3 events each, synchronous=FULL): ${(turns / seconds).toFixed(0)} turns/s, ` +
      `${((turns * 3) / seconds).toFixed(0)} events/s, p50 ${p(0.5)} ms, p99 ${p(0.99)} ms`,
  );
} finally {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
}
