/**
 * The admin API while the database cannot be reached: every route that reads or writes the store
 * answers 503 STORE_UNAVAILABLE (JSON error body, Retry-After), like the chat, and the same server
 * answers normally again once the database is back. A real PostgreSQL behind a TCP proxy that the
 * test severs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { STORE_RETRY_AFTER_SECONDS } from '../../src/http/errors.ts';
import { flowTestsText, flowText } from '../support/flow-texts.ts';
import { createTestDatabase, SeverableProxy, type TestDatabase } from '../support/postgres.ts';
import { type ApiResponse, startTestServer, type TestServer } from '../support/server.ts';
import { ChatClient } from '../support/ws-client.ts';

interface Route {
  method: string;
  path: string;
  body?: string;
  /** The status once the database is back. */
  healthy: number;
}

describe('the admin API while the database is down', () => {
  let database: TestDatabase;
  let proxy: SeverableProxy;
  let server: TestServer;
  let routes: Route[];

  before(async () => {
    database = await createTestDatabase();
    proxy = await SeverableProxy.start();
    server = await startTestServer({ env: { DATABASE_URL: proxy.url(database.name) } });
    assert.equal((await server.api.put('/api/flow', flowText('v1'))).status, 201);
    const chat = await ChatClient.connect(server.url);
    const conversationId = (await chat.nth('conversation')).conversationId as string;
    await chat.nth('waiting');
    chat.close();
    routes = [
      { method: 'GET', path: '/api/flow', healthy: 200 },
      { method: 'PUT', path: '/api/flow', body: flowText('v2'), healthy: 201 },
      { method: 'GET', path: '/api/flow/versions', healthy: 200 },
      { method: 'GET', path: '/api/flow/versions/1', healthy: 200 },
      { method: 'POST', path: '/api/flow/versions/1/activate', healthy: 200 },
      // Validation stores nothing but its audit entry, so it needs the store too.
      { method: 'POST', path: '/api/flow/validate', body: flowText(), healthy: 200 },
      { method: 'PUT', path: '/api/flow/tests', body: flowTestsText(), healthy: 201 },
      { method: 'GET', path: '/api/flow/tests', healthy: 200 },
      { method: 'GET', path: '/api/flow/versions/1/tests', healthy: 200 },
      { method: 'GET', path: '/api/conversations', healthy: 200 },
      { method: 'GET', path: '/api/conversations?limit=1', healthy: 200 },
      { method: 'GET', path: `/api/conversations/${conversationId}`, healthy: 200 },
    ];
  });
  after(async () => {
    await server?.stop();
    await proxy?.close();
    await database?.drop();
  });

  /** Sends each route's request (the client checks each answer against the OpenAPI document). */
  async function answers(): Promise<{ what: string; route: Route; response: ApiResponse }[]> {
    const results = [];
    for (const route of routes) {
      const response = await server.api.request(
        route.method,
        route.path,
        route.body ? { body: route.body } : {},
      );
      results.push({ what: `${route.method} ${route.path}: ${response.text}`, route, response });
    }
    return results;
  }

  test('every store route answers 503 STORE_UNAVAILABLE with Retry-After, and 200 again once it is back', async () => {
    proxy.sever();
    for (const { what, response } of await answers()) {
      assert.equal(response.status, 503, what);
      assert.equal(response.json.error.code, 'STORE_UNAVAILABLE', what);
      assert.match(response.json.error.message, /unavailable/, what);
      assert.equal(response.json.error.requestId, response.headers.get('x-request-id'), what);
      assert.equal(response.headers.get('retry-after'), String(STORE_RETRY_AFTER_SECONDS), what);
    }
    assert.equal((await server.api.get('/health')).status, 200, 'the process itself is fine');

    proxy.restore();
    for (const { what, route, response } of await answers())
      assert.equal(response.status, route.healthy, what);
  });
});
