/**
 * SQLite group commit: the writes of one event-loop turn share one transaction, each in its own
 * savepoint. The Store contract holds with and without it; a failing write never loses or wrongly
 * succeeds another one, including when the transaction itself fails (COMMIT refused, transaction
 * abandoned by SQLite).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, test } from 'node:test';
import type { HistoryEvent } from '../../src/engine/history.ts';
import { GroupCommit } from '../../src/store/sqlite/group-commit.ts';
import { openSqliteStore, SQLITE_FILE_NAME } from '../../src/store/sqlite/sqlite-store.ts';
import { openSqliteWorkerStore } from '../../src/store/sqlite/worker-store.ts';
import { at, newConversation, runStoreContract } from './contract.ts';

runStoreContract('sqlite without group commit', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'chatflow-store-'));
  const store = await openSqliteStore({ dataDir, groupCommit: false });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});

const said = (text: string): HistoryEvent => ({ type: 'message.user', data: { text } });
/** JSON.stringify throws on a BigInt: a write that fails half-way through its events. */
const poisoned = { type: 'message.bot', data: { n: 1n } } as never;

/** The store's connection in this thread, or in a worker thread: the group commit behaves the same. */
const OPENERS = [
  ['in-process', openSqliteStore],
  ['in a worker thread', openSqliteWorkerStore],
] as const;

for (const [where, openStore] of OPENERS) {
  async function withStore(
    body: (store: Awaited<ReturnType<typeof openStore>>, dataDir: string) => Promise<void>,
  ) {
    const dataDir = await mkdtemp(join(tmpdir(), 'chatflow-group-'));
    const store = await openStore({ dataDir });
    try {
      await store.createFlowVersion({ raw: '{}', name: 'v1', at: at(0) }); // conversations reference it
      await body(store, dataDir);
    } finally {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }

  /** Counts rows through a second connection, as another process would see the file. */
  function countRows(dataDir: string, sql: string): number {
    const db = new DatabaseSync(join(dataDir, SQLITE_FILE_NAME), { readOnly: true });
    try {
      return Number(Object.values(db.prepare(sql).get() ?? {})[0]);
    } finally {
      db.close();
    }
  }

  describe(`sqlite store ${where}: group commit`, () => {
    test('writes of many conversations in one event-loop turn share one transaction', async () => {
      await withStore(async (store) => {
        const ids = Array.from({ length: 50 }, (_, i) => `c${i}`);
        await Promise.all(ids.map((id) => store.createConversation(newConversation({ id }), [said('hi')])));
        const results = await Promise.all(
          ids.map((id, i) =>
            store.appendTurn({
              conversationId: id,
              events: [said(`a${i}`), said(`b${i}`)],
              state: { i },
              status: 'active',
              at: at(1),
            }),
          ),
        );
        assert.deepEqual(
          results,
          ids.map(() => ({ ok: true, lastSeq: 3 })),
        );
        assert.deepEqual(store.writeStats(), { transactions: 2, writes: 100 });
        for (const [i, id] of ids.entries()) {
          const events = await store.getEvents(id);
          assert.deepEqual(
            events.map((e) => [e.seq, e.data]),
            [
              [1, { text: 'hi' }],
              [2, { text: `a${i}` }],
              [3, { text: `b${i}` }],
            ],
          );
          assert.deepEqual((await store.getConversation(id))?.state, { i });
        }
      });
    });

    test('each write of a batch gets its own outcome: ok, duplicate, fenced, not found', async () => {
      await withStore(async (store) => {
        for (const id of ['ok', 'dup', 'fenced'])
          await store.createConversation(newConversation({ id }), [said('hi')]);
        await store.appendTurn({
          conversationId: 'dup',
          clientMessageId: 'm1',
          events: [said('x')],
          state: {},
          status: 'active',
          at: at(1),
        });
        await store.claimConversation('fenced');
        const base = { events: [said('y')], state: {}, status: 'active' as const, at: at(2) };
        const before = store.writeStats().transactions;
        const results = await Promise.all([
          store.appendTurn({ ...base, conversationId: 'ok', epoch: 1 }),
          store.appendTurn({ ...base, conversationId: 'dup', clientMessageId: 'm1' }),
          store.appendTurn({ ...base, conversationId: 'fenced', epoch: 1 }),
          store.appendTurn({ ...base, conversationId: 'nobody' }),
        ]);
        assert.equal(store.writeStats().transactions - before, 1, 'one transaction for the four');
        assert.deepEqual(results, [
          { ok: true, lastSeq: 2 },
          { ok: false, reason: 'duplicate' },
          { ok: false, reason: 'fenced' },
          { ok: false, reason: 'not_found' },
        ]);
        assert.equal((await store.getEvents('dup')).length, 2);
        assert.equal((await store.getEvents('fenced')).length, 1);
      });
    });

    test('a write that throws is rolled back alone; the others of its batch are committed', async () => {
      await withStore(async (store, dataDir) => {
        const outcomes = await Promise.allSettled([
          store.createConversation(newConversation({ id: 'before' }), [said('a')]),
          store.createConversation(newConversation({ id: 'broken' }), [said('b'), poisoned]),
          store.createConversation(newConversation({ id: 'after' }), [said('c')]),
          store.createConversation(newConversation({ id: 'before' }), [said('same id again')]),
        ]);
        assert.deepEqual(
          outcomes.map((o) => o.status),
          ['fulfilled', 'rejected', 'fulfilled', 'rejected'],
        );
        assert.deepEqual(store.writeStats(), { transactions: 1, writes: 4 });
        assert.equal(await store.getConversation('broken'), null);
        assert.deepEqual(
          (await store.getEvents('before')).map((e) => e.data),
          [{ text: 'a' }],
        );
        assert.equal(countRows(dataDir, 'SELECT COUNT(*) FROM conversations'), 2);
        assert.equal(countRows(dataDir, 'SELECT COUNT(*) FROM events'), 2);
      });
    });

    test('close() commits the writes still queued', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'chatflow-group-'));
      try {
        const store = await openStore({ dataDir });
        await store.createFlowVersion({ raw: '{}', name: 'v1', at: at(0) });
        const pending = store.createConversation(newConversation({ id: 'late' }), [said('hi')]);
        await store.close();
        await pending;
        assert.equal(countRows(dataDir, "SELECT COUNT(*) FROM conversations WHERE id = 'late'"), 1);
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  });
}

describe('GroupCommit when the transaction itself fails', () => {
  function database(): DatabaseSync {
    const db = new DatabaseSync(':memory:');
    db.exec('PRAGMA foreign_keys = ON');
    db.exec('CREATE TABLE parent (id TEXT PRIMARY KEY)');
    db.exec(
      'CREATE TABLE child (id TEXT PRIMARY KEY, parent TEXT REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)',
    );
    return db;
  }
  const ids = (db: DatabaseSync, table: string) =>
    db
      .prepare(`SELECT id FROM ${table} ORDER BY id`)
      .all()
      .map((row) => row.id);

  test('COMMIT refused (a deferred constraint): each write is retried alone and settles on its own', async () => {
    const db = database();
    const group = new GroupCommit(db);
    const insert = (table: string, id: string, parent?: string) => () =>
      parent === undefined
        ? db.prepare(`INSERT INTO ${table} (id) VALUES (?)`).run(id)
        : db.prepare(`INSERT INTO ${table} (id, parent) VALUES (?, ?)`).run(id, parent);
    const outcomes = await Promise.allSettled([
      group.run(insert('parent', 'p1')),
      group.run(insert('child', 'orphan', 'nobody')), // only checked at COMMIT
      group.run(insert('child', 'c1', 'p1')),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(ids(db, 'parent'), ['p1']);
    assert.deepEqual(ids(db, 'child'), ['c1']);
    assert.equal(db.isTransaction, false);
    assert.deepEqual(group.stats(), { transactions: 4, writes: 3 });
  });

  test('a transaction SQLite abandoned mid-batch: nothing is lost and nothing is written twice', async () => {
    const db = database();
    const group = new GroupCommit(db);
    let abandoned = false;
    const outcomes = await Promise.allSettled([
      group.run(() => db.prepare('INSERT INTO parent (id) VALUES (?)').run('a')),
      group.run(() => {
        if (!abandoned) {
          // What SQLite does on SQLITE_FULL or an I/O error: the whole transaction is rolled back.
          abandoned = true;
          db.exec('ROLLBACK');
          throw new Error('disk full');
        }
        return db.prepare('INSERT INTO parent (id) VALUES (?)').run('b');
      }),
      group.run(() => db.prepare('INSERT INTO parent (id) VALUES (?)').run('c')),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'fulfilled', 'fulfilled'],
    );
    assert.deepEqual(ids(db, 'parent'), ['a', 'b', 'c']);
    assert.equal(db.isTransaction, false);
  });
});
