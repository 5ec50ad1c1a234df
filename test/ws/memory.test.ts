/**
 * What a WebSocket connection costs and leaves behind, through the real server and real `ws` clients:
 * no compression context (permessage-deflate is never negotiated, whatever the client offers), and once
 * the sockets are closed, no socket, session or conversation still held by the server.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { queryObjects } from 'node:v8';
import { WebSocket } from 'ws';
import { Conversation } from '../../src/conversation/conversation.ts';
import { Session } from '../../src/ws/session.ts';
import { examplePath } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { ChatClient, type Frame } from '../support/ws-client.ts';

/** Polls `read` until it returns true, for at most `timeoutMs` (the server closes its side asynchronously). */
async function eventually(what: string, read: () => boolean | Promise<boolean>, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await read())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function gauges(server: TestServer): Promise<{ connections: number; conversations: number }> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  return {
    connections: value('chatflow_websocket_connections'),
    conversations: value('chatflow_live_conversations'),
  };
}

describe('WebSocket memory', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      defaultFlowPath: examplePath('travel').pathname,
      // 26 sockets from 127.0.0.1: the per-address cap is not under test here.
      env: { INTENT_PROVIDER: 'local', WS_RATE_PER_SEC: '0', WS_MAX_CONNECTIONS_PER_ADDRESS: '0' },
    });
  });
  after(() => server.stop());

  test('permessage-deflate offered by a ws client is not negotiated', async () => {
    const offered: (string | undefined)[] = [];
    const record = (request: IncomingMessage) => offered.push(request.headers['sec-websocket-extensions']);
    server.restify.server.prependListener('upgrade', record);
    const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws`, { perMessageDeflate: true });
    socket.on('error', () => {});
    const closed = new Promise((resolve) => socket.once('close', resolve));
    try {
      // ws emits `upgrade` and then `open` in the same tick: listen to both before waiting.
      const upgraded = new Promise<IncomingMessage>((resolve, reject) => {
        socket.once('upgrade', resolve);
        socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      });
      const opened = new Promise((resolve) => socket.once('open', resolve));
      const [response] = await Promise.all([upgraded, opened]);

      assert.match(offered[0] ?? '', /^permessage-deflate/, 'the client offered permessage-deflate');
      assert.equal(response.statusCode, 101);
      assert.equal(response.headers['sec-websocket-extensions'], undefined);
      assert.equal(socket.extensions, '');
    } finally {
      server.restify.server.off('upgrade', record);
      socket.close();
      await closed;
    }
  });

  test('closed sockets leave no socket, session or conversation behind', async () => {
    // Conversations that reached their first `waiting`, sockets closed during their start turn, and a
    // resumed conversation: every path that creates a Session and a Conversation.
    const settled = await Promise.all(Array.from({ length: 20 }, () => ChatClient.connect(server.url)));
    await Promise.all(settled.map((client) => client.nth('waiting')));
    const hasty = await Promise.all(Array.from({ length: 5 }, () => ChatClient.connect(server.url)));
    for (const client of hasty) client.close();
    const [first] = settled as [ChatClient];
    const { conversationId, resumeToken } = first.frames[0] as Frame;
    first.close();
    await first.waitClosed();
    const resumed = await ChatClient.connect(
      server.url,
      `?conversationId=${conversationId}&resumeToken=${resumeToken}`,
    );
    await resumed.nth('waiting');
    for (const client of [...settled, resumed]) client.close();
    await Promise.all([...settled, ...hasty, resumed].map((client) => client.waitClosed()));

    await eventually(
      'the server holds no socket and no conversation',
      () => server.chat.server.connections === 0 && server.chat.runtime.liveCount === 0,
    );
    assert.deepEqual(await gauges(server), { connections: 0, conversations: 0 });
    // queryObjects runs a full GC first: what is still counted is still referenced from somewhere.
    assert.equal(queryObjects(Session, { format: 'count' }), 0, 'Session objects still referenced');
    assert.equal(queryObjects(Conversation, { format: 'count' }), 0, 'Conversation objects still referenced');
  });
});
