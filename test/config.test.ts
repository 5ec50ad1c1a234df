import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CONFIG_DEFAULTS, ConfigError, loadConfig, normaliseOrigin } from '../src/config.ts';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems.map((p) => p.variable);
  }
  assert.fail('expected a ConfigError');
}

describe('loadConfig', () => {
  test('defaults with an empty environment', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.dataDir, './data');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.adminToken, undefined);
    assert.equal(config.intent.provider, 'auto');
    assert.equal(config.intent.timeoutMs, 8000);
    assert.equal(config.logLevel, 'info');
    assert.deepEqual(config.allowedOrigins, []);
    assert.equal(config.maxBodyBytes, 5 * 1024 * 1024);
    assert.deepEqual(config.ws, {
      maxFrameBytes: 16384,
      maxTextChars: 4000,
      ratePerSec: CONFIG_DEFAULTS.WS_RATE_PER_SEC,
      rateBurst: 20,
      maxConnections: CONFIG_DEFAULTS.WS_MAX_CONNECTIONS,
      pingIntervalMs: CONFIG_DEFAULTS.WS_PING_INTERVAL_MS,
      maxConnectionsPerAddress: 20,
      handshakesPerMinute: 60,
      addressRatePerSec: 20,
      addressRateBurst: 40,
      idleTimeoutMs: 600_000,
    });
    assert.equal(config.shutdownTimeoutMs, CONFIG_DEFAULTS.SHUTDOWN_TIMEOUT_MS);
    assert.equal(config.adminPort, undefined);
    assert.deepEqual(config.http, {
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 60_000,
      maxConnections: 11_000,
    });
  });

  test('HTTP limits and ADMIN_PORT: read, derived, and checked against each other', () => {
    const config = loadConfig({
      ADMIN_PORT: '9000',
      HTTP_HEADERS_TIMEOUT_MS: '2000',
      HTTP_REQUEST_TIMEOUT_MS: '5000',
      WS_MAX_CONNECTIONS: '50',
    });
    assert.equal(config.adminPort, 9000);
    assert.deepEqual(config.http, { headersTimeoutMs: 2000, requestTimeoutMs: 5000, maxConnections: 1050 });
    assert.equal(
      loadConfig({ HTTP_MAX_CONNECTIONS: '20000', WS_MAX_CONNECTIONS: '50' }).http.maxConnections,
      20_000,
    );
    assert.deepEqual(problems({ HTTP_HEADERS_TIMEOUT_MS: '70000' }), ['HTTP_HEADERS_TIMEOUT_MS']);
    assert.deepEqual(problems({ HTTP_MAX_CONNECTIONS: '10000' }), ['HTTP_MAX_CONNECTIONS']);
    assert.deepEqual(problems({ ADMIN_PORT: '3000' }), ['ADMIN_PORT']);
    assert.deepEqual(problems({ ADMIN_PORT: '70000', HTTP_REQUEST_TIMEOUT_MS: '5' }), [
      'ADMIN_PORT',
      'HTTP_REQUEST_TIMEOUT_MS',
    ]);
  });

  test('SQLITE_WORKER: 0 (the default) or 1 puts the SQLite connection in a worker thread', () => {
    assert.equal(loadConfig({}).sqliteWorker, false);
    assert.equal(loadConfig({ SQLITE_WORKER: '0' }).sqliteWorker, false);
    assert.equal(loadConfig({ SQLITE_WORKER: '1' }).sqliteWorker, true);
    assert.deepEqual(problems({ SQLITE_WORKER: 'yes' }), ['SQLITE_WORKER']);
  });

  test('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      DATA_DIR: '/var/lib/chatflow',
      DATABASE_URL: 'postgres://u:p@db:5432/chatflow',
      ADMIN_TOKEN: 'a-very-secret-token-0123456789abcdef',
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1',
      OPENAI_MODEL: 'llama3',
      INTENT_PROVIDER: 'local',
      INTENT_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'debug',
      ALLOWED_ORIGINS: 'https://App.Example.com, http://localhost:5173',
      MAX_BODY_BYTES: '1048576',
      WS_MAX_FRAME_BYTES: '32768',
      WS_MAX_TEXT_CHARS: '100',
      WS_RATE_PER_SEC: '0',
      WS_RATE_BURST: '5',
      WS_MAX_CONNECTIONS: '10',
      SHUTDOWN_TIMEOUT_MS: '500',
    });
    assert.equal(config.port, 8080);
    assert.equal(config.databaseUrl, 'postgres://u:p@db:5432/chatflow');
    assert.deepEqual(config.openai, {
      apiKey: 'sk-test',
      baseUrl: 'http://127.0.0.1:11434/v1',
      model: 'llama3',
    });
    assert.deepEqual(config.intent, { provider: 'local', timeoutMs: 2000 });
    assert.deepEqual(config.allowedOrigins, ['https://app.example.com', 'http://localhost:5173']);
    assert.equal(config.ws.ratePerSec, 0, '0 disables the rate limit');
    assert.equal(config.shutdownTimeoutMs, 500);
  });

  test('empty values count as unset', () => {
    assert.equal(loadConfig({ PORT: '', ADMIN_TOKEN: '  ' }).port, 3000);
    assert.equal(loadConfig({ ADMIN_TOKEN: '' }).adminToken, undefined);
  });

  test('every bad value is reported, each naming its variable', () => {
    assert.deepEqual(
      problems({
        PORT: '70000',
        INTENT_PROVIDER: 'gpt',
        LOG_LEVEL: 'loud',
        MAX_BODY_BYTES: '5MB',
        WS_RATE_BURST: '0',
        WS_ADDRESS_RATE_BURST: '0',
        WS_IDLE_TIMEOUT_MS: '10m',
        DATABASE_URL: 'mysql://x',
        OPENAI_BASE_URL: 'not a url',
        ALLOWED_ORIGINS: 'https://ok.example, https://bad.example/path',
        ADMIN_TOKEN: 'has spaces in it',
      }).sort(),
      [
        'ADMIN_TOKEN',
        'ALLOWED_ORIGINS',
        'DATABASE_URL',
        'INTENT_PROVIDER',
        'LOG_LEVEL',
        'MAX_BODY_BYTES',
        'OPENAI_BASE_URL',
        'PORT',
        'WS_ADDRESS_RATE_BURST',
        'WS_IDLE_TIMEOUT_MS',
        'WS_RATE_BURST',
      ],
    );
  });

  test('the error message never contains the bad value itself', () => {
    try {
      loadConfig({ DATABASE_URL: 'mysql://root:s3cr3t@db/x' });
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /DATABASE_URL/);
      assert.doesNotMatch(err.message, /s3cr3t/);
    }
  });

  test('origins are normalised as browsers send them', () => {
    assert.equal(normaliseOrigin('HTTPS://Example.COM:443'), 'https://example.com');
    assert.equal(normaliseOrigin('http://localhost:8080'), 'http://localhost:8080');
    assert.equal(normaliseOrigin('https://example.com/'), null);
    assert.equal(normaliseOrigin('example.com'), null);
    assert.equal(normaliseOrigin('https://user@example.com'), null);
  });
});
