/**
 * Admin authentication on the open internet: the shortest ADMIN_TOKEN, the wrong-token throttle per
 * client address (TRUST_PROXY=1 and a forged X-Forwarded-For stand for several clients), scoped named
 * tokens created and revoked without a restart, the audit log, and `chatflow tokens`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN_MIN_CHARS, ConfigError, EX_CONFIG, loadConfig } from '../../src/config.ts';
import { SCOPES } from '../../src/http/admin-auth.ts';
import { createLogger } from '../../src/logger.ts';
import { runChatflow, runChatflowInProcess } from '../support/cli.ts';
import { flowTestsText, flowText } from '../support/flow-texts.ts';
import { type ApiClient, startTestServer, TEST_TOKEN, type TestServer } from '../support/server.ts';

const from = (address: string) => ({ 'X-Forwarded-For': address });

/** A logger whose JSON lines land in `lines`. */
function capturingLogger(level: 'debug' | 'info') {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(level, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

async function createToken(api: ApiClient, name: string, scopes: string[]): Promise<string> {
  const created = await api.post('/api/tokens', JSON.stringify({ name, scopes }));
  assert.equal(created.status, 201, created.text);
  return created.json.token;
}

describe('ADMIN_TOKEN at start-up', () => {
  test('a token shorter than 32 characters stops the server with exit 78, naming the variable only', async () => {
    // The real process once (exit code, stderr); the configuration check alone for the other lengths.
    const env = { ADMIN_TOKEN: 'change-me-please', PORT: '0', DATA_DIR: '/nonexistent/x' };
    const run = await runChatflow(['serve'], env, { timeoutMs: 20_000 });
    assert.equal(run.code, EX_CONFIG);
    assert.match(run.stderr, /ADMIN_TOKEN: must be at least 32 characters/);
    assert.ok(!run.stderr.includes('change-me-please'), 'the value is never echoed');
    for (const token of ['a', '7391', 'x'.repeat(ADMIN_TOKEN_MIN_CHARS - 1)]) {
      assert.throws(
        () => loadConfig({ ADMIN_TOKEN: token }),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.problems.some((p) => p.variable === 'ADMIN_TOKEN' && /at least 32/.test(p.message)) &&
          (token.length === 1 || !error.message.includes(token)),
        token,
      );
    }
    assert.equal(loadConfig({ ADMIN_TOKEN: 'x'.repeat(ADMIN_TOKEN_MIN_CHARS) }).adminToken?.length, 32);
  });
});

describe('wrong-token throttle', () => {
  let server: TestServer;
  const { logger, lines } = capturingLogger('debug');

  before(async () => {
    server = await startTestServer({
      env: { TRUST_PROXY: '1', ADMIN_AUTH_FAILURES_PER_MIN: '10' },
      logger,
    });
  });
  after(() => server.stop());

  test('the 11th wrong token from an address is 429 with Retry-After, even with the right token; others are unaffected', async () => {
    for (let n = 1; n <= 10; n += 1) {
      const wrong = await server.api.get('/api/flow/versions', {
        token: `wrong-${n}`,
        headers: from('203.0.113.7'),
      });
      assert.equal(wrong.status, 401, `attempt ${n}`);
    }
    const throttled = await server.api.get('/api/flow/versions', {
      token: 'wrong-11',
      headers: from('203.0.113.7'),
    });
    assert.equal(throttled.status, 429);
    assert.equal(throttled.json.error.code, 'AUTH_THROTTLED');
    const retryAfter = Number(throttled.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, String(retryAfter));

    const rightButThrottled = await server.api.get('/api/flow/versions', { headers: from('203.0.113.7') });
    assert.equal(rightButThrottled.status, 429, 'guessing right while throttled gains nothing');

    const elsewhere = await server.api.get('/api/flow/versions', { headers: from('198.51.100.3') });
    assert.equal(elsewhere.status, 200, 'another address is not throttled');
    const wrongElsewhere = await server.api.get('/api/flow/versions', {
      token: 'nope',
      headers: from('198.51.100.3'),
    });
    assert.equal(wrongElsewhere.status, 401, 'and has its own count');
  });

  test('a flood of wrong tokens logs a bounded number of lines, each with the client address', async () => {
    const before = lines.length;
    for (let n = 0; n < 200; n += 1) {
      await server.api.get('/api/conversations', { token: `guess-${n}`, headers: from('192.0.2.99') });
    }
    const flood = lines.slice(before);
    const loud = flood.filter((line) => (line.level as number) >= 30);
    assert.ok(loud.length <= 3, `${loud.length} lines at info or above: ${JSON.stringify(loud)}`);
    const warnings = flood.filter((line) => line.level === 40);
    assert.deepEqual(
      warnings.map((line) => [line.clientAddress, line.msg]),
      [
        ['192.0.2.99', 'admin authentication failed'],
        ['192.0.2.99', 'admin authentication throttled: too many wrong tokens from this address'],
      ],
    );
    assert.equal(warnings[1]?.failures, 10);
    assert.ok(!JSON.stringify(flood).includes('guess-'), 'no line carries a token');
  });
});

/** Every authenticated route, the scope it needs, and a request that is valid once authenticated. */
interface Route {
  method: string;
  path: string;
  body?: string;
  scope: (typeof SCOPES)[number] | 'admin';
}

describe('scoped tokens', () => {
  let server: TestServer;
  let conversationPath: string;
  const METRICS_TOKEN = 'metrics-token-0123456789';

  before(async () => {
    server = await startTestServer({ env: { METRICS_TOKEN, TRUST_PROXY: '1' } });
    assert.equal((await server.api.put('/api/flow', flowText('v1'))).status, 201);
    conversationPath = '/api/conversations/no-such-conversation';
  });
  after(() => server.stop());

  const routes = (): Route[] => [
    { method: 'GET', path: '/api/flow', scope: 'flows:read' },
    { method: 'GET', path: '/api/flow/versions', scope: 'flows:read' },
    { method: 'GET', path: '/api/flow/versions/1', scope: 'flows:read' },
    { method: 'POST', path: '/api/flow/validate', body: flowText(), scope: 'flows:read' },
    { method: 'PUT', path: '/api/flow', body: flowText('v2'), scope: 'flows:write' },
    { method: 'POST', path: '/api/flow/versions/1/activate', scope: 'flows:write' },
    { method: 'GET', path: '/api/flow/tests', scope: 'flows:read' },
    { method: 'GET', path: '/api/flow/versions/1/tests', scope: 'flows:read' },
    { method: 'PUT', path: '/api/flow/tests', body: flowTestsText(), scope: 'flows:write' },
    { method: 'GET', path: '/api/conversations', scope: 'history:read' },
    { method: 'GET', path: conversationPath, scope: 'history:read' },
    { method: 'GET', path: '/api/audit', scope: 'audit:read' },
    { method: 'GET', path: '/api/tokens', scope: 'admin' },
    { method: 'POST', path: '/api/tokens', body: '{"name":"x","scopes":["metrics"]}', scope: 'admin' },
    { method: 'DELETE', path: '/api/tokens/x', scope: 'admin' },
  ];

  test('each scope opens its routes and only those (403 FORBIDDEN elsewhere)', async () => {
    for (const scope of SCOPES) {
      const token = await createToken(server.api, `only-${scope.replace(':', '-')}`, [scope]);
      for (const route of routes()) {
        const response = await server.api.request(route.method, route.path, {
          token,
          ...(route.body === undefined ? {} : { body: route.body }),
        });
        const what = `${scope} → ${route.method} ${route.path}: ${response.text}`;
        if (route.scope === scope) {
          assert.ok(response.status !== 401 && response.status !== 403, what);
        } else {
          assert.equal(response.status, 403, what);
          assert.equal(response.json.error.code, 'FORBIDDEN', what);
        }
      }
      const metrics = await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(metrics.status, scope === 'metrics' ? 200 : 403, `${scope} → /metrics`);
    }
    // The METRICS_TOKEN and the ADMIN_TOKEN still open /metrics.
    for (const token of [METRICS_TOKEN, TEST_TOKEN]) {
      const metrics = await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(metrics.status, 200);
    }
  });

  test('tokens are created, listed and revoked without a restart; the secret is shown once', async () => {
    const token = await createToken(server.api, 'ci-deploy', ['flows:read', 'flows:write']);
    assert.match(token, /^cft_[A-Za-z0-9_-]{43}$/);
    assert.equal((await server.api.get('/api/flow/versions', { token })).status, 200);

    const listed = await server.api.get('/api/tokens');
    const entry = listed.json.tokens.find((t: { name: string }) => t.name === 'ci-deploy');
    assert.deepEqual(Object.keys(entry).sort(), ['createdAt', 'name', 'scopes']);
    assert.deepEqual(entry.scopes, ['flows:read', 'flows:write']);
    assert.deepEqual(listed.json.scopes, [...SCOPES]);
    assert.ok(!listed.text.includes(token));

    const again = await server.api.post(
      '/api/tokens',
      JSON.stringify({ name: 'ci-deploy', scopes: ['metrics'] }),
    );
    assert.equal(again.status, 409);
    assert.equal(again.json.error.code, 'TOKEN_EXISTS');

    const revoked = await server.api.request('DELETE', '/api/tokens/ci-deploy');
    assert.deepEqual(revoked.json, { name: 'ci-deploy', revoked: true });
    const refused = await server.api.get('/api/flow/versions', { token });
    assert.equal(refused.status, 401, 'refused from the next request on');
    assert.equal((await server.api.request('DELETE', '/api/tokens/ci-deploy')).status, 404);
  });

  test('a bad token request is 400 with details', async () => {
    for (const body of [
      { name: 'admin', scopes: ['metrics'] },
      { name: 'has space', scopes: ['metrics'] },
      { name: 'ok', scopes: [] },
      { name: 'ok', scopes: ['root'] },
      { name: 'ok', scopes: ['metrics', 'metrics'] },
      { name: 'ok', scopes: ['metrics'], extra: 1 },
    ]) {
      const response = await server.api.post('/api/tokens', JSON.stringify(body));
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.json.error.code, 'BAD_REQUEST');
      assert.ok(response.json.error.details.length >= 1);
    }
  });
});

describe('the audit log', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ env: { TRUST_PROXY: '1' } });
  });
  after(() => server.stop());

  test('publish, activate, validate, history reads and token changes: who, from where, when, what', async () => {
    const t0 = new Date().toISOString();
    const api = server.api;
    const ops = await createToken(api, 'ops', ['flows:read', 'flows:write', 'history:read', 'audit:read']);
    const asOps = (address: string) => ({ token: ops, headers: from(address) });
    assert.equal((await api.put('/api/flow', flowText('v1'), asOps('10.1.1.1'))).status, 201);
    assert.equal((await api.put('/api/flow', flowText('v2'), asOps('10.1.1.1'))).status, 201);
    assert.equal((await api.post('/api/flow/versions/1/activate', undefined, asOps('10.1.1.2'))).status, 200);
    assert.equal((await api.post('/api/flow/validate', flowText(), asOps('10.1.1.3'))).status, 200);
    assert.equal((await api.put('/api/flow/tests', flowTestsText(), asOps('10.1.1.3'))).status, 201);
    assert.equal((await api.get('/api/conversations?limit=5', asOps('10.1.1.4'))).status, 200);
    assert.equal(
      (await api.get('/api/conversations/nobody', asOps('10.1.1.4'))).status,
      404,
      'not audited: nothing read',
    );
    // Refused and read-only flow requests leave no entry.
    assert.equal((await api.get('/api/flow', asOps('10.1.1.5'))).status, 200);
    assert.equal((await api.get('/api/tokens', asOps('10.1.1.5'))).status, 403);
    assert.equal((await api.request('DELETE', '/api/tokens/ops', { headers: from('10.9.9.9') })).status, 200);

    const page = await api.get('/api/audit');
    const entries = [...page.json.entries].reverse();
    assert.deepEqual(
      entries.map((e: Record<string, unknown>) => [e.actor, e.address, e.action, e.route, e.target]),
      [
        ['admin', '127.0.0.1', 'token.create', 'POST /api/tokens', 'ops'],
        ['ops', '10.1.1.1', 'flow.upload', 'PUT /api/flow', '1'],
        ['ops', '10.1.1.1', 'flow.upload', 'PUT /api/flow', '2'],
        ['ops', '10.1.1.2', 'flow.activate', 'POST /api/flow/versions/1/activate', '1'],
        ['ops', '10.1.1.3', 'flow.validate', 'POST /api/flow/validate', null],
        ['ops', '10.1.1.3', 'flow.tests.upload', 'PUT /api/flow/tests', '1'],
        ['ops', '10.1.1.4', 'history.list', 'GET /api/conversations', null],
        ['admin', '10.9.9.9', 'token.revoke', 'DELETE /api/tokens/ops', 'ops'],
      ],
    );
    for (const e of entries) assert.ok(e.at >= t0 && e.at <= new Date().toISOString(), e.at);
  });

  test('pages with a cursor neither skip nor repeat; a bad cursor is 400; it needs audit:read', async () => {
    const all = (await server.api.get('/api/audit?limit=200')).json.entries.map((e: { id: number }) => e.id);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${cursor}`;
      const page = await server.api.get(`/api/audit${query}`);
      assert.equal(page.status, 200);
      seen.push(...page.json.entries.map((e: { id: number }) => e.id));
      cursor = page.json.nextCursor;
    } while (cursor !== null);
    assert.deepEqual(seen, all);
    assert.equal((await server.api.get('/api/audit?cursor=bogus')).status, 400);
    const reader = await createToken(server.api, 'reader', ['history:read']);
    assert.equal((await server.api.get('/api/audit', { token: reader })).status, 403);
  });
});

describe('chatflow tokens', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test('creates, lists and revokes a token on a running server', async () => {
    const env = { CHATFLOW_URL: server.url, ADMIN_TOKEN: TEST_TOKEN };
    const created = await runChatflow(
      ['tokens', 'create', 'grafana', '--scope', 'metrics', '--scope', 'history:read'],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trim().split('\n').at(-1) ?? '';
    assert.equal((await server.api.get('/api/conversations', { token })).status, 200);

    // The command's entry in this process where nothing comes from the environment (see runChatflowInProcess).
    const listed = await runChatflowInProcess([
      'tokens',
      'list',
      '--server',
      server.url,
      '--token',
      TEST_TOKEN,
    ]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^grafana\tmetrics,history:read\t\d{4}-/m);

    const duplicate = await runChatflow(['tokens', 'create', 'grafana', '--scope', 'metrics'], env);
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /409 TOKEN_EXISTS/);

    const revoked = await runChatflow(['tokens', 'revoke', 'grafana'], env);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal((await server.api.get('/api/conversations', { token })).status, 401);

    const wrong = await runChatflow(['tokens', 'list'], { ...env, ADMIN_TOKEN: 'not-the-admin-token' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /401 UNAUTHORIZED/);
    const usage = await runChatflow(['tokens', 'create', 'x'], env);
    assert.equal(usage.code, 2);
  });
});
