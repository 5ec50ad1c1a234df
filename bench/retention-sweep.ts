/**
 * The retention janitor on a large SQLite store: `events` events (default 1,000,000) in conversations of
 * 10 events, half of them inactive for longer than RETENTION_DAYS=30. Measures the sweep, and the
 * latency of turns (appendTurn, 3 events each) written by `writers` concurrent conversations while it
 * runs, against the same turns with no sweep running.
 * Run: `npx node bench/retention-sweep.ts [events] [writers] [batchSize]`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { JANITOR_DEFAULTS, Janitor } from '../src/conversation/janitor.ts';
import type { HistoryEvent } from '../src/engine/history.ts';
import { openSqliteStore, SQLITE_FILE_NAME } from '../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../src/store/store.ts';

const totalEvents = Number(process.argv[2] ?? 1_000_000);
const writers = Number(process.argv[3] ?? 16);
const batchSize = Number(process.argv[4] ?? JANITOR_DEFAULTS.batchSize);
const EVENTS_PER_CONVERSATION = 10;
const DAY = 86_400_000;

/** Fills the file directly (one transaction): `conversations` of 10 events, last activity spread over 60 days. */
function fill(dataDir: string, conversations: number): void {
  const db = new DatabaseSync(join(dataDir, SQLITE_FILE_NAME));
  const now = Date.now();
  const insertConversation = db.prepare(
    `INSERT INTO conversations (id, flow_version, status, state, resume_token_hash, started_at, updated_at,
       event_count, answered) VALUES (?, 1, 'active', '{}', 'h', ?, ?, ?, 1)`,
  );
  const insertEvent = db.prepare(
    'INSERT INTO events (conversation_id, seq, type, data, at) VALUES (?, ?, ?, ?, ?)',
  );
  const data = JSON.stringify({
    messageId: 'm',
    blockId: 'b',
    text: 'Some bot answer of a typical length, about sixty characters.',
  });
  db.exec('BEGIN');
  for (let i = 0; i < conversations; i++) {
    const at = new Date(now - ((i * 7919) % 60) * DAY - 3_600_000).toISOString();
    const id = `seed-${i}`;
    insertConversation.run(id, at, at, EVENTS_PER_CONVERSATION);
    for (let seq = 1; seq <= EVENTS_PER_CONVERSATION; seq++)
      insertEvent.run(id, seq, 'message.bot', data, at);
  }
  db.exec('COMMIT');
  db.close();
}

const TURN: HistoryEvent[] = [
  { type: 'message.user', data: { text: 'will it rain tomorrow?' } },
  { type: 'block.entered', data: { blockId: 'weather', blockType: 'message' } },
  { type: 'message.bot', data: { messageId: 'm', blockId: 'weather', text: 'Sunny, 24 °C.' } },
];

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
function summary(latencies: number[]): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  const f = (ms: number) => `${ms.toFixed(1)} ms`;
  return `${sorted.length} turns, p50 ${f(percentile(sorted, 0.5))}, p99 ${f(percentile(sorted, 0.99))}, max ${f(sorted.at(-1) ?? 0)}`;
}

/** `writers` conversations writing turns back to back until `until` settles; each turn's latency. */
async function turnsWhile(store: Store, until: Promise<unknown>, label: string): Promise<number[]> {
  let done = false;
  void until.finally(() => {
    done = true;
  });
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const id = `${label}-${w}`;
      await store.createConversation(
        {
          id,
          flowVersion: 1,
          resumeTokenHash: 'h',
          state: {},
          status: 'active',
          at: new Date().toISOString(),
        },
        [],
      );
      while (!done) {
        const started = performance.now();
        const written = await store.appendTurn({
          conversationId: id,
          events: TURN,
          state: {},
          status: 'active',
          at: new Date().toISOString(),
        });
        if (!written.ok) throw new Error(`turn refused: ${written.reason}`);
        latencies.push(performance.now() - started);
      }
    }),
  );
  return latencies;
}

const dataDir = await mkdtemp(join(tmpdir(), 'chatflow-retention-sweep-'));
try {
  const setup = await openSqliteStore({ dataDir });
  await setup.createFlowVersion({ raw: '{}', name: 'f', at: new Date().toISOString() });
  await setup.close();
  const conversations = Math.ceil(totalEvents / EVENTS_PER_CONVERSATION);
  let started = performance.now();
  fill(dataDir, conversations);
  console.log(
    `filled ${conversations} conversations, ${conversations * EVENTS_PER_CONVERSATION} events in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  const store = await openSqliteStore({ dataDir });
  try {
    const baselineFor = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const baseline = await turnsWhile(store, baselineFor(5_000), 'baseline');
    console.log(`no sweep (5 s): ${summary(baseline)}`);

    const janitor = new Janitor({ store, unansweredTtlMinutes: 0, retentionDays: 30, batchSize });
    started = performance.now();
    const sweep = janitor.sweep();
    const during = turnsWhile(store, sweep, 'during');
    const deleted = await sweep;
    const sweepSeconds = (performance.now() - started) / 1000;
    console.log(
      `sweep (RETENTION_DAYS=30, batch ${batchSize}): deleted ${deleted} conversations (${deleted * EVENTS_PER_CONVERSATION} events) in ${sweepSeconds.toFixed(1)} s`,
    );
    console.log(`during the sweep: ${summary(await during)}`);
  } finally {
    await store.close();
  }
  const db = new DatabaseSync(join(dataDir, SQLITE_FILE_NAME), { readOnly: true });
  const left = db
    .prepare(
      'SELECT (SELECT count(*) FROM conversations) AS conversations, (SELECT count(*) FROM events) AS events',
    )
    .get();
  db.close();
  console.log('left:', { ...left });
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
