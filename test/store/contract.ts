/**
 * The store contract: every behaviour the runtime relies on, run against each adapter
 * (test/store/sqlite.test.ts, and the PostgreSQL adapter's test later). Only the Store interface is
 * used here, so nothing adapter-specific can creep in.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HistoryEvent } from '../../src/engine/history.ts';
import { InvalidCursorError, type NewConversation, type Store } from '../../src/store/store.ts';

export type MakeStore = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

/** Distinct, increasing ISO timestamps: `at(3)` is three seconds after `at(0)`. */
export function at(seconds: number): string {
  return new Date(Date.UTC(2025, 0, 1, 12, 0, 0) + seconds * 1_000).toISOString();
}

export function newConversation(overrides: Partial<NewConversation> = {}): NewConversation {
  return {
    id: `conv-${Math.random().toString(36).slice(2)}`,
    flowVersion: 1,
    resumeTokenHash: 'hash-of-token',
    state: { blockId: 'ask', variables: {} },
    status: 'active',
    at: at(0),
    ...overrides,
  };
}

const started = (flowVersion = 1): HistoryEvent => ({ type: 'conversation.started', data: { flowVersion } });
const userSaid = (text: string, clientMessageId?: string): HistoryEvent => ({
  type: 'message.user',
  data: clientMessageId === undefined ? { text } : { text, clientMessageId },
});
const botSaid = (text: string): HistoryEvent => ({
  type: 'message.bot',
  data: { messageId: `m-${text}`, blockId: 'welcome', text },
});

/** One of every event type, with data that exercises JSON round-tripping (unicode, floats, arrays, optionals). */
const EVERY_EVENT: readonly HistoryEvent[] = [
  { type: 'conversation.started', data: { flowVersion: 1 } },
  { type: 'block.entered', data: { blockId: 'welcome', blockType: 'message' } },
  {
    type: 'message.bot',
    data: {
      messageId: 'm1',
      blockId: 'welcome',
      text: 'Hi «there» 👋 — "quoted" \\ \n',
      options: ['Oui', '天気'],
    },
  },
  { type: 'message.user', data: { text: 'will it rain? ☔', clientMessageId: 'c-1' } },
  {
    type: 'intent.detected',
    data: {
      blockId: 'route',
      intent: 'weather',
      confidence: 0.8125,
      provider: 'local',
      latencyMs: 3,
      cached: false,
      fallback: true,
    },
  },
  { type: 'intent.no_match', data: { blockId: 'route', count: 2, provider: 'openai', latencyMs: 120 } },
  {
    type: 'intent.error',
    data: {
      blockId: 'route',
      provider: 'openai',
      code: 'TIMEOUT',
      message: 'deadline passed',
      latencyMs: 8000,
    },
  },
  { type: 'conversation.resumed', data: {} },
  { type: 'conversation.ended', data: { reason: 'end_block' } },
] as HistoryEvent[];

export function runStoreContract(name: string, makeStore: MakeStore): void {
  /** Runs `body` against a fresh, empty store and always cleans up. */
  async function withStore(body: (store: Store) => Promise<void>): Promise<void> {
    const { store, cleanup } = await makeStore();
    try {
      await body(store);
    } finally {
      await cleanup();
    }
  }

  /** A store holding one flow version, so conversations have a version to point at. */
  async function withFlow(body: (store: Store) => Promise<void>): Promise<void> {
    await withStore(async (store) => {
      const created = await store.createFlowVersion({ raw: '{"name":"f"}', name: 'f', at: at(0) });
      assert.equal(created.ok, true);
      await body(store);
    });
  }

  describe(`store contract: ${name}`, () => {
    describe('health', () => {
      test('ping resolves on an open store, and close can be called twice', async () => {
        const { store, cleanup } = await makeStore();
        try {
          await store.ping();
          await store.close();
          await store.close();
        } finally {
          await cleanup();
        }
      });
    });

    describe('flow versions', () => {
      test('an empty store has no current version and no versions', async () => {
        await withStore(async (store) => {
          assert.equal(await store.getCurrentFlowVersion(), null);
          assert.deepEqual(await store.listFlowVersions(), { current: null, versions: [] });
          assert.equal(await store.getFlowVersion(1), null);
        });
      });

      test('versions are numbered 1, 2, 3 and each upload becomes current', async () => {
        await withStore(async (store) => {
          for (const version of [1, 2, 3]) {
            const result = await store.createFlowVersion({
              raw: `{"v":${version}}`,
              name: `v${version}`,
              at: at(version),
            });
            assert.deepEqual(result, {
              ok: true,
              version: { version, name: `v${version}`, createdAt: at(version) },
            });
            const current = await store.getCurrentFlowVersion();
            assert.deepEqual(current, {
              version,
              name: `v${version}`,
              createdAt: at(version),
              raw: `{"v":${version}}`,
            });
          }
        });
      });

      test('the raw document is kept exactly: whitespace, key order, escapes and unicode', async () => {
        await withStore(async (store) => {
          const raw =
            '\uFEFF{\r\n\t"zeta" : 1 ,"alpha":[ ],\n  "text": "caf\\u00e9 café 🚀 e\u0301 \u05e9\u05dc\u05d5\u05dd \\"q\\" \\\\",' +
            '\n  "n": 1.50e+3   }\n\n';
          const result = await store.createFlowVersion({ raw, name: 'Ünïcødé 🚀', at: at(1) });
          assert.equal(result.ok, true);
          const stored = await store.getFlowVersion(1);
          assert.equal(stored?.raw, raw);
          assert.equal(stored?.name, 'Ünïcødé 🚀');
          assert.equal((await store.getCurrentFlowVersion())?.raw, raw);
        });
      });

      test('a large document (about 1 MB) round-trips unchanged', async () => {
        await withStore(async (store) => {
          const examples = Array.from({ length: 15_000 }, (_, i) => `example number ${i} with ünicode`);
          const raw = JSON.stringify({ name: 'big', examples }, null, 2);
          assert.ok(raw.length > 500_000);
          await store.createFlowVersion({ raw, name: 'big', at: at(1) });
          assert.equal((await store.getFlowVersion(1))?.raw, raw);
        });
      });

      test('version numbers that cannot exist find nothing and activate nothing', async () => {
        await withStore(async (store) => {
          await store.createFlowVersion({ raw: '{}', name: 'v1', at: at(1) });
          for (const version of [0, -1, 1.5, 2 ** 31, 2 ** 53, Number.NaN]) {
            assert.equal(await store.getFlowVersion(version), null, String(version));
            assert.deepEqual(await store.activateFlowVersion(version), { ok: false, reason: 'not_found' });
          }
          assert.equal((await store.listFlowVersions()).current, 1);
        });
      });

      test('listFlowVersions is newest first and names the current version', async () => {
        await withStore(async (store) => {
          for (const version of [1, 2, 3])
            await store.createFlowVersion({ raw: '{}', name: `v${version}`, at: at(version) });
          assert.deepEqual(await store.listFlowVersions(), {
            current: 3,
            versions: [
              { version: 3, name: 'v3', createdAt: at(3) },
              { version: 2, name: 'v2', createdAt: at(2) },
              { version: 1, name: 'v1', createdAt: at(1) },
            ],
          });
        });
      });

      test('activating an earlier version moves the pointer; later uploads continue the numbering', async () => {
        await withStore(async (store) => {
          for (const version of [1, 2, 3])
            await store.createFlowVersion({ raw: `{"v":${version}}`, name: `v${version}`, at: at(version) });
          assert.deepEqual(await store.activateFlowVersion(1), { ok: true });
          assert.equal((await store.getCurrentFlowVersion())?.raw, '{"v":1}');
          assert.equal((await store.listFlowVersions()).current, 1);
          // Versions are immutable: rolling back does not delete or renumber anything.
          assert.equal((await store.getFlowVersion(3))?.raw, '{"v":3}');
          const next = await store.createFlowVersion({ raw: '{"v":4}', name: 'v4', at: at(4) });
          assert.equal(next.ok && next.version.version, 4);
          assert.equal((await store.listFlowVersions()).current, 4);
        });
      });

      test('activating a missing version is not_found and leaves the pointer alone', async () => {
        await withStore(async (store) => {
          assert.deepEqual(await store.activateFlowVersion(1), { ok: false, reason: 'not_found' });
          await store.createFlowVersion({ raw: '{}', name: 'v1', at: at(1) });
          assert.deepEqual(await store.activateFlowVersion(7), { ok: false, reason: 'not_found' });
          // not_found wins over a stale If-Match: the resource does not exist either way.
          assert.deepEqual(await store.activateFlowVersion(7, 99), { ok: false, reason: 'not_found' });
          assert.equal((await store.listFlowVersions()).current, 1);
        });
      });

      test('createFlowVersion with ifMatch is a compare-and-set on the current version', async () => {
        await withStore(async (store) => {
          // Nothing is current yet, so any ifMatch is stale.
          assert.deepEqual(await store.createFlowVersion({ raw: '{}', name: 'a', at: at(1), ifMatch: 1 }), {
            ok: false,
            reason: 'version_conflict',
            current: null,
          });
          assert.deepEqual(await store.listFlowVersions(), { current: null, versions: [] });
          await store.createFlowVersion({ raw: '{}', name: 'v1', at: at(1) });
          await store.createFlowVersion({ raw: '{}', name: 'v2', at: at(2) });
          assert.deepEqual(
            await store.createFlowVersion({ raw: '{}', name: 'stale', at: at(3), ifMatch: 1 }),
            {
              ok: false,
              reason: 'version_conflict',
              current: 2,
            },
          );
          const ok = await store.createFlowVersion({ raw: '{}', name: 'v3', at: at(3), ifMatch: 2 });
          assert.equal(ok.ok && ok.version.version, 3);
          assert.deepEqual(
            (await store.listFlowVersions()).versions.map((v) => v.name),
            ['v3', 'v2', 'v1'],
          );
        });
      });

      test('ifMatch null: only when no version is current (instances installing a default together)', async () => {
        await withStore(async (store) => {
          const uploads = await Promise.all(
            [1, 2, 3].map(() =>
              store.createFlowVersion({ raw: '{}', name: 'default', at: at(0), ifMatch: null }),
            ),
          );
          assert.equal(uploads.filter((u) => u.ok).length, 1);
          assert.deepEqual(
            uploads.filter((u) => !u.ok),
            [
              { ok: false, reason: 'version_conflict', current: 1 },
              { ok: false, reason: 'version_conflict', current: 1 },
            ],
          );
          assert.equal((await store.listFlowVersions()).versions.length, 1);
        });
      });

      test('two concurrent uploads with the same ifMatch: exactly one wins, one new version', async () => {
        await withStore(async (store) => {
          await store.createFlowVersion({ raw: '{}', name: 'v1', at: at(1) });
          const results = await Promise.all([
            store.createFlowVersion({ raw: '{"who":"a"}', name: 'a', at: at(2), ifMatch: 1 }),
            store.createFlowVersion({ raw: '{"who":"b"}', name: 'b', at: at(2), ifMatch: 1 }),
          ]);
          assert.equal(results.filter((r) => r.ok).length, 1);
          assert.deepEqual(
            results.find((r) => !r.ok),
            { ok: false, reason: 'version_conflict', current: 2 },
          );
          const listed = await store.listFlowVersions();
          assert.equal(listed.versions.length, 2);
          assert.equal(listed.current, 2);
        });
      });

      test('concurrent uploads without ifMatch all succeed with distinct consecutive versions', async () => {
        await withStore(async (store) => {
          const results = await Promise.all(
            Array.from({ length: 8 }, (_, i) =>
              store.createFlowVersion({ raw: `{"i":${i}}`, name: `n${i}`, at: at(i) }),
            ),
          );
          const versions = results.map((r) => (r.ok ? r.version.version : -1)).sort((a, b) => a - b);
          assert.deepEqual(versions, [1, 2, 3, 4, 5, 6, 7, 8]);
        });
      });

      test('activateFlowVersion with ifMatch is a compare-and-set too', async () => {
        await withStore(async (store) => {
          for (const version of [1, 2])
            await store.createFlowVersion({ raw: '{}', name: `v${version}`, at: at(version) });
          assert.deepEqual(await store.activateFlowVersion(1, 1), {
            ok: false,
            reason: 'version_conflict',
            current: 2,
          });
          assert.equal((await store.listFlowVersions()).current, 2);
          assert.deepEqual(await store.activateFlowVersion(1, 2), { ok: true });
          assert.equal((await store.listFlowVersions()).current, 1);
        });
      });
    });

    describe('conversation tests stored with flow versions', () => {
      /** Stores versions 1..n (n ≥ 1). */
      async function versions(store: Store, n: number): Promise<void> {
        for (let version = 1; version <= n; version += 1)
          await store.createFlowVersion({ raw: '{}', name: `v${version}`, at: at(version) });
      }

      test('none stored: nothing in effect, with or without versions', async () => {
        await withStore(async (store) => {
          assert.equal(await store.getFlowTests(1), null);
          await versions(store, 2);
          assert.equal(await store.getFlowTests(1), null);
          assert.equal(await store.getFlowTests(2), null);
        });
      });

      test('stored for a version: read back exactly, with the version and the time', async () => {
        await withStore(async (store) => {
          await versions(store, 1);
          const raw = '\uFEFF{ "formatVersion": 1,\r\n\t"conversations": [ ], "n": "caf\\u00e9 🚀" }\n';
          assert.deepEqual(await store.putFlowTests({ flowVersion: 1, raw, at: at(10) }), {
            flowVersion: 1,
            raw,
            createdAt: at(10),
          });
          assert.deepEqual(await store.getFlowTests(1), { flowVersion: 1, raw, createdAt: at(10) });
        });
      });

      test('a later version sees the tests of the one before until its own are stored; a rollback sees its own', async () => {
        await withStore(async (store) => {
          await versions(store, 3);
          await store.putFlowTests({ flowVersion: 1, raw: '"t1"', at: at(10) });
          assert.equal((await store.getFlowTests(3))?.flowVersion, 1);
          assert.equal((await store.getFlowTests(3))?.raw, '"t1"');
          await store.putFlowTests({ flowVersion: 3, raw: '"t3"', at: at(11) });
          assert.deepEqual(
            await Promise.all([1, 2, 3, 4].map(async (v) => (await store.getFlowTests(v))?.raw)),
            ['"t1"', '"t1"', '"t3"', '"t3"'],
          );
          // Stored later for an earlier version: that version's, not the later version's.
          await store.putFlowTests({ flowVersion: 2, raw: '"t2"', at: at(12) });
          assert.deepEqual(
            await Promise.all([1, 2, 3].map(async (v) => (await store.getFlowTests(v))?.raw)),
            ['"t1"', '"t2"', '"t3"'],
          );
        });
      });

      test('a new upload for the same version supersedes the earlier one', async () => {
        await withStore(async (store) => {
          await versions(store, 1);
          await store.putFlowTests({ flowVersion: 1, raw: '"first"', at: at(10) });
          await store.putFlowTests({ flowVersion: 1, raw: '"second"', at: at(10) });
          assert.deepEqual(await store.getFlowTests(1), {
            flowVersion: 1,
            raw: '"second"',
            createdAt: at(10),
          });
        });
      });

      test('tests for a version that does not exist are not stored; impossible versions find nothing', async () => {
        await withStore(async (store) => {
          await versions(store, 1);
          for (const version of [2, 0, -1, 1.5, Number.NaN, 2 ** 53]) {
            assert.equal(await store.putFlowTests({ flowVersion: version, raw: '"x"', at: at(10) }), null);
          }
          assert.equal(await store.getFlowTests(1), null, 'nothing was stored');
          await store.putFlowTests({ flowVersion: 1, raw: '"t1"', at: at(10) });
          for (const version of [0, -1, 1.5, Number.NaN, 2 ** 53]) {
            assert.equal(await store.getFlowTests(version), null, String(version));
          }
          assert.equal((await store.getFlowTests(2 ** 31))?.raw, '"t1"', 'any version above is ≥ 1');
        });
      });
    });

    describe('conversations', () => {
      test('createConversation stores the record and its first events with seq 1..n', async () => {
        await withFlow(async (store) => {
          const conversation = newConversation({ state: { deep: { list: [1, 'två', null] } }, at: at(5) });
          await store.createConversation(conversation, [started(), botSaid('hello')]);
          assert.deepEqual(await store.getConversation(conversation.id), {
            id: conversation.id,
            flowVersion: 1,
            status: 'active',
            startedAt: at(5),
            updatedAt: at(5),
            eventCount: 2,
            state: { deep: { list: [1, 'två', null] } },
            resumeTokenHash: 'hash-of-token',
            epoch: 1,
            userId: null,
          });
          assert.deepEqual(await store.getEvents(conversation.id), [
            { seq: 1, at: at(5), ...started() },
            { seq: 2, at: at(5), ...botSaid('hello') },
          ]);
        });
      });

      test('a conversation keeps the flow version it started with', async () => {
        await withFlow(async (store) => {
          const conversation = newConversation({ flowVersion: 1 });
          await store.createConversation(conversation, [started(1)]);
          await store.createFlowVersion({ raw: '{}', name: 'v2', at: at(9) });
          assert.equal((await store.getConversation(conversation.id))?.flowVersion, 1);
        });
      });

      test('getConversation and getEvents of an unknown id: null and []', async () => {
        await withFlow(async (store) => {
          assert.equal(await store.getConversation('nope'), null);
          assert.deepEqual(await store.getEvents('nope'), []);
        });
      });

      test('a second createConversation with the same id rejects and changes nothing', async () => {
        await withFlow(async (store) => {
          const conversation = newConversation();
          await store.createConversation(conversation, [started()]);
          await assert.rejects(
            store.createConversation({ ...conversation, state: 'other' }, [started(), botSaid('x')]),
          );
          assert.deepEqual((await store.getConversation(conversation.id))?.state, conversation.state);
          assert.equal((await store.getEvents(conversation.id)).length, 1);
        });
      });

      test('createConversation on a version that does not exist rejects and stores nothing', async () => {
        await withFlow(async (store) => {
          const conversation = newConversation({ flowVersion: 42 });
          await assert.rejects(store.createConversation(conversation, [started(42)]));
          assert.equal(await store.getConversation(conversation.id), null);
          assert.deepEqual(await store.getEvents(conversation.id), []);
        });
      });

      test('every event type round-trips its data, in order', async () => {
        await withFlow(async (store) => {
          const conversation = newConversation();
          await store.createConversation(conversation, EVERY_EVENT.slice(0, 3));
          const result = await store.appendTurn({
            conversationId: conversation.id,
            events: EVERY_EVENT.slice(3),
            state: {},
            status: 'active',
            at: at(1),
          });
          assert.deepEqual(result, { ok: true, lastSeq: EVERY_EVENT.length });
          const events = await store.getEvents(conversation.id);
          assert.deepEqual(
            events,
            EVERY_EVENT.map((event, i) => ({ ...event, seq: i + 1, at: i < 3 ? at(0) : at(1) })),
          );
        });
      });
      test('timestamps come back exactly as given, milliseconds included', async () => {
        await withStore(async (store) => {
          const times = ['2025-03-04T05:06:07.089Z', '1999-12-31T23:59:59.999Z', '2030-01-01T00:00:00.001Z'];
          const [first = '', second = '', third = ''] = times;
          await store.createFlowVersion({ raw: '{}', name: 'v1', at: first });
          assert.equal((await store.getFlowVersion(1))?.createdAt, first);
          const conversation = newConversation({ at: second });
          await store.createConversation(conversation, [started()]);
          await store.appendTurn({
            conversationId: conversation.id,
            events: [userSaid('later')],
            state: {},
            status: 'active',
            at: third,
          });
          const record = await store.getConversation(conversation.id);
          assert.deepEqual([record?.startedAt, record?.updatedAt], [second, third]);
          assert.deepEqual(
            (await store.getEvents(conversation.id)).map((e) => e.at),
            [second, third],
          );
          assert.equal((await store.listConversations({ limit: 1 })).items[0]?.startedAt, second);
        });
      });

      test('text from outside round-trips whole, U+0000 and lone surrogates included', async () => {
        await withStore(async (store) => {
          const hostile = 'nul\u0000 tab\t bell\u0007 «ü» 🚀 \u2028';
          await store.createFlowVersion({ raw: '{"name":"x"}', name: hostile, at: at(0) });
          assert.equal((await store.getFlowVersion(1))?.name, hostile);
          assert.equal((await store.listFlowVersions()).versions[0]?.name, hostile);
          const conversation = newConversation({
            state: { variables: { request: hostile, lone: '\ud800' } },
          });
          await store.createConversation(conversation, [started()]);
          const turn = {
            conversationId: conversation.id,
            events: [userSaid(hostile, 'id\u0000x'), botSaid(hostile)],
            state: { variables: { request: hostile } },
            status: 'active' as const,
            at: at(1),
            clientMessageId: 'id\u0000x',
          };
          assert.deepEqual(await store.appendTurn(turn), { ok: true, lastSeq: 3 });
          assert.deepEqual(await store.appendTurn(turn), { ok: false, reason: 'duplicate' });
          // An id is compared whole: the part before U+0000 is another id.
          assert.deepEqual(await store.appendTurn({ ...turn, clientMessageId: 'id' }), {
            ok: true,
            lastSeq: 5,
          });
          const events = await store.getEvents(conversation.id);
          assert.deepEqual(events[1]?.data, { text: hostile, clientMessageId: 'id\u0000x' });
          assert.deepEqual(events[2]?.data, botSaid(hostile).data);
          assert.deepEqual((await store.getConversation(conversation.id))?.state, {
            variables: { request: hostile },
          });
        });
      });

      test('looking up an id that holds U+0000 finds nothing and writes nothing', async () => {
        await withFlow(async (store) => {
          const conversation = newConversation({ id: 'real' });
          await store.createConversation(conversation, [started()]);
          for (const id of ['real\u0000', '\u0000', 're\u0000al']) {
            assert.equal(await store.getConversation(id), null);
            assert.deepEqual(await store.getEvents(id), []);
            assert.deepEqual(
              await store.appendTurn({
                conversationId: id,
                events: [],
                state: {},
                status: 'active',
                at: at(1),
              }),
              { ok: false, reason: 'not_found' },
            );
          }
          assert.equal((await store.getConversation('real'))?.eventCount, 1);
        });
      });
    });

    describe('turns', () => {
      test('appendTurn continues seq without gaps and saves state, status, updatedAt and eventCount', async () => {
        await withFlow(async (store) => {
          const conversation = newConversation();
          await store.createConversation(conversation, [started(), botSaid('hi')]);
          const first = await store.appendTurn({
            conversationId: conversation.id,
            events: [userSaid('one'), botSaid('reply one')],
            state: { turn: 1 },
            status: 'active',
            at: at(10),
          });
          assert.deepEqual(first, { ok: true, lastSeq: 4 });
          const second = await store.appendTurn({
            conversationId: conversation.id,
            events: [userSaid('two'), botSaid('reply two'), botSaid('and more')],
            state: { turn: 2 },
            status: 'active',
            at: at(20),
          });
          assert.deepEqual(second, { ok: true, lastSeq: 7 });
          const events = await store.getEvents(conversation.id);
          assert.deepEqual(
            events.map((e) => e.seq),
            [1, 2, 3, 4, 5, 6, 7],
          );
          assert.deepEqual(
            events.map((e) => e.at),
            [at(0), at(0), at(10), at(10), at(20), at(20), at(20)],
          );
          const record = await store.getConversation(conversation.id);
          assert.deepEqual(record?.state, { turn: 2 });
          assert.equal(record?.eventCount, 7);
          assert.equal(record?.updatedAt, at(20));
          assert.equal(record?.startedAt, at(0));
        });
      });

      test('clock skew between instances: turns stamped earlier than the one before still come back in seq order', async () => {
        await withFlow(async (store) => {
          const conversation = newConversation({ at: at(100) });
          await store.createConversation(conversation, [started(), botSaid('welcome')]);
          // Each turn is written by an instance whose clock is behind the previous writer's.
          const turns = [
            { at: at(50), events: [userSaid('one'), botSaid('reply one')] },
            { at: at(10), events: [userSaid('two'), botSaid('reply two')] },
            { at: at(30), events: [userSaid('three')] },
          ];
          for (const turn of turns) {
            const result = await store.appendTurn({
              conversationId: conversation.id,
              state: {},
              status: 'active',
              ...turn,
            });
            assert.equal(result.ok, true);
          }
          const events = await store.getEvents(conversation.id);
          assert.deepEqual(
            events.map((e) => [e.seq, (e.data as { text?: string }).text ?? e.type]),
            [
              [1, 'conversation.started'],
              [2, 'welcome'],
              [3, 'one'],
              [4, 'reply one'],
              [5, 'two'],
              [6, 'reply two'],
              [7, 'three'],
            ],
          );
          assert.deepEqual(
            events.map((e) => e.at),
            [at(100), at(100), at(50), at(50), at(10), at(10), at(30)],
            'timestamps are kept as written, not used for order',
          );
          const record = await store.getConversation(conversation.id);
          assert.equal(record?.eventCount, 7);
          assert.equal(record?.updatedAt, at(30), 'updatedAt is the last write, whatever its clock said');
        });
      });

      test('a turn with no events still saves the state and keeps lastSeq', async () => {
        await withFlow(async (store) => {
          const conversation = newConversation();
          await store.createConversation(conversation, [started()]);
          const result = await store.appendTurn({
            conversationId: conversation.id,
            events: [],
            state: { touched: true },
            status: 'active',
            at: at(3),
          });
          assert.deepEqual(result, { ok: true, lastSeq: 1 });
          const record = await store.getConversation(conversation.id);
          assert.deepEqual(record?.state, { touched: true });
          assert.equal(record?.updatedAt, at(3));
        });
      });

      test('a turn can end the conversation', async () => {
        await withFlow(async (store) => {
          const conversation = newConversation();
          await store.createConversation(conversation, [started()]);
          await store.appendTurn({
            conversationId: conversation.id,
            events: [{ type: 'conversation.ended', data: { reason: 'end_block' } }],
            state: { done: true },
            status: 'ended',
            at: at(4),
          });
          assert.equal((await store.getConversation(conversation.id))?.status, 'ended');
          const page = await store.listConversations({ limit: 10 });
          assert.equal(page.items[0]?.status, 'ended');
        });
      });

      test('a repeated clientMessageId is refused as duplicate and nothing is written', async () => {
        await withFlow(async (store) => {
          const conversation = newConversation();
          await store.createConversation(conversation, [started()]);
          const turn = {
            conversationId: conversation.id,
            events: [userSaid('hello', 'msg-1'), botSaid('hi')],
            state: { turn: 1 },
            status: 'active' as const,
            at: at(1),
            clientMessageId: 'msg-1',
          };
          assert.deepEqual(await store.appendTurn(turn), { ok: true, lastSeq: 3 });
          const before = await store.getConversation(conversation.id);
          const again = await store.appendTurn({ ...turn, state: { turn: 2 }, status: 'ended', at: at(2) });
          assert.deepEqual(again, { ok: false, reason: 'duplicate' });
          assert.deepEqual(await store.getConversation(conversation.id), before);
          assert.equal((await store.getEvents(conversation.id)).length, 3);
          // A new id goes through, and seq carries on from where it was.
          const next = await store.appendTurn({ ...turn, clientMessageId: 'msg-2', at: at(3) });
          assert.deepEqual(next, { ok: true, lastSeq: 5 });
        });
      });

      test('ownership: claimConversation bumps the epoch; a write with an older epoch is fenced', async () => {
        await withFlow(async (store) => {
          const conversation = newConversation();
          await store.createConversation(conversation, [started()]);
          assert.equal((await store.getConversation(conversation.id))?.epoch, 1);
          const turn = (epoch: number, n: number) => ({
            conversationId: conversation.id,
            events: [userSaid(`turn ${n}`)],
            state: { turn: n },
            status: 'active' as const,
            at: at(n),
            epoch,
          });
          assert.deepEqual(await store.appendTurn(turn(1, 1)), { ok: true, lastSeq: 2 });
          const claimed = await store.claimConversation(conversation.id);
          assert.equal(claimed?.epoch, 2);
          assert.deepEqual(claimed?.state, { turn: 1 }, 'the claim returns the state as of that moment');
          const before = await store.getConversation(conversation.id);
          assert.deepEqual(await store.appendTurn(turn(1, 2)), { ok: false, reason: 'fenced' });
          assert.deepEqual(
            await store.getConversation(conversation.id),
            before,
            'a fenced write changes nothing',
          );
          assert.equal((await store.getEvents(conversation.id)).length, 2);
          assert.deepEqual(await store.appendTurn(turn(2, 3)), { ok: true, lastSeq: 3 });
          assert.equal(await store.claimConversation('no-such-conversation'), null);
        });
      });

      test('concurrent claims each get their own epoch', async () => {
        await withFlow(async (store) => {
          const conversation = newConversation();
          await store.createConversation(conversation, [started()]);
          const claims = await Promise.all(
            Array.from({ length: 5 }, () => store.claimConversation(conversation.id)),
          );
          assert.deepEqual(claims.map((c) => c?.epoch).sort(), [2, 3, 4, 5, 6]);
        });
      });

      test('clientMessageIds are scoped to their conversation', async () => {
        await withFlow(async (store) => {
          const a = newConversation();
          const b = newConversation();
          await store.createConversation(a, [started()]);
          await store.createConversation(b, [started()]);
          const turn = {
            events: [userSaid('x', 'same')],
            state: {},
            status: 'active' as const,
            at: at(1),
            clientMessageId: 'same',
          };
          assert.deepEqual(await store.appendTurn({ ...turn, conversationId: a.id }), {
            ok: true,
            lastSeq: 2,
          });
          assert.deepEqual(await store.appendTurn({ ...turn, conversationId: b.id }), {
            ok: true,
            lastSeq: 2,
          });
        });
      });

      test('appendTurn on an unknown conversation is not_found and creates nothing', async () => {
        await withFlow(async (store) => {
          const result = await store.appendTurn({
            conversationId: 'ghost',
            events: [userSaid('boo')],
            state: {},
            status: 'active',
            at: at(1),
            clientMessageId: 'c1',
          });
          assert.deepEqual(result, { ok: false, reason: 'not_found' });
          assert.equal(await store.getConversation('ghost'), null);
          assert.deepEqual(await store.getEvents('ghost'), []);
          assert.deepEqual((await store.listConversations({ limit: 10 })).items, []);
        });
      });

      test('a turn that fails half-way writes nothing and does not use up its clientMessageId', async () => {
        await withFlow(async (store) => {
          const conversation = newConversation();
          await store.createConversation(conversation, [started()]);
          const before = await store.getConversation(conversation.id);
          // The second event cannot be serialised (a BigInt), so the write fails after the first was sent.
          const poisoned = { type: 'message.bot', data: { messageId: 'm', blockId: 'b', text: 't', n: 1n } };
          await assert.rejects(
            store.appendTurn({
              conversationId: conversation.id,
              events: [userSaid('hello', 'msg-1'), poisoned as unknown as HistoryEvent],
              state: { turn: 1 },
              status: 'ended',
              at: at(1),
              clientMessageId: 'msg-1',
            }),
          );
          assert.deepEqual(await store.getConversation(conversation.id), before);
          assert.equal((await store.getEvents(conversation.id)).length, 1);
          const retry = await store.appendTurn({
            conversationId: conversation.id,
            events: [userSaid('hello', 'msg-1')],
            state: { turn: 1 },
            status: 'active',
            at: at(2),
            clientMessageId: 'msg-1',
          });
          assert.deepEqual(retry, { ok: true, lastSeq: 2 });
        });
      });

      test('concurrent turns on one conversation: seq has no gap and no duplicate', async () => {
        await withFlow(async (store) => {
          const conversation = newConversation();
          await store.createConversation(conversation, [started()]);
          const writers = 10;
          const results = await Promise.all(
            Array.from({ length: writers }, (_, i) =>
              store.appendTurn({
                conversationId: conversation.id,
                events: [userSaid(`u${i}`), botSaid(`b${i}`)],
                state: { writer: i },
                status: 'active',
                at: at(i + 1),
                clientMessageId: `w${i}`,
              }),
            ),
          );
          assert.ok(results.every((r) => r.ok));
          const events = await store.getEvents(conversation.id);
          assert.deepEqual(
            events.map((e) => e.seq),
            Array.from({ length: 1 + writers * 2 }, (_, i) => i + 1),
          );
          // Each turn's two events stay adjacent: turns are atomic, never interleaved.
          for (let i = 1; i < events.length; i += 2) {
            const user = events[i];
            const bot = events[i + 1];
            assert.equal(user?.type, 'message.user');
            assert.equal(bot?.type, 'message.bot');
            assert.equal(user?.at, bot?.at);
          }
          assert.equal((await store.getConversation(conversation.id))?.eventCount, 1 + writers * 2);
        });
      });
    });

    describe('listing conversations', () => {
      test('an empty store lists nothing', async () => {
        await withFlow(async (store) => {
          assert.deepEqual(await store.listConversations({ limit: 50 }), { items: [], nextCursor: null });
        });
      });

      test('newest first, paged by cursor with no duplicates and nothing missing', async () => {
        await withFlow(async (store) => {
          // Several conversations share a start time, so the id must break ties for the cursor.
          const starts = [0, 5, 5, 5, 9, 2, 2, 7, 1, 5, 3];
          const created = starts.map((second, i) =>
            newConversation({ id: `c${String(i).padStart(2, '0')}`, at: at(second) }),
          );
          for (const conversation of created) await store.createConversation(conversation, [started()]);
          const expected = created
            .map((c) => ({ id: c.id, startedAt: c.at }))
            .sort((x, y) =>
              x.startedAt === y.startedAt ? (x.id < y.id ? 1 : -1) : x.startedAt < y.startedAt ? 1 : -1,
            )
            .map((c) => c.id);

          const seen: string[] = [];
          const pageSizes: number[] = [];
          let cursor: string | undefined;
          for (let guard = 0; guard < 10; guard += 1) {
            const page = await store.listConversations(
              cursor === undefined ? { limit: 3 } : { limit: 3, cursor },
            );
            pageSizes.push(page.items.length);
            seen.push(...page.items.map((c) => c.id));
            if (page.nextCursor === null) break;
            assert.equal(typeof page.nextCursor, 'string');
            cursor = page.nextCursor;
          }
          assert.deepEqual(seen, expected);
          assert.deepEqual(pageSizes, [3, 3, 3, 2]);
        });
      });

      test('clock skew: conversations whose turns are stamped before their start are listed and paged once each', async () => {
        await withFlow(async (store) => {
          const starts = { a: 40, b: 10, c: 30, d: 20 };
          for (const [id, second] of Object.entries(starts)) {
            await store.createConversation(newConversation({ id, at: at(second) }), [started()]);
          }
          // Turns written later by instances whose clocks are behind: stamped before the conversations began.
          for (const [id, second] of [
            ['a', 1],
            ['c', 2],
            ['a', 3],
            ['b', 0],
          ] as const) {
            const result = await store.appendTurn({
              conversationId: id,
              events: [userSaid(`late ${second}`)],
              state: {},
              status: 'active',
              at: at(second),
            });
            assert.equal(result.ok, true);
          }
          const pages = [await store.listConversations({ limit: 3 })];
          const cursor = pages[0]?.nextCursor;
          assert.equal(typeof cursor, 'string');
          pages.push(await store.listConversations({ limit: 3, cursor: cursor ?? '' }));
          assert.equal(pages[1]?.nextCursor, null);
          const listed = pages.flatMap((page) => page.items);
          assert.deepEqual(
            listed.map((c) => [c.id, c.startedAt, c.updatedAt, c.eventCount]),
            [
              ['a', at(40), at(3), 3],
              ['c', at(30), at(2), 2],
              ['d', at(20), at(20), 1],
              ['b', at(10), at(0), 2],
            ],
          );
          assert.deepEqual(
            (await store.getEvents('a')).map((e) => [e.seq, e.at]),
            [
              [1, at(40)],
              [2, at(1)],
              [3, at(3)],
            ],
          );
        });
      });

      test('a page exactly filling the list has no next cursor; items carry the summary fields', async () => {
        await withFlow(async (store) => {
          const first = newConversation({ id: 'a', at: at(1) });
          const second = newConversation({ id: 'b', at: at(2) });
          await store.createConversation(first, [started()]);
          await store.createConversation(second, [started(), botSaid('x')]);
          await store.appendTurn({
            conversationId: 'a',
            events: [userSaid('u')],
            state: {},
            status: 'ended',
            at: at(8),
          });
          const page = await store.listConversations({ limit: 2 });
          assert.deepEqual(page, {
            items: [
              {
                id: 'b',
                flowVersion: 1,
                status: 'active',
                startedAt: at(2),
                updatedAt: at(2),
                eventCount: 2,
              },
              { id: 'a', flowVersion: 1, status: 'ended', startedAt: at(1), updatedAt: at(8), eventCount: 2 },
            ],
            nextCursor: null,
          });
          const one = await store.listConversations({ limit: 1 });
          assert.deepEqual(
            one.items.map((c) => c.id),
            ['b'],
          );
          assert.notEqual(one.nextCursor, null);
        });
      });

      test('a conversation started after a page was read does not disturb the next page', async () => {
        await withFlow(async (store) => {
          for (const i of [1, 2, 3])
            await store.createConversation(newConversation({ id: `c${i}`, at: at(i) }), [started()]);
          const page1 = await store.listConversations({ limit: 2 });
          await store.createConversation(newConversation({ id: 'c9', at: at(9) }), [started()]);
          const page2 = await store.listConversations({ limit: 2, cursor: page1.nextCursor ?? '' });
          assert.deepEqual(
            [...page1.items, ...page2.items].map((c) => c.id),
            ['c3', 'c2', 'c1'],
          );
          assert.equal(page2.nextCursor, null);
        });
      });

      test('a malformed cursor throws InvalidCursorError', async () => {
        await withFlow(async (store) => {
          const bad = [
            'not a cursor!',
            '',
            Buffer.from('not json').toString('base64url'),
            Buffer.from('{"s":1,"i":"x"}').toString('base64url'),
            Buffer.from('[]').toString('base64url'),
            Buffer.from('null').toString('base64url'),
            'A'.repeat(5_000),
          ];
          for (const cursor of bad) {
            await assert.rejects(store.listConversations({ limit: 5, cursor }), InvalidCursorError, cursor);
          }
        });
      });
    });

    describe('replay reads', () => {
      /** A conversation of three turns and a resume; returns its id. Seqs are in the comments. */
      async function talk(store: Store, odd = 'c-2'): Promise<string> {
        const conversation = newConversation();
        // 1 started, 2 welcome, 3 menu
        await store.createConversation(conversation, [started(), botSaid('welcome'), botSaid('menu')]);
        const turns: HistoryEvent[][] = [
          [userSaid('one', 'c-1'), botSaid('reply one')], // 4, 5
          [
            userSaid('two\u0000', odd),
            { type: 'block.entered', data: { blockId: 'r', blockType: 'intent' } },
          ], // 6, 7
          // The server stopped mid-classification; the resume classified again and answered: 8, 9, 10
          [{ type: 'conversation.resumed', data: {} }, botSaid('reply two'), botSaid('and more')],
          [userSaid('three'), botSaid('reply three')], // 11, 12 (no clientMessageId)
        ];
        for (const [i, events] of turns.entries()) {
          const clientMessageId =
            events[0]?.type === 'message.user' ? events[0].data.clientMessageId : undefined;
          const written = await store.appendTurn({
            conversationId: conversation.id,
            events,
            state: { turn: i },
            status: 'active',
            at: at(i + 1),
            ...(clientMessageId === undefined ? {} : { clientMessageId }),
          });
          assert.equal(written.ok, true);
        }
        return conversation.id;
      }
      const seqs = (events: { seq: number }[]) => events.map((event) => event.seq);

      test('getBotMessagesAfter: the bot messages after a seq, oldest first, as stored', async () => {
        await withFlow(async (store) => {
          const id = await talk(store);
          assert.deepEqual(seqs(await store.getBotMessagesAfter(id, 0, 100)), [2, 3, 5, 9, 10, 12]);
          assert.deepEqual(seqs(await store.getBotMessagesAfter(id, 5, 100)), [9, 10, 12]);
          assert.deepEqual(seqs(await store.getBotMessagesAfter(id, 9, 100)), [10, 12]);
          assert.deepEqual(await store.getBotMessagesAfter(id, 12, 100), []);
          assert.deepEqual(await store.getBotMessagesAfter(id, 2 ** 40, 100), []);
          const all = await store.getEvents(id);
          assert.deepEqual(
            await store.getBotMessagesAfter(id, 8, 100),
            all.filter((event) => event.type === 'message.bot' && event.seq > 8),
          );
          assert.deepEqual(await store.getBotMessagesAfter('unknown', 0, 100), []);
        });
      });

      test('getBotMessagesAfter: a limit keeps the newest messages', async () => {
        await withFlow(async (store) => {
          const id = await talk(store);
          assert.deepEqual(seqs(await store.getBotMessagesAfter(id, 0, 2)), [10, 12]);
          assert.deepEqual(seqs(await store.getBotMessagesAfter(id, 3, 1)), [12]);
        });
      });

      test('getBotMessagesAfter: a negative or fractional seq, or a limit below 1, is a RangeError', async () => {
        await withFlow(async (store) => {
          const id = await talk(store);
          await assert.rejects(store.getBotMessagesAfter(id, -1, 10), RangeError);
          await assert.rejects(store.getBotMessagesAfter(id, 1.5, 10), RangeError);
          await assert.rejects(store.getBotMessagesAfter(id, 0, 0), RangeError);
          await assert.rejects(store.getReplyTo(id, 'c-1', 0), RangeError);
        });
      });

      test('getReplyTo: the bot messages after the user message, up to the next user message', async () => {
        await withFlow(async (store) => {
          const id = await talk(store);
          assert.deepEqual(seqs(await store.getReplyTo(id, 'c-1', 100)), [5]);
          // Answered after a resume: still its reply, up to the next user message (which has no id).
          assert.deepEqual(seqs(await store.getReplyTo(id, 'c-2', 100)), [9, 10]);
          assert.deepEqual(seqs(await store.getReplyTo(id, 'c-2', 1)), [10]);
          const [reply] = await store.getReplyTo(id, 'c-1', 100);
          assert.deepEqual(
            reply,
            (await store.getEvents(id)).find((event) => event.seq === 5),
          );
          assert.deepEqual(await store.getReplyTo(id, 'never sent', 100), []);
          assert.deepEqual(await store.getReplyTo('unknown', 'c-1', 100), []);
          const other = await talk(store);
          assert.deepEqual(seqs(await store.getReplyTo(other, 'c-1', 100)), [5], 'per conversation');
        });
      });

      test('getReplyTo: the last user message, and ids that need escaping, are found', async () => {
        await withFlow(async (store) => {
          const odd = 'c "2" \\ \u0000 ☔ </x>';
          const id = await talk(store, odd);
          assert.deepEqual(seqs(await store.getReplyTo(id, odd, 100)), [9, 10]);
          assert.deepEqual(await store.getReplyTo(id, 'c "2" \\ ', 100), []);
          // A user who typed an id as text did not send a message with that id.
          const typed = await store.appendTurn({
            conversationId: id,
            events: [userSaid('c-4'), botSaid('not this')],
            state: {},
            status: 'active',
            at: at(8),
          });
          assert.deepEqual(typed, { ok: true, lastSeq: 14 });
          assert.deepEqual(await store.getReplyTo(id, 'c-4', 100), []);
          const last = await store.appendTurn({
            conversationId: id,
            events: [userSaid('four', 'c-4'), botSaid('reply four'), botSaid('the end')],
            state: {},
            status: 'active',
            at: at(9),
            clientMessageId: 'c-4',
          });
          assert.deepEqual(last, { ok: true, lastSeq: 17 });
          assert.deepEqual(seqs(await store.getReplyTo(id, 'c-4', 100)), [16, 17]);
        });
      });
    });

    describe('erasure and expiry', () => {
      /** A conversation created at `start`, optionally answered by a user message at `answeredAt`. */
      async function seed(
        store: Store,
        options: { start: number; answeredAt?: number; userId?: string },
      ): Promise<string> {
        const conversation = newConversation({
          at: at(options.start),
          ...(options.userId === undefined ? {} : { userId: options.userId }),
        });
        await store.createConversation(conversation, [started(), botSaid('welcome')]);
        if (options.answeredAt !== undefined) {
          const written = await store.appendTurn({
            conversationId: conversation.id,
            events: [userSaid('hello', `c-${conversation.id}`), botSaid('hi')],
            state: {},
            status: 'active',
            at: at(options.answeredAt),
            clientMessageId: `c-${conversation.id}`,
          });
          assert.equal(written.ok, true);
        }
        return conversation.id;
      }

      const exists = async (store: Store, id: string) => (await store.getConversation(id)) !== null;

      test('the user id given at creation is stored; none is null', async () => {
        await withFlow(async (store) => {
          const withUser = await seed(store, { start: 0, userId: 'user-42@example.com' });
          const without = await seed(store, { start: 0 });
          assert.equal((await store.getConversation(withUser))?.userId, 'user-42@example.com');
          assert.equal((await store.getConversation(without))?.userId, null);
          assert.equal((await store.claimConversation(withUser))?.userId, 'user-42@example.com');
        });
      });

      test('deleteConversation removes the conversation and its whole history, and nothing else', async () => {
        await withFlow(async (store) => {
          const doomed = await seed(store, { start: 0, answeredAt: 1 });
          const kept = await seed(store, { start: 0, answeredAt: 1 });
          assert.equal(await store.deleteConversation(doomed), true);
          assert.equal(await exists(store, doomed), false);
          assert.deepEqual(await store.getEvents(doomed), []);
          assert.deepEqual(await store.getReplyTo(doomed, `c-${doomed}`, 10), []);
          const page = await store.listConversations({ limit: 10 });
          assert.deepEqual(
            page.items.map((c) => c.id),
            [kept],
          );
          assert.equal((await store.getEvents(kept)).length, 4);
          assert.equal(await store.deleteConversation(doomed), false);
          assert.equal(await store.deleteConversation('never-existed'), false);
          // A turn of a deleted conversation finds nothing to write to.
          const late = await store.appendTurn({
            conversationId: doomed,
            events: [userSaid('late')],
            state: {},
            status: 'active',
            at: at(2),
          });
          assert.deepEqual(late, { ok: false, reason: 'not_found' });
          // Its idempotency records went too: the same id can be created and used again.
          await store.createConversation(newConversation({ id: doomed }), [started()]);
          const again = await store.appendTurn({
            conversationId: doomed,
            events: [userSaid('hello', `c-${doomed}`)],
            state: {},
            status: 'active',
            at: at(3),
            clientMessageId: `c-${doomed}`,
          });
          assert.deepEqual(again, { ok: true, lastSeq: 2 });
        });
      });

      test("deleteUserConversations removes exactly that user's conversations and says how many", async () => {
        await withFlow(async (store) => {
          const first = await seed(store, { start: 0, answeredAt: 1, userId: 'alice' });
          const second = await seed(store, { start: 5, userId: 'alice' });
          const bob = await seed(store, { start: 0, answeredAt: 1, userId: 'bob' });
          const anonymous = await seed(store, { start: 0, answeredAt: 1 });
          assert.equal(await store.deleteUserConversations('alice'), 2);
          assert.equal(await exists(store, first), false);
          assert.equal(await exists(store, second), false);
          assert.deepEqual(await store.getEvents(first), []);
          assert.equal(await exists(store, bob), true);
          assert.equal(await exists(store, anonymous), true);
          assert.equal(await store.deleteUserConversations('alice'), 0);
          assert.equal(await store.deleteUserConversations('nobody'), 0);
        });
      });

      test('unanswered expiry deletes conversations without a user message whose last activity is older', async () => {
        await withFlow(async (store) => {
          const stale = await seed(store, { start: 0 });
          const answered = await seed(store, { start: 0, answeredAt: 1 });
          const fresh = await seed(store, { start: 100 });
          // A resume writes events but no user message: still unanswered, with newer activity.
          const resumed = await seed(store, { start: 0 });
          await store.appendTurn({
            conversationId: resumed,
            events: [{ type: 'conversation.resumed', data: {} }],
            state: {},
            status: 'active',
            at: at(80),
          });
          assert.equal(await store.deleteExpiredConversations({ unansweredBefore: at(50), limit: 10 }), 1);
          assert.equal(await exists(store, stale), false);
          assert.deepEqual(await store.getEvents(stale), []);
          for (const id of [answered, fresh, resumed]) assert.equal(await exists(store, id), true);
          assert.equal(await store.deleteExpiredConversations({ unansweredBefore: at(90), limit: 10 }), 1);
          assert.equal(await exists(store, resumed), false);
          assert.equal(await exists(store, answered), true);
        });
      });

      test('retention expiry deletes every conversation inactive since before the date, in batches of limit', async () => {
        await withFlow(async (store) => {
          const old = [
            await seed(store, { start: 0, answeredAt: 1 }),
            await seed(store, { start: 2 }),
            await seed(store, { start: 0, answeredAt: 3 }),
          ];
          const recent = await seed(store, { start: 0, answeredAt: 60 });
          const criteria = { inactiveBefore: at(30), limit: 2 };
          assert.equal(await store.deleteExpiredConversations(criteria), 2);
          assert.equal(await store.deleteExpiredConversations(criteria), 1);
          assert.equal(await store.deleteExpiredConversations(criteria), 0);
          for (const id of old) assert.equal(await exists(store, id), false);
          assert.equal(await exists(store, recent), true);
          assert.equal((await store.getEvents(recent)).length, 4);
        });
      });

      test('both criteria together stay within limit; no criterion deletes nothing; a bad limit is a RangeError', async () => {
        await withFlow(async (store) => {
          await seed(store, { start: 0 });
          await seed(store, { start: 1 });
          await seed(store, { start: 2, answeredAt: 3 });
          assert.equal(await store.deleteExpiredConversations({ limit: 10 }), 0);
          const both = { unansweredBefore: at(50), inactiveBefore: at(50), limit: 2 };
          assert.equal(await store.deleteExpiredConversations(both), 2);
          assert.equal(await store.deleteExpiredConversations(both), 1);
          assert.equal((await store.listConversations({ limit: 10 })).items.length, 0);
          await assert.rejects(
            store.deleteExpiredConversations({ inactiveBefore: at(0), limit: 0 }),
            RangeError,
          );
        });
      });
    });

    describe('admin tokens', () => {
      test('create, find by hash, list by name, revoke; a taken name is refused', async () => {
        await withStore(async (store) => {
          const ops = {
            name: 'ops',
            tokenHash: 'a'.repeat(64),
            scopes: ['flows:read', 'metrics'],
            createdAt: at(1),
          };
          assert.equal(await store.createAdminToken(ops), true);
          const ci = { name: 'ci', tokenHash: 'b'.repeat(64), scopes: [], createdAt: at(2) };
          assert.equal(await store.createAdminToken(ci), true);
          assert.equal(
            await store.createAdminToken({ ...ops, tokenHash: 'c'.repeat(64), scopes: ['history:read'] }),
            false,
          );
          assert.deepEqual(await store.findAdminToken('a'.repeat(64)), {
            name: 'ops',
            scopes: ['flows:read', 'metrics'],
            createdAt: at(1),
          });
          assert.equal(await store.findAdminToken('c'.repeat(64)), null);
          assert.deepEqual(
            (await store.listAdminTokens()).map((t) => [t.name, t.scopes, t.createdAt]),
            [
              ['ci', [], at(2)],
              ['ops', ['flows:read', 'metrics'], at(1)],
            ],
          );
          assert.equal(await store.revokeAdminToken('ops'), true);
          assert.equal(await store.revokeAdminToken('ops'), false);
          assert.equal(await store.findAdminToken('a'.repeat(64)), null);
          assert.deepEqual(
            (await store.listAdminTokens()).map((t) => t.name),
            ['ci'],
          );
        });
      });
    });

    describe('audit log', () => {
      const entry = (n: number, target: string | null = `v${n}`) => ({
        at: at(n),
        actor: n % 2 === 0 ? 'admin' : 'ci',
        address: `10.0.0.${n}`,
        action: 'flow.activate',
        route: `POST /api/flow/versions/${n}/activate`,
        target,
      });

      test('entries come back newest first, in pages that neither skip nor repeat', async () => {
        await withStore(async (store) => {
          const ids: number[] = [];
          for (let n = 1; n <= 5; n += 1)
            ids.push(await store.appendAudit(entry(n, n === 3 ? null : `v${n}`)));
          assert.deepEqual(
            ids,
            [...ids].sort((a, b) => a - b),
          );
          assert.equal(new Set(ids).size, 5);
          const first = await store.listAudit({ limit: 2 });
          assert.deepEqual(first.items, [
            { id: ids[4], ...entry(5) },
            { id: ids[3], ...entry(4) },
          ]);
          assert.ok(first.nextCursor);
          const second = await store.listAudit({ limit: 2, cursor: first.nextCursor });
          assert.deepEqual(
            second.items.map((e) => [e.id, e.target]),
            [
              [ids[2], null],
              [ids[1], 'v2'],
            ],
          );
          const third = await store.listAudit({ limit: 2, cursor: second.nextCursor ?? '' });
          assert.deepEqual(
            third.items.map((e) => e.id),
            [ids[0]],
          );
          assert.equal(third.nextCursor, null);
        });
      });

      test('an empty log is one empty page; a cursor not issued by the store is refused', async () => {
        await withStore(async (store) => {
          assert.deepEqual(await store.listAudit({ limit: 10 }), { items: [], nextCursor: null });
          for (const bad of [
            '',
            'nope!',
            Buffer.from('{"a":0}').toString('base64url'),
            Buffer.from('[]').toString('base64url'),
          ]) {
            await assert.rejects(store.listAudit({ limit: 10, cursor: bad }), InvalidCursorError, bad);
          }
        });
      });
    });
  });
}
