/** Graceful shutdown: stop accepting, let in-flight requests finish, force the rest after the timeout. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { flowText } from '../support/flow-texts.ts';
import { startTestServer, TEST_TOKEN, type TestServer } from '../support/server.ts';

/** Starts a chunked PUT /api/flow and returns a way to finish it and its response. */
function slowUpload(port: number) {
  const req = request({
    port,
    host: '127.0.0.1',
    method: 'PUT',
    path: '/api/flow',
    headers: { Authorization: `Bearer ${TEST_TOKEN}`, 'Content-Type': 'application/json' },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  const text = flowText('In flight');
  req.write(text.slice(0, 10));
  req.flushHeaders();
  return { finish: () => req.end(text.slice(10)), response, abort: () => req.destroy() };
}

/** Waits (a bounded poll) until the server has the request: its handler is reading the body. */
async function untilInFlight(server: TestServer): Promise<void> {
  for (let polls = 0; server.restify.inflightRequests() === 0; polls++) {
    if (polls === 1_000) throw new Error('the upload never reached the server');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('graceful shutdown', () => {
  test('an in-flight upload completes, then the server is closed', async () => {
    const server = await startTestServer();
    const upload = slowUpload(server.port);
    await untilInFlight(server);
    const order: string[] = [];
    server.restify.on('after', () => order.push('handled'));
    const closed = server.close().then(() => order.push('closed'));
    await assert.rejects(fetch(`${server.url}/health`), 'no new connections are accepted');
    upload.finish();
    const { status, body } = await upload.response;
    assert.equal(status, 201, body);
    await closed;
    assert.deepEqual(order, ['handled', 'closed'], 'close waits for the in-flight request');
    await server.stop();
  });

  test('a request that never finishes is cut at SHUTDOWN_TIMEOUT_MS', async () => {
    const server = await startTestServer({ env: { SHUTDOWN_TIMEOUT_MS: '100' } });
    const upload = slowUpload(server.port);
    upload.response.catch(() => {});
    await untilInFlight(server);
    await server.close();
    await assert.rejects(upload.response);
    await server.stop();
  });
});
