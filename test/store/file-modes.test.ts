/**
 * What the server leaves on disk is private to its user: DATA_DIR 0700, the SQLite database with its
 * -wal and -shm files and the generated admin token 0600, whatever the umask; an older, looser
 * DATA_DIR or database is tightened at start. Checked with fs.stat on a real server's files.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openSqliteStore, SQLITE_FILE_NAME } from '../../src/store/sqlite/sqlite-store.ts';
import { examplePath } from '../support/flows.ts';
import { startTestServer } from '../support/server.ts';
import { ChatClient } from '../support/ws-client.ts';

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

async function withParent(body: (parent: string) => Promise<void>): Promise<void> {
  const parent = await mkdtemp(join(tmpdir(), 'chatflow-modes-'));
  const umask = process.umask(0o022); // the usual umask: without our modes, files would be 0644
  try {
    await body(parent);
  } finally {
    process.umask(umask);
    await rm(parent, { recursive: true, force: true });
  }
}

describe('file modes', () => {
  test('a new DATA_DIR is 0700; the database, its -wal and -shm, and the admin token are 0600', async () => {
    await withParent(async (parent) => {
      const dataDir = join(parent, 'data');
      const server = await startTestServer({
        dataDir,
        defaultFlowPath: examplePath('travel').pathname,
        env: { ADMIN_TOKEN: '' },
      });
      try {
        // A conversation, so the WAL holds writes.
        const client = await ChatClient.connect(server.url);
        await client.nth('waiting');
        client.close();
        assert.equal(await modeOf(dataDir), 0o700);
        for (const name of [
          SQLITE_FILE_NAME,
          `${SQLITE_FILE_NAME}-wal`,
          `${SQLITE_FILE_NAME}-shm`,
          'admin-token',
        ]) {
          assert.equal((await modeOf(join(dataDir, name))).toString(8), '600', name);
        }
      } finally {
        await server.stop();
      }
    });
  });

  test('an existing DATA_DIR open to others (0755) and a database file left 0644 are tightened', async () => {
    await withParent(async (dataDir) => {
      await chmod(dataDir, 0o755);
      const file = join(dataDir, SQLITE_FILE_NAME);
      await (await openSqliteStore({ dataDir })).close();
      await chmod(dataDir, 0o755);
      await chmod(file, 0o644);
      await writeFile(`${file}-wal`, '');
      await chmod(`${file}-wal`, 0o644);
      const store = await openSqliteStore({ dataDir });
      try {
        await store.ping();
        assert.equal((await modeOf(dataDir)).toString(8), '700');
        assert.equal((await modeOf(file)).toString(8), '600');
        assert.equal((await modeOf(`${file}-wal`)).toString(8), '600');
      } finally {
        await store.close();
      }
    });
  });

  test('the SQLite store alone creates its directory 0700, nested ones included', async () => {
    await withParent(async (parent) => {
      const dataDir = join(parent, 'a', 'b');
      await mkdir(join(parent, 'a'), { mode: 0o755 });
      const store = await openSqliteStore({ dataDir });
      await store.close();
      assert.equal((await modeOf(dataDir)).toString(8), '700');
      assert.equal((await modeOf(join(dataDir, SQLITE_FILE_NAME))).toString(8), '600');
    });
  });
});
