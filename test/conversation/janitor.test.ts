/**
 * The janitor on a real SQLite store: periodic sweeps, small batches, and turns written between its
 * batches rather than after the whole backlog.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Janitor } from '../../src/conversation/janitor.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { at, seedConversations } from '../support/conversations.ts';

async function withStore(body: (store: SqliteStore) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'chatflow-janitor-'));
  const store = await openSqliteStore({ dataDir });
  try {
    await store.createFlowVersion({ raw: '{}', name: 'f', at: at(0) });
    await body(store);
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const FUTURE = () => new Date(Date.parse(at(0)) + 3_600_000);

test('the periodic sweep deletes the expired conversations by itself, and stop() ends it', async () => {
  await withStore(async (store) => {
    await seedConversations(store, 30);
    const swept = Promise.withResolvers<number>();
    const janitor = new Janitor({
      store,
      unansweredTtlMinutes: 10,
      retentionDays: 0,
      intervalMs: 10,
      batchSize: 7,
      now: FUTURE,
      onSwept: swept.resolve,
    });
    janitor.start();
    try {
      assert.equal(await swept.promise, 30);
    } finally {
      await janitor.stop();
    }
    assert.equal((await store.listConversations({ limit: 100 })).items.length, 0);
  });
});

test('both limits off: no sweep deletes anything, and no timer is started', async () => {
  await withStore(async (store) => {
    await seedConversations(store, 3);
    const janitor = new Janitor({ store, unansweredTtlMinutes: 0, retentionDays: 0, now: FUTURE });
    assert.equal(janitor.enabled, false);
    janitor.start();
    assert.equal(await janitor.sweep(), 0);
    await janitor.stop();
    assert.equal((await store.listConversations({ limit: 100 })).items.length, 3);
  });
});

test('a turn written during a long sweep is stored between two batches, not after the whole backlog', async () => {
  await withStore(async (store) => {
    await seedConversations(store, 200, 'old');
    const live = 'live';
    await store.createConversation(
      {
        id: live,
        flowVersion: 1,
        resumeTokenHash: 'h',
        state: {},
        status: 'active',
        at: new Date().toISOString(),
      },
      [{ type: 'conversation.started', data: { flowVersion: 1 } }],
    );
    const batches: string[] = [];
    const deleteExpired = store.deleteExpiredConversations.bind(store);
    store.deleteExpiredConversations = async (criteria) => {
      batches.push('batch');
      return deleteExpired(criteria);
    };
    const janitor = new Janitor({ store, unansweredTtlMinutes: 0, retentionDays: 1, batchSize: 10 });
    const sweep = janitor.sweep(new Date(Date.parse(at(0)) + 2 * 86_400_000));
    // Asked for right after the sweep began: it must not wait for the 20 batches.
    const turn = store
      .appendTurn({
        conversationId: live,
        events: [{ type: 'message.user', data: { text: 'still here' } }],
        state: {},
        status: 'active',
        at: new Date().toISOString(),
      })
      .then((result) => {
        batches.push('turn');
        return result;
      });
    assert.equal(await sweep, 200);
    assert.deepEqual(await turn, { ok: true, lastSeq: 2 });
    const turnAt = batches.indexOf('turn');
    assert.ok(turnAt > 0 && turnAt < 5, `the turn went in after batch ${turnAt} of ${batches.length - 1}`);
    assert.equal((await store.listConversations({ limit: 100 })).items.length, 1);
  });
});
