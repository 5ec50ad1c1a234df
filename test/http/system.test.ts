import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { z } from 'zod';
import { flowSchema } from '../../src/flow/schema.ts';
import { testFileSchema } from '../../src/flow-tests/format.ts';
import { parseTestsDocument, problemsAgainstFlow } from '../../src/flow-tests/parse.ts';
import { buildOpenApiDocument } from '../../src/http/openapi.ts';
import { createLogger } from '../../src/logger.ts';
import { flowTestsText, flowText, INVALID_FLOW, TRAVEL_TESTS } from '../support/flow-texts.ts';
import { loadExample } from '../support/flows.ts';
import { type ApiResponse, startTestServer, TEST_TOKEN, type TestServer } from '../support/server.ts';

describe('probes and descriptions', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test('GET /health', async () => {
    const response = await server.api.get('/health', { token: null });
    assert.equal(response.status, 200);
    assert.deepEqual(response.json, { status: 'ok' });
  });

  test('GET /ready pings the store', async () => {
    const response = await server.api.get('/ready', { token: null });
    assert.equal(response.status, 200);
    assert.deepEqual(response.json, { status: 'ready', store: 'sqlite' });
  });

  test('GET /openapi.json is the OpenAPI 3.1 document and describes every registered route', async () => {
    const response = await server.api.get('/openapi.json', { token: null });
    assert.deepEqual(response.json, buildOpenApiDocument());
    assert.equal(response.json.openapi, '3.1.0');
    const routes = Object.values(
      (
        server.restify as unknown as {
          router: { getRoutes(): Record<string, { method: string; path: string }> };
        }
      ).router.getRoutes(),
    ).map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`);
    const documented = Object.entries(response.json.paths as Record<string, object>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    assert.deepEqual(routes.sort(), documented.sort());
  });

  test('GET /schemas/flow.json is generated from the zod schema and validates flows', async () => {
    const response = await server.api.get('/schemas/flow.json', { token: null });
    const { $id: _id, title: _title, ...generated } = response.json;
    assert.deepEqual(generated, z.toJSONSchema(flowSchema, { target: 'draft-2020-12', io: 'input' }));
    const validate = new Ajv2020({ strict: false }).compile(response.json);
    assert.equal(validate(JSON.parse(flowText())), true, JSON.stringify(validate.errors));
    assert.equal(validate(JSON.parse(INVALID_FLOW)), false);
  });

  test('GET /schemas/flow-tests.json is generated from the zod schema and validates test files', async () => {
    const response = await server.api.get('/schemas/flow-tests.json', { token: null });
    assert.equal(response.status, 200);
    const { $id, title: _title, ...generated } = response.json;
    assert.equal($id, 'https://chatflow.dev/schemas/flow-tests.json');
    assert.deepEqual(generated, z.toJSONSchema(testFileSchema, { target: 'draft-2020-12', io: 'input' }));
    const validate = new Ajv2020({ strict: false }).compile(response.json);
    // A real test file of examples/travel.json: the server's own parser takes it too.
    const travel = parseTestsDocument(TRAVEL_TESTS);
    assert.ok(travel.ok, JSON.stringify(travel));
    assert.deepEqual(problemsAgainstFlow(travel.tests, loadExample('travel')), []);
    for (const good of [TRAVEL_TESTS, JSON.parse(flowTestsText())]) {
      assert.equal(validate(good), true, JSON.stringify(validate.errors));
    }
    const bad = [
      { ...TRAVEL_TESTS, formatVersion: 2 },
      { ...TRAVEL_TESTS, conversations: [] },
      { formatVersion: 1, conversations: [{ name: 'a', steps: [{ usr: 'hi' }] }] },
      { formatVersion: 1, conversations: [{ name: 'a', steps: [{ user: 'hi', ended: 'yes' }] }] },
      {
        formatVersion: 1,
        conversations: [{ name: 'a', steps: [{ user: 'hi', bot: [{ matches: 'x', txt: 1 }] }] }],
      },
    ];
    for (const document of bad) assert.equal(validate(document), false, JSON.stringify(document));
  });

  test('an empty conversation list', async () => {
    const response = await server.api.get('/api/conversations');
    assert.deepEqual(response.json, { conversations: [], nextCursor: null });
  });
});

describe('failures inside the server', () => {
  let server: TestServer;
  const lines: string[] = [];

  before(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    server = await startTestServer({ logger: createLogger('trace', sink) });
    await server.api.put('/api/flow', flowText());
  });
  after(() => server.stop());

  /** The answer carries a request id and nothing of the error inside; the log has the error under that id. */
  function assertLoggedNotLeaked(response: ApiResponse): void {
    assert.equal(response.json.error.requestId, response.headers.get('x-request-id'));
    assert.doesNotMatch(response.text, /\bat \w|sqlite|\.ts:/i);
    assert.ok(
      lines.some((line) => line.includes('request failed') && line.includes(response.json.error.requestId)),
      'the error is logged with its request id',
    );
  }

  test('an unexpected failure is 500 INTERNAL with a request id and no internals', async () => {
    const { store } = server;
    const listFlowVersions = store.listFlowVersions;
    store.listFlowVersions = async () => {
      throw new TypeError('sqlite row mapper broke at rows.ts:12');
    };
    try {
      const response = await server.api.get('/api/flow/versions');
      assert.equal(response.status, 500);
      assert.equal(response.json.error.code, 'INTERNAL');
      assert.equal(response.json.error.message, 'internal server error');
      assertLoggedNotLeaked(response);
    } finally {
      store.listFlowVersions = listFlowVersions;
    }
  });

  test('a store that cannot be used (here: closed) is 503 STORE_UNAVAILABLE, no internals; /ready is 503', async () => {
    await server.store.close();
    const response = await server.api.get('/api/flow/versions');
    assert.equal(response.status, 503);
    assert.equal(response.json.error.code, 'STORE_UNAVAILABLE');
    assertLoggedNotLeaked(response);

    const ready = await server.api.get('/ready', { token: null });
    assert.equal(ready.status, 503);
    assert.deepEqual(ready.json, { status: 'unavailable', store: 'sqlite' });
    assert.equal((await server.api.get('/health')).status, 200);
  });

  test('no log line carries the admin token, even at trace level', () => {
    assert.ok(lines.length > 5);
    for (const line of lines) assert.ok(!line.includes(TEST_TOKEN), line.slice(0, 200));
  });
});
