/**
 * The SQLite store with its connection in a worker thread: the whole Store contract, the group commit's
 * per-write outcomes, and StoreUnavailableError for a database that cannot be used, as in-process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, test } from 'node:test';
import { SchemaTooNewError } from '../../src/store/migration.ts';
import { SQLITE_FILE_NAME } from '../../src/store/sqlite/sqlite-store.ts';
import {
  openSqliteWorkerStore,
  SqliteWorkerStore,
  startStoreWorker,
} from '../../src/store/sqlite/worker-store.ts';
import { StoreUnavailableError } from '../../src/store/store.ts';
import { at, newConversation, runStoreContract } from './contract.ts';

runStoreContract('sqlite in a worker thread', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'chatflow-store-'));
  const store = await openSqliteWorkerStore({ dataDir });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});

async function withDataDir(body: (dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'chatflow-worker-'));
  try {
    await body(dataDir);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe('sqlite store in a worker thread', () => {
  test('a database migrated by a newer release is refused with SchemaTooNewError, as in-process', async () => {
    await withDataDir(async (dataDir) => {
      await (await openSqliteWorkerStore({ dataDir })).close();
      const db = new DatabaseSync(join(dataDir, SQLITE_FILE_NAME));
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        999,
        'future',
        at(0),
      );
      db.close();
      await assert.rejects(openSqliteWorkerStore({ dataDir }), SchemaTooNewError);
    });
  });

  test('the worker stopping fails the pending and later calls with StoreUnavailableError', async () => {
    await withDataDir(async (dataDir) => {
      const { worker, settings } = await startStoreWorker({ dataDir });
      const store = new SqliteWorkerStore(worker, settings);
      await store.createFlowVersion({ raw: '{}', name: 'v1', at: at(0) });
      const pending = store.createConversation(newConversation({ id: 'c' }), []);
      const exited = once(worker, 'exit');
      await worker.terminate();
      await exited;
      await assert.rejects(pending, StoreUnavailableError);
      await assert.rejects(store.ping(), /SQLite is unavailable: the store worker exited/);
      await store.close(); // still idempotent and quiet
    });
  });

  test('a value that cannot be sent to the worker fails its own call only', async () => {
    await withDataDir(async (dataDir) => {
      const store = await openSqliteWorkerStore({ dataDir });
      try {
        await store.createFlowVersion({ raw: '{}', name: 'v1', at: at(0) });
        const [bad, good] = await Promise.allSettled([
          store.createConversation(newConversation({ id: 'bad', state: { f: () => 1 } }), []),
          store.createConversation(newConversation({ id: 'good' }), []),
        ]);
        assert.equal(bad.status, 'rejected');
        assert.ok(bad.reason instanceof TypeError, String(bad.reason));
        assert.equal(good.status, 'fulfilled');
        assert.equal((await store.getConversation('good'))?.id, 'good');
        assert.equal(await store.getConversation('bad'), null);
      } finally {
        await store.close();
      }
    });
  });

  test('an idle store does not keep the process alive', async () => {
    await withDataDir(async (dataDir) => {
      // A process that opens the store, writes, and never closes it must still exit by itself.
      const script = `
        import { openSqliteWorkerStore } from ${JSON.stringify(new URL('../../src/store/sqlite/worker-store.ts', import.meta.url).href)};
        const store = await openSqliteWorkerStore({ dataDir: ${JSON.stringify(dataDir)} });
        const result = await store.createFlowVersion({ raw: '{}', name: 'v1', at: new Date().toISOString() });
        console.log(JSON.stringify(result.ok));
      `;
      const file = join(dataDir, 'open-and-forget.mjs');
      await writeFile(file, script);
      const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += chunk;
      });
      const [code] = await once(child, 'exit');
      assert.equal(code, 0);
      assert.equal(output.trim(), 'true', 'the write was served before the process exited');
    });
  });
});
