/**
 * What each listener serves and how long it waits: ADMIN_PORT moves the admin API off the public port;
 * slow clients are cut at HTTP_HEADERS_TIMEOUT_MS / HTTP_REQUEST_TIMEOUT_MS; HTTP_MAX_CONNECTIONS caps
 * the open connections. Real HTTP over real sockets.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { flowText } from '../support/flow-texts.ts';
import { startTestServer, TEST_TOKEN, type TestServer } from '../support/server.ts';
import { ChatClient } from '../support/ws-client.ts';

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };

describe('ADMIN_PORT', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ env: { ADMIN_PORT: '0', METRICS_TOKEN: 'metrics-token-1' } });
  });
  after(() => server.stop());

  test('the admin listener serves /api, /metrics, /openapi.json and the probes', async () => {
    assert.notEqual(server.adminUrl, server.url);
    assert.equal((await server.api.put('/api/flow', flowText('Admin port'))).status, 201);
    assert.equal((await fetch(`${server.adminUrl}/api/flow`, { headers: auth })).status, 200);
    const metrics = await fetch(`${server.adminUrl}/metrics`, {
      headers: { Authorization: 'Bearer metrics-token-1' },
    });
    assert.equal(metrics.status, 200);
    assert.equal((await fetch(`${server.adminUrl}/openapi.json`)).status, 200);
    assert.equal((await fetch(`${server.adminUrl}/health`)).status, 200);
    assert.equal((await fetch(`${server.adminUrl}/ready`)).status, 200);
    await assert.rejects(ChatClient.connect(server.adminUrl), 'no chat on the admin listener');
  });

  test('the public listener serves /ws and the probes, and none of the admin routes', async () => {
    for (const path of ['/api/flow', '/api/conversations', '/metrics', '/openapi.json']) {
      const response = await fetch(`${server.url}${path}`, {
        headers: path === '/metrics' ? { Authorization: 'Bearer metrics-token-1' } : auth,
      });
      assert.equal(response.status, 404, path);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
    }
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
    assert.equal((await fetch(`${server.url}/ready`)).status, 200);
    assert.equal((await fetch(`${server.url}/schemas/flow.json`)).status, 200);
    const chat = await ChatClient.connect(server.url);
    assert.equal((await chat.nth('conversation')).type, 'conversation');
    chat.close();
    await chat.waitClosed();
  });
});

/** A raw TCP client: what it received, and a promise of its close. */
function rawClient(port: number): { socket: Socket; received: () => string; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  let data = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    data += chunk;
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, received: () => data, closed };
}

/** The first complete answer on a socket that keeps its connection open. */
function answerOn(client: ReturnType<typeof rawClient>): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const text = client.received();
      const length = /content-length: (\d+)/i.exec(text);
      const end = text.indexOf('\r\n\r\n');
      if (length && end >= 0 && text.length >= end + 4 + Number(length[1])) {
        client.socket.off('data', check);
        resolve(text);
      }
    };
    client.socket.on('data', check);
    client.closed.then(() => reject(new Error(`closed before an answer: ${client.received()}`)));
  });
}

/** Bounded: on Node's defaults (60 s of headers, 300 s a request) these tests fail by timeout. */
const SLOW_CLIENT_TEST = { timeout: 15_000 };

describe('slow clients and the connection cap', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({
      env: {
        HTTP_HEADERS_TIMEOUT_MS: '300',
        HTTP_REQUEST_TIMEOUT_MS: '600',
        WS_MAX_CONNECTIONS: '1',
        HTTP_MAX_CONNECTIONS: '3',
      },
    });
  });
  after(() => server.stop());

  test('a client that never finishes its headers is answered 408 and closed', SLOW_CLIENT_TEST, async () => {
    const client = rawClient(server.port);
    client.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    await client.closed;
    assert.match(client.received(), /^HTTP\/1\.1 408 /);
  });

  test('a client that never finishes its body is answered 408 and closed', SLOW_CLIENT_TEST, async () => {
    const client = rawClient(server.port);
    client.socket.write(
      `PUT /api/flow HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TEST_TOKEN}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"formatVersion": 1,',
    );
    await client.closed;
    assert.match(client.received(), /^HTTP\/1\.1 408 /);
  });

  test(
    'connections above HTTP_MAX_CONNECTIONS are closed at once; a freed slot serves again',
    SLOW_CLIENT_TEST,
    async () => {
      const request = 'GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n';
      // Three keep-alive connections that the server has answered on: all three are open and counted.
      const held = [rawClient(server.port), rawClient(server.port), rawClient(server.port)];
      for (const client of held) {
        client.socket.write(request);
        assert.match(await answerOn(client), /^HTTP\/1\.1 200 /);
      }
      const refused = rawClient(server.port);
      refused.socket.write(request);
      await refused.closed;
      assert.equal(refused.received(), '', 'closed before any answer');

      const first = held[0] as ReturnType<typeof rawClient>;
      first.socket.destroy();
      await first.closed;
      // The server notices the close asynchronously: the next client is served once it has.
      const answer = await (async function retry(): Promise<string> {
        const client = rawClient(server.port);
        client.socket.write(request);
        try {
          return await answerOn(client);
        } catch {
          return retry();
        } finally {
          client.socket.destroy();
        }
      })();
      assert.match(answer, /^HTTP\/1\.1 200 /);
      for (const client of held) client.socket.destroy();
    },
  );
});
