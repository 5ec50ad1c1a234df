/**
 * The signed external user id at connect: signed by the embedding site's backend with the code the
 * documentation shows, checked at the handshake, stored with the conversation; anything else refused
 * before the upgrade.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { WebSocket } from 'ws';
import { ROOT, section } from '../docs/markdown.ts';
import { examplePath } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { ChatClient } from '../support/ws-client.ts';

const SECRET = 'a-test-secret-of-at-least-32-characters!';

type SignChatUser = (secret: string, userId: string, ttlSeconds?: number) => URLSearchParams;

/** The `signChatUser` of docs/websocket-protocol.md, run as the website's backend would run it. */
async function documentedSigner(): Promise<{ sign: SignChatUser; cleanup: () => Promise<void> }> {
  const doc = readFileSync(join(ROOT, 'docs', 'websocket-protocol.md'), 'utf8');
  const code = section(doc, 'Signed user id').match(/```js\n([\s\S]*?)```/)?.[1];
  assert.ok(code, 'the section shows the signing code in a js block');
  const dir = await mkdtemp(join(tmpdir(), 'chatflow-sign-'));
  const file = join(dir, 'sign.mjs');
  await writeFile(file, code);
  const module = (await import(pathToFileURL(file).href)) as { signChatUser: SignChatUser };
  return { sign: module.signChatUser, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The HTTP status and JSON error of a refused handshake (a real `ws` client's handshake). */
function refusal(url: string, query: string): Promise<{ status: number; code: string }> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?${query}`);
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.terminate();
      reject(new Error('the handshake was accepted'));
    });
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => {
        socket.terminate();
        const parsed = JSON.parse(body) as { error: { code: string } };
        resolve({ status: response.statusCode ?? 0, code: parsed.error.code });
      });
    });
  });
}

async function storedUserId(server: TestServer, client: ChatClient): Promise<string | null | undefined> {
  const opened = await client.nth('conversation');
  await client.nth('waiting');
  return (await server.store.getConversation(opened.conversationId))?.userId;
}

describe('signed user id at connect', () => {
  let server: TestServer;
  let sign: SignChatUser;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ sign, cleanup } = await documentedSigner());
    server = await startTestServer({
      defaultFlowPath: examplePath('travel').pathname,
      env: { CHAT_USER_SECRET: SECRET },
    });
  });
  after(async () => {
    await server.stop();
    await cleanup();
  });

  test('a user id signed with the documented code is stored with the conversation', async () => {
    const client = await ChatClient.connect(server.url, `?${sign(SECRET, 'user-42@example.com')}`);
    assert.equal(await storedUserId(server, client), 'user-42@example.com');
    client.close();
  });

  test('no user id: an anonymous conversation', async () => {
    const client = await ChatClient.connect(server.url);
    assert.equal(await storedUserId(server, client), null);
    client.close();
  });

  test('a signature made with another secret, or for another user id, is refused with 401', async () => {
    assert.deepEqual(
      await refusal(server.url, String(sign('another-secret-also-32-characters-long', 'alice'))),
      {
        status: 401,
        code: 'UNAUTHORIZED',
      },
    );
    const forged = sign(SECRET, 'alice');
    forged.set('userId', 'bob');
    assert.deepEqual(await refusal(server.url, String(forged)), { status: 401, code: 'UNAUTHORIZED' });
    const later = sign(SECRET, 'alice');
    later.set('userExpires', String(Number(later.get('userExpires')) + 3600));
    assert.deepEqual(await refusal(server.url, String(later)), { status: 401, code: 'UNAUTHORIZED' });
  });

  test('an expired signature is refused with 401 (a replay is bounded)', async () => {
    assert.deepEqual(await refusal(server.url, String(sign(SECRET, 'alice', -1))), {
      status: 401,
      code: 'UNAUTHORIZED',
    });
  });

  test('malformed or partial parameters are refused with 400', async () => {
    const signed = sign(SECRET, 'alice');
    const partial = new URLSearchParams({ userId: 'alice', userExpires: signed.get('userExpires') ?? '' });
    assert.deepEqual(await refusal(server.url, String(partial)), { status: 400, code: 'BAD_REQUEST' });
    assert.deepEqual(await refusal(server.url, String(sign(SECRET, 'has space'))), {
      status: 400,
      code: 'BAD_REQUEST',
    });
    assert.deepEqual(await refusal(server.url, String(sign(SECRET, 'alice', 30 * 86_400))), {
      status: 400,
      code: 'BAD_REQUEST',
    });
    assert.deepEqual(await refusal(server.url, `${signed}&userId=alice`), {
      status: 400,
      code: 'BAD_REQUEST',
    });
  });
});

describe('signed user id without CHAT_USER_SECRET', () => {
  test('a user id is refused with 403, and a connection without one still works', async () => {
    const { sign, cleanup } = await documentedSigner();
    const server = await startTestServer({ defaultFlowPath: examplePath('travel').pathname });
    try {
      assert.deepEqual(await refusal(server.url, String(sign(SECRET, 'alice'))), {
        status: 403,
        code: 'FORBIDDEN',
      });
      const client = await ChatClient.connect(server.url);
      assert.equal(await storedUserId(server, client), null);
      client.close();
    } finally {
      await server.stop();
      await cleanup();
    }
  });
});
