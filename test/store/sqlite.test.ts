import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, test } from 'node:test';
import { openStore, StoreConfigError, StoreUnavailableError } from '../../src/store/open.ts';
import { MIGRATIONS, runMigrations, SchemaTooNewError } from '../../src/store/sqlite/migrations.ts';
import { openSqliteStore, SQLITE_FILE_NAME, SQLITE_LIMITS } from '../../src/store/sqlite/sqlite-store.ts';
import { inImmediateTransaction } from '../../src/store/sqlite/transaction.ts';
import { openSqliteWorkerStore, SqliteWorkerStore } from '../../src/store/sqlite/worker-store.ts';
import { at, newConversation, runStoreContract } from './contract.ts';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'chatflow-store-'));
}

/** A temp data dir removed after `body`, whatever happens. */
async function withDataDir(body: (dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = await tempDir();
  try {
    await body(dataDir);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Inspects the file through a second connection, as an operator with the sqlite3 shell would. */
function inspect<T>(dataDir: string, read: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(join(dataDir, SQLITE_FILE_NAME), { readOnly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** A data dir with the store's schema, and a raw connection of its own to the file. */
async function withRawDatabase(
  body: (db: DatabaseSync, dataDir: string) => void | Promise<void>,
): Promise<void> {
  await withDataDir(async (dataDir) => {
    await (await openSqliteStore({ dataDir })).close();
    const db = new DatabaseSync(join(dataDir, SQLITE_FILE_NAME));
    try {
      await body(db, dataDir);
    } finally {
      db.close();
    }
  });
}

runStoreContract('sqlite', async () => {
  const dataDir = await tempDir();
  const store = await openSqliteStore({ dataDir });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});

/** The connection in this thread, or in a worker thread: the file and its failures look the same. */
const OPENERS = [
  ['in-process', openSqliteStore],
  ['in a worker thread', openSqliteWorkerStore],
] as const;

for (const [where, openSqlite] of OPENERS) {
  describe(`sqlite store ${where}: the file`, () => {
    test('creates the data directory and <dataDir>/chatflow.db', async () => {
      await withDataDir(async (root) => {
        const dataDir = join(root, 'nested', 'data');
        const store = await openSqlite({ dataDir });
        await store.close();
        assert.ok(existsSync(join(dataDir, SQLITE_FILE_NAME)));
      });
    });

    test('runs in WAL mode with synchronous=FULL, foreign keys and a busy timeout', async () => {
      await withDataDir(async (dataDir) => {
        const store = await openSqlite({ dataDir });
        try {
          assert.deepEqual(store.settings(), {
            journalMode: 'wal',
            synchronous: 2,
            foreignKeys: true,
            busyTimeoutMs: SQLITE_LIMITS.busyTimeoutMs,
          });
        } finally {
          await store.close();
        }
        // WAL is a property of the file: another connection sees it too.
        assert.equal(
          inspect(dataDir, (db) => db.prepare('PRAGMA journal_mode').get()?.journal_mode),
          'wal',
        );
      });
    });

    test('everything survives close and reopen on the same directory', async () => {
      await withDataDir(async (dataDir) => {
        const first = await openSqlite({ dataDir });
        const raw = '{ "name": "kept",\n  "x": "é" }\n';
        await first.createFlowVersion({ raw, name: 'kept', at: at(1) });
        await first.createFlowVersion({ raw: '{}', name: 'v2', at: at(2) });
        await first.activateFlowVersion(1);
        const conversation = newConversation({ id: 'durable', at: at(3) });
        await first.createConversation(conversation, [
          { type: 'conversation.started', data: { flowVersion: 1 } },
        ]);
        await first.appendTurn({
          conversationId: 'durable',
          events: [{ type: 'message.user', data: { text: 'hi', clientMessageId: 'm1' } }],
          state: { after: 'turn' },
          status: 'active',
          at: at(4),
          clientMessageId: 'm1',
        });
        await first.close();

        const second = await openSqlite({ dataDir });
        try {
          assert.deepEqual(await second.listFlowVersions(), {
            current: 1,
            versions: [
              { version: 2, name: 'v2', createdAt: at(2) },
              { version: 1, name: 'kept', createdAt: at(1) },
            ],
          });
          assert.equal((await second.getCurrentFlowVersion())?.raw, raw);
          const record = await second.getConversation('durable');
          assert.deepEqual(record?.state, { after: 'turn' });
          assert.equal(record?.eventCount, 2);
          assert.deepEqual(
            (await second.getEvents('durable')).map((e) => [e.seq, e.type]),
            [
              [1, 'conversation.started'],
              [2, 'message.user'],
            ],
          );
          // The idempotency record is durable too: a client retrying after a restart is still deduplicated.
          const retry = await second.appendTurn({
            conversationId: 'durable',
            events: [{ type: 'message.user', data: { text: 'hi', clientMessageId: 'm1' } }],
            state: {},
            status: 'active',
            at: at(5),
            clientMessageId: 'm1',
          });
          assert.deepEqual(retry, { ok: false, reason: 'duplicate' });
          const next = await second.createFlowVersion({ raw: '{}', name: 'v3', at: at(6) });
          assert.equal(next.ok && next.version.version, 3);
        } finally {
          await second.close();
        }
      });
    });

    test('two connections on one file: concurrent If-Match uploads still give one winner', async () => {
      await withDataDir(async (dataDir) => {
        const a = await openSqlite({ dataDir });
        const b = await openSqlite({ dataDir });
        try {
          await a.createFlowVersion({ raw: '{}', name: 'v1', at: at(1) });
          const results = await Promise.all([
            a.createFlowVersion({ raw: '{}', name: 'from a', at: at(2), ifMatch: 1 }),
            b.createFlowVersion({ raw: '{}', name: 'from b', at: at(2), ifMatch: 1 }),
          ]);
          assert.equal(results.filter((r) => r.ok).length, 1);
          assert.equal((await b.listFlowVersions()).versions.length, 2);
        } finally {
          await a.close();
          await b.close();
        }
      });
    });
  });

  describe(`sqlite store ${where}: bad arguments`, () => {
    test('a page size outside 1..maxPageSize is a RangeError, not a query', async () => {
      await withDataDir(async (dataDir) => {
        const store = await openSqlite({ dataDir });
        try {
          for (const limit of [0, -1, 1.5, Number.NaN, SQLITE_LIMITS.maxPageSize + 1]) {
            await assert.rejects(store.listConversations({ limit }), RangeError, String(limit));
          }
          assert.deepEqual(await store.listConversations({ limit: SQLITE_LIMITS.maxPageSize }), {
            items: [],
            nextCursor: null,
          });
        } finally {
          await store.close();
        }
      });
    });

    test('ping rejects once the store is closed', async () => {
      await withDataDir(async (dataDir) => {
        const store = await openSqlite({ dataDir });
        await store.close();
        await assert.rejects(store.ping(), StoreUnavailableError);
        await assert.rejects(store.getConversation('c'), StoreUnavailableError);
      });
    });
  });

  describe(`sqlite store ${where}: the file cannot be used for a while`, () => {
    test('another process holding the write lock past busy_timeout: StoreUnavailableError, then it works again', async () => {
      await withDataDir(async (dataDir) => {
        const store = await openSqlite({ dataDir, busyTimeoutMs: 20 });
        const other = new DatabaseSync(join(dataDir, SQLITE_FILE_NAME));
        try {
          await store.createFlowVersion({ raw: '{}', name: 'v1', at: at(0) });
          await store.createConversation(newConversation({ id: 'c' }), []);
          const turn = { conversationId: 'c', events: [], state: {}, status: 'active' as const, at: at(1) };
          other.exec('BEGIN IMMEDIATE');
          const locked = await Promise.allSettled([
            store.createFlowVersion({ raw: '{}', name: 'v2', at: at(1) }),
            store.activateFlowVersion(1),
            store.claimConversation('c'),
            store.appendTurn(turn),
            store.createConversation(newConversation({ id: 'd' }), []),
          ]);
          for (const outcome of locked) {
            assert.equal(outcome.status, 'rejected');
            assert.ok(outcome.reason instanceof StoreUnavailableError, String(outcome.reason));
            assert.match(outcome.reason.message, /SQLite is unavailable: database is locked/);
          }
          // WAL: readers are not blocked by the writer.
          assert.equal((await store.getConversation('c'))?.epoch, 1);
          other.exec('ROLLBACK');
          assert.deepEqual(await store.appendTurn(turn), { ok: true, lastSeq: 0 });
          assert.equal((await store.claimConversation('c'))?.epoch, 2);
        } finally {
          other.close();
          await store.close();
        }
      });
    });

    test('a request that is wrong (a constraint) is not taken for an unavailable database', async () => {
      await withDataDir(async (dataDir) => {
        const store = await openSqlite({ dataDir });
        try {
          await store.createFlowVersion({ raw: '{}', name: 'v1', at: at(0) });
          await store.createConversation(newConversation({ id: 'c' }), []);
          await assert.rejects(store.createConversation(newConversation({ id: 'c' }), []), (error) => {
            assert.ok(!(error instanceof StoreUnavailableError));
            assert.match(String(error), /UNIQUE constraint failed/);
            return true;
          });
        } finally {
          await store.close();
        }
      });
    });
  });
}

describe('sqlite store: migrations', () => {
  test('are applied once and are a no-op on reopen', async () => {
    await withRawDatabase(async (db, dataDir) => {
      const appliedRows = () =>
        db
          .prepare('SELECT version, name FROM schema_migrations ORDER BY version')
          .all()
          .map((row) => ({ ...row }));
      const once = appliedRows();
      assert.deepEqual(
        once,
        MIGRATIONS.map((m) => ({ version: m.version, name: m.name })),
      );
      await (await openSqliteStore({ dataDir })).close();
      await (await openSqliteStore({ dataDir })).close();
      assert.deepEqual(appliedRows(), once);
      assert.deepEqual(runMigrations(db), []);
    });
  });

  test('a later migration is applied on reopen of an older database', async () => {
    await withRawDatabase((db) => {
      const next = {
        version: (MIGRATIONS.at(-1)?.version ?? 0) + 1,
        name: 'add notes',
        sql: 'CREATE TABLE notes (x TEXT) STRICT',
      };
      assert.deepEqual(runMigrations(db, [...MIGRATIONS, next]), [next.version]);
      assert.deepEqual(runMigrations(db, [...MIGRATIONS, next]), []);
      assert.ok(db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'notes'").get());
    });
  });

  test('a migration that fails is rolled back whole and not recorded', async () => {
    await withRawDatabase((db) => {
      const broken = {
        version: (MIGRATIONS.at(-1)?.version ?? 0) + 1,
        name: 'broken',
        sql: 'CREATE TABLE half_done (x TEXT); INSERT INTO no_such_table VALUES (1);',
      };
      assert.throws(() => runMigrations(db, [...MIGRATIONS, broken]), /no_such_table/);
      assert.equal(db.isTransaction, false);
      assert.equal(db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'half_done'").get(), undefined);
      assert.equal(
        db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(broken.version),
        undefined,
      );
    });
  });

  test('migration 4 marks the conversations that already hold a user message as answered', async () => {
    await withDataDir(async (dataDir) => {
      const db = new DatabaseSync(join(dataDir, SQLITE_FILE_NAME));
      try {
        runMigrations(
          db,
          MIGRATIONS.filter((m) => m.version < 4),
        );
        db.exec(`INSERT INTO flow_versions VALUES (1, 'f', '{}', '${at(0)}')`);
        for (const id of ['talked', 'silent']) {
          db.exec(`INSERT INTO conversations (id, flow_version, status, state, resume_token_hash, started_at,
                     updated_at, event_count) VALUES ('${id}', 1, 'active', '{}', 'h', '${at(0)}', '${at(0)}', 1)`);
        }
        db.exec(`INSERT INTO events VALUES ('talked', 1, 'message.user', '{"text":"hi"}', '${at(0)}')`);
        db.exec(`INSERT INTO events VALUES ('silent', 1, 'message.bot', '{"text":"hi"}', '${at(0)}')`);
      } finally {
        db.close();
      }
      const store = await openSqliteStore({ dataDir });
      try {
        assert.equal(await store.deleteExpiredConversations({ unansweredBefore: at(10), limit: 10 }), 1);
        assert.equal(await store.getConversation('silent'), null);
        assert.equal((await store.getConversation('talked'))?.userId, null);
      } finally {
        await store.close();
      }
    });
  });

  test('a database migrated by a newer release is refused, not corrupted', async () => {
    await withRawDatabase(async (db, dataDir) => {
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        999,
        'future',
        at(0),
      );
      await assert.rejects(openSqliteStore({ dataDir }), SchemaTooNewError);
    });
  });
});

describe('sqlite store: transactions', () => {
  test('a write that fails inside a transaction leaves nothing behind', async () => {
    await withRawDatabase((db) => {
      assert.throws(
        () =>
          inImmediateTransaction(db, () => {
            db.prepare('INSERT INTO flow_versions (version, name, raw, created_at) VALUES (1, ?, ?, ?)').run(
              'x',
              '{}',
              at(0),
            );
            db.prepare('UPDATE flow_pointer SET current_version = 1').run();
            throw new Error('boom after two writes');
          }),
        /boom/,
      );
      assert.equal(db.isTransaction, false);
      assert.deepEqual({ ...db.prepare('SELECT COUNT(*) AS n FROM flow_versions').get() }, { n: 0 });
      assert.deepEqual(
        { ...db.prepare('SELECT current_version FROM flow_pointer').get() },
        { current_version: null },
      );
    });
  });

  test('a conversation whose first events fail to write is not created at all', async () => {
    await withDataDir(async (dataDir) => {
      const store = await openSqliteStore({ dataDir });
      try {
        await store.createFlowVersion({ raw: '{}', name: 'v1', at: at(0) });
        const poisoned = { type: 'message.bot', data: { n: 1n } } as never;
        await assert.rejects(
          store.createConversation(newConversation({ id: 'half' }), [
            { type: 'conversation.started', data: { flowVersion: 1 } },
            poisoned,
          ]),
        );
        assert.equal(await store.getConversation('half'), null);
        assert.equal(
          inspect(dataDir, (db) => db.prepare('SELECT COUNT(*) AS n FROM events').get()?.n),
          0,
        );
      } finally {
        await store.close();
      }
    });
  });
});

describe('openStore', () => {
  test('opens the embedded SQLite store by default', async () => {
    await withDataDir(async (dataDir) => {
      const store = await openStore({ dataDir });
      try {
        assert.equal(store.kind, 'sqlite');
        await store.ping();
      } finally {
        await store.close();
      }
    });
  });

  test('sqliteWorker: the same file, served from a worker thread', async () => {
    await withDataDir(async (dataDir) => {
      const store = await openStore({ dataDir, sqliteWorker: true });
      try {
        assert.ok(store instanceof SqliteWorkerStore);
        await store.createFlowVersion({ raw: '{}', name: 'v1', at: at(0) });
      } finally {
        await store.close();
      }
      assert.equal(
        inspect(dataDir, (db) => db.prepare('SELECT COUNT(*) AS n FROM flow_versions').get()?.n),
        1,
      );
    });
  });

  test('a DATABASE_URL that is not postgres:// is refused with a clear error, and no SQLite file is made', async () => {
    await withDataDir(async (dataDir) => {
      for (const databaseUrl of [
        'mysql://root:s3cret@localhost/chatflow',
        'sqlite:./data',
        'localhost:5432',
      ]) {
        await assert.rejects(
          openStore({ dataDir, databaseUrl }),
          (error: unknown) =>
            error instanceof StoreConfigError &&
            /must start with postgres:\/\/ or postgresql:\/\//.test(error.message) &&
            !error.message.includes('s3cret'),
          databaseUrl,
        );
      }
      assert.equal(existsSync(join(dataDir, SQLITE_FILE_NAME)), false);
    });
  });
});
