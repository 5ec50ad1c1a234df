/**
 * Retention and erasure through the real interfaces: bare handshakes expire, old conversations go after
 * RETENTION_DAYS, and the admin DELETE routes erase one conversation or every conversation of a signed
 * user id. Real server on port 0, real ws clients, real SQLite; the janitor's sweep is run with a clock
 * set past the limits.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signUserId } from '../../src/ws/user-signature.ts';
import { examplePath } from '../support/flows.ts';
import { startTestServer, TEST_TOKEN, type TestServer } from '../support/server.ts';
import { ChatClient, type Frame } from '../support/ws-client.ts';

const SECRET = 'retention-test-secret-0123456789abcdef';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const later = (ms: number) => new Date(Date.now() + ms);

/** Opens a conversation (optionally for a signed user) and waits for the bot to wait; returns its id. */
async function open(server: TestServer, userId?: string): Promise<{ client: ChatClient; id: string }> {
  let query = '';
  if (userId !== undefined) {
    const expires = Math.floor(Date.now() / 1000) + 300;
    query = `?${new URLSearchParams({ userId, userExpires: String(expires), userSig: signUserId(SECRET, userId, expires) })}`;
  }
  const client = await ChatClient.connect(server.url, query);
  const opened = await client.nth('conversation');
  await client.nth('waiting');
  return { client, id: opened.conversationId };
}

async function answered(server: TestServer, userId?: string): Promise<string> {
  const { client, id } = await open(server, userId);
  await client.say('what is the weather?');
  client.close();
  return id;
}

async function stored(server: TestServer): Promise<string[]> {
  const page = await server.api.get('/api/conversations?limit=200');
  assert.equal(page.status, 200);
  return page.json.conversations.map((c: { id: string }) => c.id).sort();
}

function startServer(env: Record<string, string> = {}): Promise<TestServer> {
  return startTestServer({
    defaultFlowPath: examplePath('travel').pathname,
    env: { CHAT_USER_SECRET: SECRET, ...env },
  });
}

describe('expiry of never-answered conversations (UNANSWERED_TTL_MINUTES)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => server.stop());

  test('bare handshakes are deleted once the TTL (default 10 minutes) passed; answered ones stay', async () => {
    const bare = [];
    for (let i = 0; i < 5; i++) {
      const { client, id } = await open(server);
      client.close();
      bare.push(id);
    }
    const kept = await answered(server);
    assert.deepEqual(await stored(server), [...bare, kept].sort());
    assert.equal(await server.chat.janitor.sweep(later(9 * MINUTE)), 0);
    assert.equal((await stored(server)).length, 6);
    assert.equal(await server.chat.janitor.sweep(later(11 * MINUTE)), 5);
    assert.deepEqual(await stored(server), [kept]);
    for (const id of bare) assert.equal((await server.api.get(`/api/conversations/${id}`)).status, 404);
  });

  test('a client still connected to an expired conversation is told CONVERSATION_DELETED and closed', async () => {
    const { client } = await open(server);
    assert.equal(await server.chat.janitor.sweep(later(11 * MINUTE)), 1);
    client.send({ type: 'message', text: 'hello?' });
    const error = (await client.nth('error')) as Frame;
    assert.equal(error.code, 'CONVERSATION_DELETED');
    assert.deepEqual(await client.waitClosed(), { code: 1000, reason: 'conversation deleted' });
  });

  test('UNANSWERED_TTL_MINUTES=0 keeps them', async () => {
    const keeping = await startServer({ UNANSWERED_TTL_MINUTES: '0' });
    try {
      const { client } = await open(keeping);
      client.close();
      assert.equal(await keeping.chat.janitor.sweep(later(365 * DAY)), 0);
      assert.equal((await stored(keeping)).length, 1);
    } finally {
      await keeping.stop();
    }
  });
});

describe('retention (RETENTION_DAYS)', () => {
  test('every conversation inactive for longer than RETENTION_DAYS is deleted; off by default', async () => {
    const retaining = await startServer({ RETENTION_DAYS: '30' });
    const forever = await startServer();
    try {
      const id = await answered(retaining);
      assert.equal(await retaining.chat.janitor.sweep(later(29 * DAY)), 0);
      assert.deepEqual(await stored(retaining), [id]);
      assert.equal(await retaining.chat.janitor.sweep(later(31 * DAY)), 1);
      assert.deepEqual(await stored(retaining), []);

      const kept = await answered(forever);
      assert.equal(await forever.chat.janitor.sweep(later(3650 * DAY)), 0);
      assert.deepEqual(await stored(forever), [kept]);
    } finally {
      await retaining.stop();
      await forever.stop();
    }
  });
});

describe('erasure routes', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => server.stop());

  test('DELETE /api/conversations/:id: 204, then the history is gone (404), and again 404', async () => {
    const doomed = await answered(server);
    const kept = await answered(server);
    const deleted = await server.api.request('DELETE', `/api/conversations/${doomed}`);
    assert.equal(deleted.status, 204);
    assert.equal(deleted.text, '');
    assert.equal((await server.api.get(`/api/conversations/${doomed}`)).status, 404);
    assert.equal((await server.api.get(`/api/conversations/${kept}`)).status, 200);
    const again = await server.api.request('DELETE', `/api/conversations/${doomed}`);
    assert.equal(again.status, 404);
    assert.equal(again.json.error.code, 'NOT_FOUND');
    const audit = (await server.api.get('/api/audit')).json.entries as { action: string; target: string }[];
    assert.deepEqual(
      audit.filter((entry) => entry.action === 'history.delete').map((entry) => entry.target),
      [doomed],
      'the deletion is audited once (the 404 is not)',
    );
  });

  test('a token with history:read only cannot delete; one with history:delete can', async () => {
    const id = await answered(server);
    const token = async (name: string, scope: string) =>
      (await server.api.post('/api/tokens', JSON.stringify({ name, scopes: [scope] }))).json.token as string;
    const reader = await token('reader', 'history:read');
    const eraser = await token('eraser', 'history:delete');
    const refused = await server.api.request('DELETE', `/api/conversations/${id}`, { token: reader });
    assert.equal(refused.status, 403);
    assert.equal(refused.json.error.code, 'FORBIDDEN');
    assert.equal(
      (await server.api.request('DELETE', `/api/conversations/${id}`, { token: eraser })).status,
      204,
    );
  });

  test('the DELETE routes need the admin token', async () => {
    const id = await answered(server);
    const denied = await server.api.request('DELETE', `/api/conversations/${id}`, { token: null });
    assert.equal(denied.status, 401);
    const wrong = await server.api.request('DELETE', '/api/users/alice/conversations', { token: 'nope' });
    assert.equal(wrong.status, 401);
    assert.equal((await server.api.get(`/api/conversations/${id}`, { token: TEST_TOKEN })).status, 200);
  });

  test("DELETE /api/users/:userId/conversations erases exactly that signed user's conversations", async () => {
    const user = 'user+42@example.com';
    const mine = [await answered(server, user), (await open(server, user)).id];
    const other = await answered(server, 'bob');
    const anonymous = await answered(server);
    const erased = await server.api.request('DELETE', `/api/users/${encodeURIComponent(user)}/conversations`);
    assert.equal(erased.status, 200);
    assert.deepEqual(erased.json, { deletedConversations: 2 });
    for (const id of mine) assert.equal((await server.api.get(`/api/conversations/${id}`)).status, 404);
    for (const id of [other, anonymous]) {
      assert.equal((await server.api.get(`/api/conversations/${id}`)).status, 200);
    }
    const none = await server.api.request('DELETE', `/api/users/${encodeURIComponent(user)}/conversations`);
    assert.deepEqual(none.json, { deletedConversations: 0 });
  });
});
