/**
 * Write throughput of the SQLite store with synchronous=FULL, with the connection on the main thread
 * and in a worker thread (SQLITE_WORKER), each with 1 writer (one appendTurn = one transaction = one
 * fsync of the WAL) and with 16 writers at once (group commit: the writes of one loop turn share a
 * transaction). The variants alternate, `rounds` times, so a noisy machine hurts each alike.
 * Run: `npx node bench/store-sqlite.ts [turns] [rounds]`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { openSqliteWorkerStore } from '../src/store/sqlite/worker-store.ts';
import type { Store } from '../src/store/store.ts';
import { benchTurns, describeResult } from './store-workload.ts';

const turns = Number(process.argv[2] ?? 2_000);
const rounds = Number(process.argv[3] ?? 2);
const variants: { label: string; open: (dataDir: string) => Promise<Store> }[] = [
  { label: 'main thread', open: (dataDir) => openSqliteStore({ dataDir }) },
  { label: 'worker thread', open: (dataDir) => openSqliteWorkerStore({ dataDir }) },
];

for (let round = 1; round <= rounds; round += 1) {
  for (const workers of [1, 16]) {
    for (const variant of variants) {
      const dataDir = await mkdtemp(join(tmpdir(), 'chatflow-bench-'));
      const store = await variant.open(dataDir);
      try {
        const result = await benchTurns([store], { turns, workers, label: 'sqlite' });
        console.log(
          describeResult(`round ${round}, SQLite FULL, ${variant.label}, ${workers} writer(s)`, result),
        );
      } finally {
        await store.close();
        await rm(dataDir, { recursive: true, force: true });
      }
    }
  }
}
