/**
 * What bare handshakes leave in the database, and what the janitor leaves of it: a real server (SQLite),
 * `count` WebSocket clients that connect, get the welcome and leave without a word; then the janitor's
 * sweep as of 11 minutes later (UNANSWERED_TTL_MINUTES=10, the default).
 * Run: `npx node bench/retention-handshakes.ts [count] [concurrency]`.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { WebSocket } from 'ws';
import { loadConfig } from '../src/config.ts';
import { startServer } from '../src/main.ts';
import { SQLITE_FILE_NAME } from '../src/store/sqlite/sqlite-store.ts';

const count = Number(process.argv[2] ?? 10_000);
const concurrency = Number(process.argv[3] ?? 100);

/** One bare handshake: connect, wait for the bot to wait, leave. */
function handshake(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type === 'waiting') socket.close();
    });
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}

function rows(dataDir: string): { conversations: number; events: number; bytes: number; freePages: number } {
  const db = new DatabaseSync(join(dataDir, SQLITE_FILE_NAME), { readOnly: true });
  try {
    const one = (sql: string) => Number(Object.values(db.prepare(sql).get() ?? {})[0]);
    return {
      conversations: one('SELECT count(*) FROM conversations'),
      events: one('SELECT count(*) FROM events'),
      bytes: one('PRAGMA page_count') * one('PRAGMA page_size'),
      freePages: one('PRAGMA freelist_count'),
    };
  } finally {
    db.close();
  }
}

const dataDir = await mkdtemp(join(tmpdir(), 'chatflow-retention-'));
const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  DATA_DIR: dataDir,
  ADMIN_TOKEN: 'bench-token-0123456789',
  LOG_LEVEL: 'warn',
  WS_RATE_PER_SEC: '0',
});
const server = await startServer(config);
try {
  const url = `${server.url.replace(/^http/, 'ws')}/ws`;
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        await handshake(url);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1_000;
  const before = rows(dataDir);
  console.log(`${count} bare handshakes in ${seconds.toFixed(1)} s:`, before);
  const walBytes = (await stat(join(dataDir, `${SQLITE_FILE_NAME}-wal`))).size;
  console.log(`  WAL file: ${walBytes} bytes`);

  const sweepAt = new Date(Date.now() + 9 * 60_000);
  console.log(`sweep as of +9 min (before the TTL): deleted ${await server.chat.janitor.sweep(sweepAt)}`);
  const sweepStarted = performance.now();
  const deleted = await server.chat.janitor.sweep(new Date(Date.now() + 11 * 60_000));
  const sweepMs = performance.now() - sweepStarted;
  console.log(`sweep as of +11 min: deleted ${deleted} in ${sweepMs.toFixed(0)} ms:`, rows(dataDir));
} finally {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
}
