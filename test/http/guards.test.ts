/**
 * Contract §6 body rules and §7 traps: each bad input gets our JSON error, and the server keeps serving.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { flowText } from '../support/flow-texts.ts';
import {
  endlessChunkedUpload,
  expectContinueRequest,
  type RawResponse,
  rawRequest,
} from '../support/raw-http.ts';
import { openApiValidator, startTestServer, TEST_TOKEN, type TestServer } from '../support/server.ts';

const LIMIT = 4096;

/**
 * A body-limit regression must fail in seconds, not hang the suite until Node's request timeout
 * (5 min): each such test has its own timeout, and its client gives up sooner (rawRequest and
 * endlessChunkedUpload after 5 s, fetch through CLIENT_TIMEOUT).
 */
const BODY_LIMIT_TEST = { timeout: 15_000 };
const clientTimeout = () => AbortSignal.timeout(5_000);

describe('request guards', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ env: { MAX_BODY_BYTES: String(LIMIT) } });
  });
  after(() => server.stop());

  /** Checks the answer against the OpenAPI document, then that the server still serves. */
  async function expectError(
    method: string,
    path: string,
    response: RawResponse,
    status: number,
    code: string,
  ) {
    openApiValidator.check({ method, path, ...response });
    assert.equal(response.status, status, response.text);
    const body = JSON.parse(response.text);
    assert.equal(body.error.code, code);
    assert.equal(typeof body.error.message, 'string');
    assert.equal(body.error.requestId, response.headers.get('x-request-id'));
    const health = await server.api.get('/health');
    assert.equal(health.status, 200, 'still serving');
  }

  const auth = `Authorization: Bearer ${TEST_TOKEN}\r\n`;

  test('a Host header that does not parse is 400, not a crash', async () => {
    const response = await rawRequest(server.port, 'GET /health HTTP/1.1\r\nHost: foo|bar\r\n\r\n');
    await expectError('GET', '/health', response, 400, 'BAD_REQUEST');
  });

  test('a fake gzip body is 415, not a crash; so is any other coding', async () => {
    for (const coding of ['gzip', 'deflate', 'br', 'x-custom']) {
      const garbage = 'this is not gzip at all';
      const response = await rawRequest(
        server.port,
        `PUT /api/flow HTTP/1.1\r\nHost: localhost\r\n${auth}Content-Type: application/json\r\n` +
          `Content-Encoding: ${coding}\r\nContent-Length: ${garbage.length}\r\n\r\n${garbage}`,
      );
      await expectError('PUT', '/api/flow', response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
  });

  test('Content-Encoding: identity is accepted', async () => {
    const body = flowText('Identity');
    const response = await server.api.put('/api/flow', body, { headers: { 'Content-Encoding': 'identity' } });
    assert.equal(response.status, 201);
  });

  test(
    'a declared Content-Length over the limit is 413 before any byte is read',
    BODY_LIMIT_TEST,
    async () => {
      // The body is never sent: the answer must not wait for it.
      const response = await rawRequest(
        server.port,
        `PUT /api/flow HTTP/1.1\r\nHost: localhost\r\n${auth}Content-Type: application/json\r\n` +
          `Content-Length: ${LIMIT + 1}\r\n\r\n`,
      );
      await expectError('PUT', '/api/flow', response, 413, 'PAYLOAD_TOO_LARGE');
    },
  );

  test(
    'Expect: 100-continue with a Content-Length over the limit is 413, not 100 Continue',
    BODY_LIMIT_TEST,
    async () => {
      const { continued, response } = await expectContinueRequest(
        server.port,
        `PUT /api/flow HTTP/1.1\r\nHost: localhost\r\n${auth}Content-Type: application/json\r\n` +
          `Expect: 100-continue\r\nContent-Length: ${LIMIT + 1}\r\n\r\n`,
        ' '.repeat(LIMIT + 1),
      );
      assert.equal(continued, false, 'no body was invited');
      await expectError('PUT', '/api/flow', response, 413, 'PAYLOAD_TOO_LARGE');
    },
  );

  test('Expect: 100-continue within the limit gets 100 Continue, then its answer', async () => {
    const body = flowText('Continued');
    const { continued, response } = await expectContinueRequest(
      server.port,
      `PUT /api/flow HTTP/1.1\r\nHost: localhost\r\n${auth}Content-Type: application/json\r\n` +
        `Expect: 100-continue\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
      body,
    );
    assert.equal(continued, true);
    assert.equal(response.status, 201, response.text);
    assert.equal((await server.api.get('/api/flow')).text, body);
  });

  test('Expect: 100-continue without the admin token is 401, not 100 Continue', async () => {
    const body = flowText('Intruder');
    const { continued, response } = await expectContinueRequest(
      server.port,
      'PUT /api/flow HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
        `Expect: 100-continue\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
      body,
    );
    assert.equal(continued, false);
    await expectError('PUT', '/api/flow', response, 401, 'UNAUTHORIZED');
  });

  test('a chunked body growing past the limit is 413 while reading', BODY_LIMIT_TEST, async () => {
    const response = await endlessChunkedUpload(
      server.port,
      `PUT /api/flow HTTP/1.1\r\nHost: localhost\r\n${auth}Content-Type: application/json\r\n` +
        'Transfer-Encoding: chunked\r\n\r\n',
      Buffer.alloc(1024, 0x20),
    );
    await expectError('PUT', '/api/flow', response, 413, 'PAYLOAD_TOO_LARGE');
  });

  test('a body of exactly the limit is read (and judged on its content)', BODY_LIMIT_TEST, async () => {
    const body = flowText('Padded');
    const padded = body + ' '.repeat(LIMIT - Buffer.byteLength(body));
    const response = await server.api.put('/api/flow', padded, { signal: clientTimeout() });
    assert.equal(response.status, 201);
    assert.equal((await server.api.get('/api/flow', { signal: clientTimeout() })).text, padded);
  });

  test('a client that disconnects in the middle of a body does not hurt the server', async () => {
    const before = (await server.api.get('/api/flow/versions')).json;
    await new Promise<void>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1', () => {
        socket.write(
          `PUT /api/flow HTTP/1.1\r\nHost: localhost\r\n${auth}Content-Type: application/json\r\n` +
            'Content-Length: 1000\r\n\r\n{"formatVersion": 1,',
        );
      });
      // Vanish once the server has the request in hand, its body still incomplete.
      server.restify.server.once('request', () => socket.destroy());
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    assert.equal((await server.api.get('/health')).status, 200);
    assert.deepEqual((await server.api.get('/api/flow/versions')).json, before, 'nothing stored');
  });

  test('a body that is not JSON by media type is 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx']) {
      const response = await server.api.put('/api/flow', flowText(), { headers: { 'Content-Type': type } });
      assert.equal(response.status, 415, type);
      assert.equal(response.json.error.code, 'UNSUPPORTED_MEDIA_TYPE');
    }
    const missing = await rawRequest(
      server.port,
      `POST /api/flow/validate HTTP/1.1\r\nHost: localhost\r\n${auth}Content-Length: 2\r\n\r\n{}`,
    );
    await expectError('POST', '/api/flow/validate', missing, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('+json media types and parameters are accepted', async () => {
    for (const type of [
      'application/json; charset=utf-8',
      'application/vnd.chatflow+json',
      'APPLICATION/JSON',
    ]) {
      const response = await server.api.post('/api/flow/validate', flowText(), {
        headers: { 'Content-Type': type },
      });
      assert.equal(response.status, 200, type);
    }
  });

  test('// and /%00 are 404 JSON, not a crash', async () => {
    for (const path of ['//', '/%00', '//api/flow', '/api/%00', '/%2e%2e/%2e%2e/etc/passwd']) {
      const response = await rawRequest(
        server.port,
        `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${auth}\r\n`,
      );
      await expectError('GET', path, response, 404, 'NOT_FOUND');
    }
  });

  test('unknown routes are 404 and wrong methods 405, in our error format', async () => {
    const missing = await server.api.get('/no/such/route');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, 'NOT_FOUND');
    const wrongMethod = await server.api.request('DELETE', '/api/flow');
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.json.error.code, 'METHOD_NOT_ALLOWED');
    assert.match(wrongMethod.headers.get('allow') ?? '', /GET/);
  });

  test('a client request id is echoed; a bad one is replaced', async () => {
    const kept = await server.api.get('/api/flow/versions/999', { headers: { 'X-Request-Id': 'trace-42' } });
    assert.equal(kept.headers.get('x-request-id'), 'trace-42');
    assert.equal(kept.json.error.requestId, 'trace-42');
    const replaced = await server.api.get('/health', { headers: { 'X-Request-Id': 'x'.repeat(300) } });
    assert.match(replaced.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });
});

describe('authentication', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  const protectedRoutes: [string, string][] = [
    ['GET', '/api/flow'],
    ['PUT', '/api/flow'],
    ['GET', '/api/flow/versions'],
    ['GET', '/api/flow/versions/1'],
    ['POST', '/api/flow/versions/1/activate'],
    ['POST', '/api/flow/validate'],
    ['PUT', '/api/flow/tests'],
    ['GET', '/api/flow/tests'],
    ['GET', '/api/flow/versions/1/tests'],
    ['GET', '/api/conversations'],
    ['GET', '/api/conversations/abc'],
  ];

  test('every /api route refuses a missing or wrong token with 401', async () => {
    for (const [method, path] of protectedRoutes) {
      const body = method === 'PUT' || method === 'POST' ? { body: flowText() } : {};
      for (const token of [null, 'wrong-token', `${TEST_TOKEN}x`, TEST_TOKEN.slice(0, -1)]) {
        const response = await server.api.request(method, path, { ...body, token });
        assert.equal(response.status, 401, `${method} ${path} with ${token}`);
        assert.equal(response.json.error.code, 'UNAUTHORIZED');
        assert.equal(response.headers.get('www-authenticate'), 'Bearer');
      }
    }
    assert.equal((await server.api.get('/api/flow/versions')).json.versions.length, 0, 'nothing was stored');
  });

  test('the scheme is case-insensitive; other schemes are refused', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      const response = await server.api.get('/api/flow/versions', {
        token: null,
        headers: { Authorization: `${scheme} ${TEST_TOKEN}` },
      });
      assert.equal(response.status, 200, scheme);
    }
    for (const header of [`Basic ${TEST_TOKEN}`, TEST_TOKEN, `Bearer`, `Bearer ${TEST_TOKEN} extra`]) {
      const response = await server.api.get('/api/flow/versions', {
        token: null,
        headers: { Authorization: header },
      });
      assert.equal(response.status, 401, header);
    }
  });

  test('/health, /ready, /openapi.json and /schemas/flow.json need no token', async () => {
    for (const path of ['/health', '/ready', '/openapi.json', '/schemas/flow.json']) {
      assert.equal((await server.api.get(path, { token: null })).status, 200, path);
    }
  });
});
