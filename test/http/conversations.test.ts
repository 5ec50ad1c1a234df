import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { at, playAndEnd, SAMPLE_TURN, seedConversations } from '../support/conversations.ts';
import { flowText } from '../support/flow-texts.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('conversation endpoints', () => {
  let server: TestServer;
  let ids: string[];

  before(async () => {
    server = await startTestServer();
    assert.equal((await server.api.put('/api/flow', flowText())).status, 201);
    ids = await seedConversations(server.store, 7);
    await playAndEnd(server.store, ids[2] as string, 100);
  });
  after(() => server.stop());

  test('the default limit (50) returns every one of a few conversations, with no next page', async () => {
    const page = await server.api.get('/api/conversations');
    assert.equal(page.status, 200);
    assert.equal(page.json.conversations.length, 7);
    assert.equal(page.json.nextCursor, null);
  });

  test('newest first, paginated by cursor without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '?limit=3' : `?limit=3&cursor=${encodeURIComponent(cursor)}`;
      const page = await server.api.get(`/api/conversations${query}`);
      assert.equal(page.status, 200);
      assert.ok(page.json.conversations.length <= 3);
      seen.push(...page.json.conversations.map((c: { id: string }) => c.id));
      cursor = page.json.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    assert.deepEqual(seen, [...ids].reverse());
  });

  test('a summary has the contract fields and no secrets', async () => {
    const page = await server.api.get('/api/conversations?limit=200');
    const ended = page.json.conversations.find((c: { id: string }) => c.id === ids[2]);
    assert.deepEqual(ended, {
      id: ids[2],
      flowVersion: 1,
      status: 'ended',
      startedAt: at(2),
      updatedAt: at(100),
      eventCount: SAMPLE_TURN.length + 2,
    });
    assert.doesNotMatch(page.text, /secret-hash/);
  });

  test('a bad limit or cursor is 400 BAD_REQUEST', async () => {
    for (const query of [
      'limit=0',
      'limit=201',
      'limit=abc',
      'limit=1.5',
      'limit=-1',
      'limit=',
      'limit=1&limit=2',
      'cursor=',
      'cursor=not-a-cursor',
      'cursor=%FF%FE',
      'unknown=1',
    ]) {
      const response = await server.api.get(`/api/conversations?${query}`);
      assert.equal(response.status, 400, query);
      assert.equal(response.json.error.code, 'BAD_REQUEST', query);
    }
    for (const limit of [1, 200]) {
      assert.equal((await server.api.get(`/api/conversations?limit=${limit}`)).status, 200);
    }
  });

  test('one conversation with its full ordered history', async () => {
    const response = await server.api.get(`/api/conversations/${ids[2]}`);
    assert.equal(response.status, 200);
    const conversation = response.json;
    assert.equal(conversation.id, ids[2]);
    assert.equal(conversation.status, 'ended');
    assert.equal(conversation.flowVersion, 1);
    assert.deepEqual(
      conversation.events.map((e: { seq: number }) => e.seq),
      Array.from({ length: SAMPLE_TURN.length + 2 }, (_, i) => i + 1),
      'seq starts at 1 without gaps',
    );
    assert.deepEqual(
      conversation.events.map((e: { type: string; data: unknown }) => ({ type: e.type, data: e.data })),
      [
        { type: 'conversation.started', data: { flowVersion: 1 } },
        ...SAMPLE_TURN,
        { type: 'conversation.ended', data: { reason: 'end_block' } },
      ],
    );
    assert.equal(conversation.events[0].at, at(2));
    assert.doesNotMatch(response.text, /secret-hash|resumeToken|"state"/);
  });

  test('an unknown conversation is 404', async () => {
    for (const id of ['nope', 'conv-999', '%20']) {
      const response = await server.api.get(`/api/conversations/${id}`);
      assert.equal(response.status, 404, id);
      assert.equal(response.json.error.code, 'NOT_FOUND');
    }
  });
});
