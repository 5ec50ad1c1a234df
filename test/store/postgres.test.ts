/**
 * The PostgreSQL store against the real server on this machine: the shared contract suite, then what
 * only several processes on one database, or a database that goes away, can show.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Client } from 'pg';
import type { HistoryEvent } from '../../src/engine/history.ts';
import { openStore } from '../../src/store/open.ts';
import { POSTGRES_LIMITS, type PostgresLimits } from '../../src/store/postgres/limits.ts';
import { MIGRATIONS, runMigrations, SchemaTooNewError } from '../../src/store/postgres/migrations.ts';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import {
  InvalidCursorError,
  type Store,
  StoreConfigError,
  StoreUnavailableError,
  type TurnWrite,
} from '../../src/store/store.ts';
import { createTestDatabase, SeverableProxy, withClient } from '../support/postgres.ts';
import { at, newConversation, runStoreContract } from './contract.ts';

// Fails the whole file, with instructions, when PostgreSQL is not running: never a silent skip.
const database = await createTestDatabase();
after(() => database.drop());

/** Every store opened here gets a schema of its own in the run's database, unless it asks for one. */
let schemas = 0;
const freshSchema = (prefix: string) => {
  schemas += 1;
  return `${prefix}_${schemas}`;
};

/** Short bounds, so failures are noticed in milliseconds rather than the production seconds. */
const FAST: Partial<PostgresLimits> = {
  connectionTimeoutMs: 1_000,
  queryTimeoutMs: 2_000,
  pingTimeoutMs: 1_000,
  listenReconnectMinMs: 10,
  listenReconnectMaxMs: 100,
};

async function withStores(
  count: number,
  options: { schema: string; url?: string; limits?: Partial<PostgresLimits> },
  body: (stores: PostgresStore[]) => Promise<void>,
): Promise<void> {
  const stores = await Promise.all(
    Array.from({ length: count }, () =>
      openPostgresStore({
        url: options.url ?? database.url,
        schema: options.schema,
        limits: options.limits ?? {},
      }),
    ),
  );
  try {
    await body(stores);
  } finally {
    await Promise.all(stores.map((store) => store.close()));
  }
}

/** Two stores = two pools = two instances of the server on one database. */
async function withTwoInstances(body: (a: PostgresStore, b: PostgresStore) => Promise<void>): Promise<void> {
  await withStores(2, { schema: freshSchema('instances') }, async ([a, b]) => {
    if (!a || !b) throw new Error('two stores expected');
    await body(a, b);
  });
}

/** Resolves with the value `register` hands to its callback, or fails the test after a generous bound. */
function nextCall<T>(what: string, register: (callback: (value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not happen within 5 s`)), 5_000);
    timer.unref();
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** Polls `condition` until it holds, failing the test after a generous bound. */
async function eventually(what: string, condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 500 && !condition(); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.ok(condition(), `${what}: did not happen within 5 s`);
}

/** TCP sockets and servers alive in this process: pg connections, a proxy and the sockets it pipes. */
function openTcpHandles(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource.startsWith('TCP')).length;
}

/** Records uncaught exceptions and unhandled rejections during `body`: there must be none. */
async function assertNoStrayErrors(body: () => Promise<void>): Promise<void> {
  const stray: unknown[] = [];
  const record = (error: unknown) => stray.push(error);
  const tcpBefore = openTcpHandles();
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  try {
    await body();
    // Look only once every socket the body opened has closed, so their late events have had their turn.
    await eventually('the connections of the test are closed', () => openTcpHandles() <= tcpBefore);
    await new Promise(setImmediate);
  } finally {
    process.off('uncaughtException', record);
    process.off('unhandledRejection', record);
  }
  assert.deepEqual(stray, []);
}

const started: HistoryEvent = { type: 'conversation.started', data: { flowVersion: 1 } };
const userSaid = (text: string): HistoryEvent => ({ type: 'message.user', data: { text } });
const botSaid = (text: string): HistoryEvent => ({
  type: 'message.bot',
  data: { messageId: `m-${text}`, blockId: 'b', text },
});

/** A store with one flow version and one conversation `c` on it. */
async function seedConversation(store: Store, id = 'c'): Promise<void> {
  const created = await store.createFlowVersion({ raw: '{}', name: 'v1', at: at(0) });
  assert.equal(created.ok, true);
  await store.createConversation(newConversation({ id }), [started]);
}

runStoreContract('postgres', async () => {
  const store = await openPostgresStore({ url: database.url, schema: freshSchema('contract') });
  return { store, cleanup: () => store.close() };
});

describe('postgres store: migrations', () => {
  /** Raw connections with the search_path a store on `schema` would have. */
  async function withRawClients(
    count: number,
    schema: string,
    body: (clients: Client[]) => Promise<void>,
  ): Promise<void> {
    const clients = Array.from(
      { length: count },
      () => new Client({ connectionString: database.url, options: `-c search_path=${schema}` }),
    );
    for (const client of clients) client.on('error', () => {});
    try {
      await Promise.all(clients.map((client) => client.connect()));
      await body(clients);
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
  }

  const appliedRows = (schema: string) =>
    withClient(database.url, async (client) => {
      const { rows } = await client.query(
        `SELECT version, name FROM ${schema}.schema_migrations ORDER BY version`,
      );
      return rows;
    });

  test('three instances starting at once on a fresh schema: applied once, no error, all three work', async () => {
    const schema = freshSchema('concurrent_start');
    await withStores(3, { schema }, async (stores) => {
      assert.deepEqual(
        await appliedRows(schema),
        MIGRATIONS.map((m) => ({ version: m.version, name: m.name })),
      );
      for (const [i, store] of stores.entries()) {
        const result = await store.createFlowVersion({ raw: '{}', name: `from ${i}`, at: at(i) });
        assert.equal(result.ok && result.version.version, i + 1);
      }
    });
  });

  test('concurrent migration runs: exactly one applies, the others wait for it and apply nothing', async () => {
    const schema = freshSchema('race');
    await withRawClients(4, schema, async (clients) => {
      const results = await Promise.all(clients.map((client) => runMigrations(client, { schema })));
      const allVersions = MIGRATIONS.map((m) => m.version);
      assert.deepEqual(results.map((applied) => applied.length).sort(), [0, 0, 0, allVersions.length]);
      assert.deepEqual(
        results.find((applied) => applied.length > 0),
        allVersions,
      );
    });
  });

  test('reopening applies nothing; a later migration is applied once', async () => {
    const schema = freshSchema('later');
    await (await openPostgresStore({ url: database.url, schema })).close();
    const once = await appliedRows(schema);
    await (await openPostgresStore({ url: database.url, schema })).close();
    assert.deepEqual(await appliedRows(schema), once);
    await withRawClients(1, schema, async ([client]) => {
      if (!client) throw new Error('client expected');
      const next = {
        version: (MIGRATIONS.at(-1)?.version ?? 0) + 1,
        name: 'add notes',
        sql: 'CREATE TABLE notes (x text)',
      };
      assert.deepEqual(await runMigrations(client, { schema, migrations: [...MIGRATIONS, next] }), [
        next.version,
      ]);
      assert.deepEqual(await runMigrations(client, { schema, migrations: [...MIGRATIONS, next] }), []);
      await client.query('SELECT x FROM notes');
    });
  });

  test('a migration that fails is rolled back whole and not recorded', async () => {
    const schema = freshSchema('broken');
    await (await openPostgresStore({ url: database.url, schema })).close();
    await withRawClients(1, schema, async ([client]) => {
      if (!client) throw new Error('client expected');
      const broken = {
        version: (MIGRATIONS.at(-1)?.version ?? 0) + 1,
        name: 'broken',
        sql: 'CREATE TABLE half_done (x text); INSERT INTO no_such_table VALUES (1);',
      };
      await assert.rejects(
        runMigrations(client, { schema, migrations: [...MIGRATIONS, broken] }),
        /no_such_table/,
      );
      const { rows } = await client.query("SELECT to_regclass('half_done') AS table");
      assert.deepEqual(rows, [{ table: null }]);
      assert.equal((await appliedRows(schema)).length, MIGRATIONS.length);
    });
  });

  test('a database migrated by a newer release is refused, not corrupted', async () => {
    const schema = freshSchema('future');
    await (await openPostgresStore({ url: database.url, schema })).close();
    await withClient(database.url, (client) =>
      client.query(`INSERT INTO ${schema}.schema_migrations (version, name) VALUES (999, 'future')`),
    );
    await assert.rejects(openPostgresStore({ url: database.url, schema }), SchemaTooNewError);
  });

  test('connections run with the declared timeouts, in their schema', async () => {
    const schema = freshSchema('settings');
    await withStores(1, { schema }, async ([store]) => {
      assert.deepEqual(await store?.settings(), {
        statementTimeout: `${POSTGRES_LIMITS.statementTimeoutMs / 1_000}s`,
        idleInTransactionSessionTimeout: `${POSTGRES_LIMITS.idleInTransactionTimeoutMs / 1_000}s`,
        schema,
        applicationName: 'chatflow',
      });
    });
  });
});

describe('postgres store: two instances on one database', () => {
  test('concurrent If-Match uploads from both: one winner per round, never two versions', async () => {
    await withTwoInstances(async (a, b) => {
      await a.createFlowVersion({ raw: '{}', name: 'v1', at: at(0) });
      for (let round = 1; round <= 5; round += 1) {
        const results = await Promise.all([
          a.createFlowVersion({ raw: '{"from":"a"}', name: 'a', at: at(round), ifMatch: round }),
          b.createFlowVersion({ raw: '{"from":"b"}', name: 'b', at: at(round), ifMatch: round }),
        ]);
        assert.equal(results.filter((r) => r.ok).length, 1, `round ${round}`);
        assert.deepEqual(
          results.find((r) => !r.ok),
          { ok: false, reason: 'version_conflict', current: round + 1 },
        );
      }
      const listed = await b.listFlowVersions();
      assert.equal(listed.current, 6);
      assert.deepEqual(
        listed.versions.map((v) => v.version),
        [6, 5, 4, 3, 2, 1],
      );
    });
  });

  test('concurrent If-Match rollbacks from both: one winner', async () => {
    await withTwoInstances(async (a, b) => {
      for (const version of [1, 2, 3])
        await a.createFlowVersion({ raw: '{}', name: `v${version}`, at: at(version) });
      const results = await Promise.all([a.activateFlowVersion(1, 3), b.activateFlowVersion(2, 3)]);
      assert.equal(results.filter((r) => r.ok).length, 1);
      const winner = results[0]?.ok ? 1 : 2;
      assert.deepEqual(
        results.find((r) => !r.ok),
        { ok: false, reason: 'version_conflict', current: winner },
      );
      assert.equal((await b.listFlowVersions()).current, winner);
    });
  });

  test('concurrent turns on one conversation from both: seq has no gap, no duplicate, turns stay whole', async () => {
    await withTwoInstances(async (a, b) => {
      await seedConversation(a);
      const writersPerInstance = 8;
      const results = await Promise.all(
        [a, b].flatMap((store, instance) =>
          Array.from({ length: writersPerInstance }, (_, i) =>
            store.appendTurn({
              conversationId: 'c',
              events: [userSaid(`${instance}.${i}`), botSaid(`${instance}.${i}`)],
              state: { last: `${instance}.${i}` },
              status: 'active',
              at: at(1 + i),
              clientMessageId: `${instance}.${i}`,
            }),
          ),
        ),
      );
      assert.ok(results.every((r) => r.ok));
      const total = 1 + 2 * 2 * writersPerInstance;
      assert.deepEqual(
        results.map((r) => (r.ok ? r.lastSeq : 0)).sort((x, y) => x - y),
        Array.from({ length: 2 * writersPerInstance }, (_, i) => 3 + 2 * i),
      );
      const events = await b.getEvents('c');
      assert.deepEqual(
        events.map((e) => e.seq),
        Array.from({ length: total }, (_, i) => i + 1),
      );
      for (let i = 1; i < events.length; i += 2) {
        const user = events[i]?.data as { text: string };
        const bot = events[i + 1]?.data as { text: string };
        assert.equal(user.text, bot.text, `turn at seq ${i + 1} is interleaved`);
      }
      const record = await a.getConversation('c');
      assert.equal(record?.eventCount, total);
    });
  });

  test('the same clientMessageId from both at once is processed once', async () => {
    await withTwoInstances(async (a, b) => {
      await seedConversation(a);
      const turn = {
        conversationId: 'c',
        events: [userSaid('once')],
        state: {},
        status: 'active' as const,
        at: at(1),
        clientMessageId: 'retry-me',
      };
      const results = await Promise.all([a.appendTurn(turn), b.appendTurn(turn)]);
      assert.deepEqual(results.map((r) => (r.ok ? 'ok' : r.reason)).sort(), ['duplicate', 'ok']);
      assert.equal((await a.getEvents('c')).length, 2);
    });
  });

  test('what one instance writes, the other reads at once', async () => {
    await withTwoInstances(async (a, b) => {
      await seedConversation(a);
      await a.appendTurn({
        conversationId: 'c',
        events: [userSaid('hi')],
        state: { n: 1 },
        status: 'ended',
        at: at(2),
      });
      const record = await b.getConversation('c');
      assert.deepEqual([record?.status, record?.state, record?.eventCount], ['ended', { n: 1 }, 2]);
      assert.equal((await b.getCurrentFlowVersion())?.version, 1);
    });
  });
});

describe('postgres store: input PostgreSQL could not keep as given', () => {
  test('a timestamp not in toISOString() form is refused before any query', async () => {
    await withStores(1, { schema: freshSchema('timestamps') }, async ([store]) => {
      if (!store) throw new Error('store expected');
      for (const bad of [
        '2025-01-01T12:00:00Z',
        '2025-01-01 12:00:00.000Z',
        '2025-01-01T12:00:00.000+01:00',
        'soon',
      ]) {
        await assert.rejects(store.createFlowVersion({ raw: '{}', name: 'x', at: bad }), RangeError, bad);
      }
      assert.deepEqual((await store.listFlowVersions()).versions, []);
    });
  });

  test('a well-formed cursor whose sort key is not a timestamp is an InvalidCursorError, not a database error', async () => {
    await withStores(1, { schema: freshSchema('cursors') }, async ([store]) => {
      const forged = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
      for (const cursor of [forged({ s: 'yesterday', i: 'x' }), forged({ s: at(1), i: 'x\u0000' })]) {
        await assert.rejects(
          store?.listConversations({ limit: 5, cursor }) ?? Promise.reject(),
          InvalidCursorError,
        );
      }
    });
  });

  test('a page size outside 1..maxPageSize is a RangeError', async () => {
    await withStores(1, { schema: freshSchema('pages') }, async ([store]) => {
      for (const limit of [0, 1.5, POSTGRES_LIMITS.maxPageSize + 1]) {
        await assert.rejects(store?.listConversations({ limit }) ?? Promise.reject(), RangeError);
      }
    });
  });
});

describe('postgres store: the database goes away and comes back', () => {
  test('with the connection cut, calls reject with StoreUnavailableError; once restored, the same store works', async () => {
    await assertNoStrayErrors(() =>
      withProxiedStore(async (store, proxy) => {
        await seedConversation(store);
        proxy.sever();
        await assert.rejects(store.ping(), StoreUnavailableError);
        const turn = { conversationId: 'c', state: {}, status: 'active' as const, at: at(1) };
        await assert.rejects(
          store.appendTurn({ ...turn, events: [userSaid('lost?')] }),
          StoreUnavailableError,
        );
        await assert.rejects(store.getConversation('c'), StoreUnavailableError);
        await assert.rejects(store.listConversations({ limit: 5 }), StoreUnavailableError);
        await assert.rejects(
          store.createFlowVersion({ raw: '{}', name: 'v2', at: at(1) }),
          StoreUnavailableError,
        );

        proxy.restore();
        await store.ping();
        assert.deepEqual(await store.appendTurn({ ...turn, events: [userSaid('back')] }), {
          ok: true,
          lastSeq: 2,
        });
        assert.deepEqual(
          (await store.getEvents('c')).map((e) => [e.seq, e.type]),
          [
            [1, 'conversation.started'],
            [2, 'message.user'],
          ],
        );
      }),
    );
  });

  test('a turn cut off mid-transaction writes nothing, and its retry is not taken for a duplicate', async () => {
    await assertNoStrayErrors(() =>
      withProxiedStore(async (store, proxy) => {
        await seedConversation(store);
        const turn = {
          conversationId: 'c',
          events: [userSaid('hello'), botSaid('hi')],
          state: { turn: 1 },
          status: 'active' as const,
          at: at(1),
          clientMessageId: 'm1',
        };
        // Another session holds the conversation row, so the turn is sure to be inside its transaction,
        // waiting for the lock, when the connection is cut.
        await withClient(database.url, async (blocker) => {
          const schema = (await store.settings()).schema;
          await blocker.query('BEGIN');
          await blocker.query(`SELECT 1 FROM ${schema}.conversations WHERE id = 'c' FOR UPDATE`);
          const inFlight = store.appendTurn(turn);
          await waitForLockWaiter(blocker);
          proxy.sever();
          await assert.rejects(inFlight, StoreUnavailableError);
          await blocker.query('COMMIT');
        });
        proxy.restore();
        assert.equal((await store.getConversation('c'))?.eventCount, 1);
        assert.deepEqual(await store.appendTurn(turn), { ok: true, lastSeq: 3 });
      }),
    );
  });

  test('a server that kills idle connections (restart, admin) is reported, and the next call works', async () => {
    await assertNoStrayErrors(async () => {
      const errors: Error[] = [];
      const schema = freshSchema('terminated');
      const store = await openPostgresStore({
        url: database.url,
        schema,
        onConnectionError: (e) => errors.push(e),
      });
      try {
        await seedConversation(store);
        await withClient(database.url, (client) =>
          client.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = current_database() AND application_name = 'chatflow' AND state = 'idle'`,
          ),
        );
        await eventually('the idle-connection error is reported', () => errors.length > 0);
        assert.equal((await store.getConversation('c'))?.eventCount, 1);
      } finally {
        await store.close();
      }
    });
  });

  test('a database that stops answering: calls and ping fail after their timeouts, the LISTEN connection notices by itself; all recover', async () => {
    const limits = {
      connectionTimeoutMs: 300,
      queryTimeoutMs: 300,
      pingTimeoutMs: 200,
      listenHeartbeatMs: 50,
    };
    await withProxiedListener(
      limits,
      async ({ listener, sender, proxy, errors, reconnected, nextMessage }) => {
        await seedConversation(listener);
        proxy.silence();
        await assert.rejects(listener.ping(), StoreUnavailableError);
        await assert.rejects(listener.getConversation('c'), StoreUnavailableError);
        await eventually('the silent LISTEN connection is noticed', () =>
          errors.some((error) => /stopped answering/.test(error.message)),
        );
        proxy.restore();
        await reconnected;
        const delivered = nextMessage();
        await sender.notifications.notify('flow_activated', 'back');
        assert.equal(await delivered, 'back');
        assert.equal((await listener.getConversation('c'))?.eventCount, 1);
      },
    );
  });

  test('opening a store on an unreachable database fails with StoreUnavailableError', async () => {
    const proxy = await SeverableProxy.start();
    try {
      proxy.sever();
      await assert.rejects(
        openPostgresStore({
          url: proxy.url(database.name),
          schema: freshSchema('unreachable'),
          limits: FAST,
        }),
        StoreUnavailableError,
      );
    } finally {
      await proxy.close();
    }
  });
});

/** A store (tight timeouts) reaching PostgreSQL through a proxy the test can sever. */
async function withProxiedStore(
  body: (store: PostgresStore, proxy: SeverableProxy) => Promise<void>,
): Promise<void> {
  const proxy = await SeverableProxy.start();
  const store = await openPostgresStore({
    url: proxy.url(database.name),
    schema: freshSchema('faults'),
    limits: FAST,
  });
  try {
    await body(store, proxy);
  } finally {
    await store.close();
    await proxy.close();
  }
}

/**
 * A store behind a proxy (`listener`) subscribed to flow_activated, and a store on the direct
 * connection (`sender`), both on one schema; no stray error may escape while `body` runs.
 */
async function withProxiedListener(
  limits: Partial<PostgresLimits>,
  body: (context: {
    listener: PostgresStore;
    sender: PostgresStore;
    proxy: SeverableProxy;
    /** What the listener reported through onConnectionError. */
    errors: Error[];
    /** Every payload the listener heard. */
    heard: string[];
    /** Settles on the listener's first onReconnect. */
    reconnected: Promise<void>;
    /** Settles with the next payload the listener hears. */
    nextMessage: () => Promise<string>;
  }) => Promise<void>,
): Promise<void> {
  await assertNoStrayErrors(async () => {
    const proxy = await SeverableProxy.start();
    const schema = freshSchema('listen_faults');
    const errors: Error[] = [];
    const listener = await openPostgresStore({
      url: proxy.url(database.name),
      schema,
      limits: { ...FAST, ...limits },
      onConnectionError: (error) => errors.push(error),
    });
    const sender = await openPostgresStore({ url: database.url, schema });
    try {
      const heard: string[] = [];
      let onMessage: (payload: string) => void = () => {};
      let onReconnect: () => void = () => {};
      const reconnected = nextCall<void>('the reconnection', (done) => {
        onReconnect = done;
      });
      // Awaited by the tests that cause a reconnection; the others must not see it as unhandled.
      reconnected.catch(() => {});
      await listener.notifications.listen(
        'flow_activated',
        (payload) => {
          heard.push(payload);
          onMessage(payload);
        },
        () => onReconnect(),
      );
      const nextMessage = () =>
        nextCall<string>('a delivery', (done) => {
          onMessage = done;
        });
      await body({ listener, sender, proxy, errors, heard, reconnected, nextMessage });
    } finally {
      await listener.close();
      await sender.close();
      await proxy.close();
    }
  });
}

/** Waits until some session of this database is waiting for a row lock. */
async function waitForLockWaiter(observer: Client): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    const { rows } = await observer.query(
      `SELECT 1 FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name = 'chatflow'`,
    );
    if (rows.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the turn never waited for the row lock');
}

describe('postgres store: LISTEN/NOTIFY between instances', () => {
  test('a notification from one instance reaches the listeners of every instance', async () => {
    await withTwoInstances(async (a, b) => {
      let onA: (payload: string) => void = () => {};
      let onB: (payload: string) => void = () => {};
      await a.notifications.listen('flow_activated', (payload) => onA(payload));
      await b.notifications.listen('flow_activated', (payload) => onB(payload));
      const atA = nextCall<string>('delivery to A', (done) => {
        onA = done;
      });
      const atB = nextCall<string>('delivery to B', (done) => {
        onB = done;
      });
      await b.notifications.notify('flow_activated', '{"version":2}');
      assert.deepEqual(await Promise.all([atA, atB]), ['{"version":2}', '{"version":2}']);
    });
  });

  test('after unsubscribing, a listener hears nothing more; other listeners still do', async () => {
    await withTwoInstances(async (a, b) => {
      const heardByFirst: string[] = [];
      const unsubscribe = await a.notifications.listen('events', (payload) => heardByFirst.push(payload));
      let onSecond: (payload: string) => void = () => {};
      await a.notifications.listen('events', (payload) => onSecond(payload));
      const first = nextCall<string>('first delivery', (done) => {
        onSecond = done;
      });
      await b.notifications.notify('events', 'one');
      assert.equal(await first, 'one');
      await unsubscribe();
      const second = nextCall<string>('second delivery', (done) => {
        onSecond = done;
      });
      await b.notifications.notify('events', 'two');
      // Both subscriptions share one connection, so "two" reached the first one too, if anything did.
      assert.equal(await second, 'two');
      assert.deepEqual(heardByFirst, ['one']);
    });
  });

  test('the listening connection comes back by itself after a cut, says so, and hears new messages', async () => {
    await withProxiedListener({}, async ({ sender, proxy, heard, reconnected, nextMessage }) => {
      proxy.sever();
      // Sent while the listener is cut off: lost, which is what onReconnect tells the subscriber.
      await sender.notifications.notify('flow_activated', 'during the cut');
      proxy.restore();
      await reconnected;
      const delivered = nextMessage();
      await sender.notifications.notify('flow_activated', 'after the cut');
      assert.equal(await delivered, 'after the cut');
      assert.deepEqual(heard, ['after the cut']);
    });
  });

  test('listen on an unreachable database rejects and leaves nothing subscribed', async () => {
    await withProxiedStore(async (store, proxy) => {
      proxy.sever();
      const heardByFailed: string[] = [];
      await assert.rejects(
        store.notifications.listen('flow_activated', (payload) => heardByFailed.push(payload)),
        StoreUnavailableError,
      );
      proxy.restore();
      const heard: string[] = [];
      const delivered = nextCall<string>('delivery', (done) => {
        void store.notifications
          .listen('flow_activated', (payload) => {
            heard.push(payload);
            done(payload);
          })
          .then(() => store.notifications.notify('flow_activated', 'x'));
      });
      assert.equal(await delivered, 'x');
      // The failed subscription left nothing behind to be called.
      assert.deepEqual([heard, heardByFailed], [['x'], []]);
    });
  });

  test('bad channel names and oversized payloads are RangeErrors', async () => {
    await withTwoInstances(async (a) => {
      for (const channel of ['', 'Upper', 'with space', 'semi;colon', 'x'.repeat(64)]) {
        await assert.rejects(
          a.notifications.listen(channel, () => {}),
          RangeError,
          channel,
        );
        await assert.rejects(a.notifications.notify(channel, 'x'), RangeError, channel);
      }
      const limit = POSTGRES_LIMITS.maxNotifyPayloadBytes;
      await assert.rejects(a.notifications.notify('ok', 'é'.repeat(Math.floor(limit / 2) + 1)), RangeError);
      await assert.rejects(a.notifications.notify('ok', 'nul\u0000'), RangeError);
      await a.notifications.notify('ok', 'x'.repeat(limit));
    });
  });
});

describe('openStore with DATABASE_URL', () => {
  test('postgres:// and postgresql:// open the PostgreSQL store, with notifications', async () => {
    for (const scheme of ['postgres', 'postgresql']) {
      const store = await openStore({
        dataDir: '/nonexistent',
        databaseUrl: database.url.replace(/^postgres/, scheme),
      });
      try {
        assert.equal(store.kind, 'postgres');
        assert.ok(store.notifications);
        await store.ping();
      } finally {
        await store.close();
      }
    }
  });

  test('a closed store rejects calls with StoreUnavailableError, listen included', async () => {
    const store = await openPostgresStore({ url: database.url, schema: freshSchema('closed') });
    await store.close();
    await assert.rejects(store.ping(), StoreUnavailableError);
    await assert.rejects(store.getConversation('c'), StoreUnavailableError);
    await assert.rejects(
      store.notifications.listen('flow_activated', () => {}),
      StoreUnavailableError,
    );
  });

  test('a malformed postgres URL is a StoreConfigError that does not repeat the password', async () => {
    for (const databaseUrl of ['postgres://user:s3cret@[::1/db', 'postgres://user:s3cret@host:notaport/db']) {
      await assert.rejects(
        openStore({ dataDir: '/nonexistent', databaseUrl }),
        (error: unknown) => error instanceof StoreConfigError && !error.message.includes('s3cret'),
        databaseUrl,
      );
    }
  });
});

describe('postgres store: group commit of appendTurn', () => {
  const turn = (conversationId: string, extra: Partial<TurnWrite> = {}): TurnWrite => ({
    conversationId,
    events: [userSaid(`to ${conversationId}`), botSaid(`from ${conversationId}`)],
    state: { at: conversationId },
    status: 'active',
    at: at(2),
    ...extra,
  });

  test('appends of one loop turn share one transaction, each with its own outcome', async () => {
    await withStores(1, { schema: freshSchema('group') }, async ([store]) => {
      if (!store) throw new Error('a store expected');
      await seedConversation(store, 'ok');
      for (const id of ['dup', 'fenced', 'ok2'])
        await store.createConversation(newConversation({ id }), [started]);
      assert.deepEqual(await store.appendTurn(turn('dup', { clientMessageId: 'm1' })), {
        ok: true,
        lastSeq: 3,
      });
      await store.claimConversation('fenced');
      const before = store.writeStats();
      const results = await Promise.all([
        store.appendTurn(turn('ok', { epoch: 1, clientMessageId: 'm1' })),
        store.appendTurn(turn('dup', { clientMessageId: 'm1' })),
        store.appendTurn(turn('fenced', { epoch: 1 })),
        store.appendTurn(turn('nobody')),
        store.appendTurn(turn('ok2', { events: [] })),
      ]);
      assert.deepEqual(results, [
        { ok: true, lastSeq: 3 },
        { ok: false, reason: 'duplicate' },
        { ok: false, reason: 'fenced' },
        { ok: false, reason: 'not_found' },
        { ok: true, lastSeq: 1 },
      ]);
      const after = store.writeStats();
      assert.deepEqual(
        { transactions: after.transactions - before.transactions, writes: after.writes - before.writes },
        { transactions: 1, writes: 5 },
        'one transaction for the five',
      );
      assert.deepEqual(
        (await store.getEvents('ok')).map((e) => [e.seq, e.data]),
        [
          [1, { flowVersion: 1 }],
          [2, { text: 'to ok' }],
          [3, { messageId: 'm-from ok', blockId: 'b', text: 'from ok' }],
        ],
      );
      assert.deepEqual((await store.getConversation('ok'))?.state, { at: 'ok' });
      assert.equal((await store.getConversation('dup'))?.eventCount, 3, 'the duplicate wrote nothing');
      assert.equal((await store.getConversation('fenced'))?.eventCount, 1, 'the fenced write wrote nothing');
      assert.deepEqual((await store.getConversation('ok2'))?.state, { at: 'ok2' });
    });
  });

  test('two appends of one conversation in one batch keep their order, and a repeated id is a duplicate', async () => {
    await withStores(1, { schema: freshSchema('group') }, async ([store]) => {
      if (!store) throw new Error('a store expected');
      await seedConversation(store);
      const results = await Promise.all([
        store.appendTurn(turn('c', { clientMessageId: 'x', events: [userSaid('first')] })),
        store.appendTurn(turn('c', { clientMessageId: 'y', events: [userSaid('second')] })),
        store.appendTurn(turn('c', { clientMessageId: 'x', events: [userSaid('again')] })),
      ]);
      assert.deepEqual(results, [
        { ok: true, lastSeq: 2 },
        { ok: true, lastSeq: 3 },
        { ok: false, reason: 'duplicate' },
      ]);
      assert.deepEqual(
        (await store.getEvents('c')).map((e) => e.data),
        [{ flowVersion: 1 }, { text: 'first' }, { text: 'second' }],
      );
    });
  });

  test('a write the database refuses fails alone; the others of its batch are stored', async () => {
    await withStores(1, { schema: freshSchema('group') }, async ([store]) => {
      if (!store) throw new Error('a store expected');
      await seedConversation(store, 'a');
      for (const id of ['b', 'c']) await store.createConversation(newConversation({ id }), [started]);
      const before = store.writeStats();
      const outcomes = await Promise.allSettled([
        store.appendTurn(turn('a')),
        store.appendTurn(turn('b', { status: 'bogus' as never })), // the CHECK constraint refuses it
        store.appendTurn(turn('c')),
      ]);
      assert.deepEqual(
        outcomes.map((o) => (o.status === 'fulfilled' ? o.value : 'rejected')),
        [{ ok: true, lastSeq: 3 }, 'rejected', { ok: true, lastSeq: 3 }],
      );
      const refused = outcomes[1];
      assert.ok(refused?.status === 'rejected' && !(refused.reason instanceof StoreUnavailableError));
      assert.equal(store.writeStats().transactions - before.transactions, 4, 'the batch, then each alone');
      assert.equal((await store.getConversation('b'))?.eventCount, 1);
      assert.equal((await store.getConversation('b'))?.status, 'active');
    });
  });

  test('a connection cut mid-batch fails every write of it with StoreUnavailableError, and stores none', async () => {
    await assertNoStrayErrors(() =>
      withProxiedStore(async (store, proxy) => {
        await seedConversation(store, 'a');
        for (const id of ['b', 'c']) await store.createConversation(newConversation({ id }), [started]);
        // Another session holds `b`: the batch has written `a` and waits on `b` when the connection is cut.
        await withClient(database.url, async (blocker) => {
          const schema = (await store.settings()).schema;
          await blocker.query('BEGIN');
          await blocker.query(`SELECT 1 FROM ${schema}.conversations WHERE id = 'b' FOR UPDATE`);
          const batch = Promise.allSettled([
            store.appendTurn(turn('a')),
            store.appendTurn(turn('b')),
            store.appendTurn(turn('c')),
          ]);
          await waitForLockWaiter(blocker);
          proxy.sever();
          const outcomes = await batch;
          for (const outcome of outcomes) {
            assert.equal(outcome.status, 'rejected');
            assert.ok(outcome.reason instanceof StoreUnavailableError, String(outcome.reason));
          }
          await blocker.query('COMMIT');
        });
        proxy.restore();
        for (const id of ['a', 'b', 'c']) assert.equal((await store.getConversation(id))?.eventCount, 1, id);
      }),
    );
  });
});
