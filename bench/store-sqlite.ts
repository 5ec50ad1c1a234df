/**
 * Write throughput of the SQLite store with synchronous=FULL: one appendTurn = one transaction =
 * one fsync of the WAL. Run: `npx node bench/store-sqlite.ts [turns]`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { benchTurns, describeResult } from './store-workload.ts';

const turns = Number(process.argv[2] ?? 2_000);
const dataDir = await mkdtemp(join(tmpdir(), 'chatflow-bench-'));
const store = await openSqliteStore({ dataDir });
try {
  // One writer: node:sqlite is synchronous, so more would only queue.
  const result = await benchTurns([store], { turns, workers: 1, label: 'sqlite' });
  console.log(describeResult('SQLite, synchronous=FULL, 1 writer', result));
} finally {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
}
