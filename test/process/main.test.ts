/** The real process: start, generated token never printed into a piped log, SIGTERM → exit 0, bad configuration → exit 78. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { EX_CONFIG } from '../../src/config.ts';
import { DEFAULT_FLOW_PATH } from '../../src/default-flow.ts';
import { ADMIN_TOKEN_FILE } from '../../src/http/admin-token.ts';
import { runChatflow } from '../support/cli.ts';
import { spawnServer } from '../support/process.ts';
import { makeDataDir } from '../support/server.ts';

const listening = (line: Record<string, unknown>) => String(line.msg).startsWith('Chatflow listening on');

describe('node src/main.ts', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  test('starts, keeps a generated token out of a piped log, serves, and stops gracefully on SIGTERM', async () => {
    const { dataDir, remove } = await makeDataDir();
    cleanups.push(remove);
    const env = { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir };
    const server = spawnServer(env);
    const ready = await server.waitForLog(listening);
    const token = (await readFile(join(dataDir, ADMIN_TOKEN_FILE), 'utf8')).trim();
    // stdout is a pipe, not a terminal: the log says where the token is and how to print it, not the token.
    assert.ok(!server.logs.some((line) => JSON.stringify(line).includes(token)), 'the token is not logged');
    const notice = server.logs.find((line) => String(line.msg).includes('generated an admin token'));
    assert.ok(notice, 'the generation is announced');
    assert.equal(notice.adminTokenFile, join(dataDir, ADMIN_TOKEN_FILE));
    assert.match(String(notice.msg), /"chatflow token"/);
    const printed = await runChatflow(['token'], { DATA_DIR: dataDir });
    assert.deepEqual(printed, { code: 0, stdout: `${token}\n`, stderr: '' });

    const url = String(ready.url);
    assert.equal((await fetch(`${url}/health`)).status, 200);
    const current = await fetch(`${url}/api/flow`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(current.status, 200);
    assert.equal(current.headers.get('etag'), '"1"');
    assert.equal(
      await current.text(),
      await readFile(DEFAULT_FLOW_PATH, 'utf8'),
      'the built-in flow is version 1',
    );

    server.child.kill('SIGTERM');
    assert.deepEqual(await server.exited, { code: 0, signal: null });
    assert.ok(server.logs.some((line) => line.msg === 'stopped'));
    assert.ok(
      server.logs.every((line) => typeof line.level === 'number'),
      'every stdout line is JSON',
    );

    // Restart: the same token, not printed again.
    const again = spawnServer(env);
    await again.waitForLog(listening);
    assert.ok(!again.logs.some((line) => JSON.stringify(line).includes(token)), 'not printed on restart');
    assert.equal((await readFile(join(dataDir, ADMIN_TOKEN_FILE), 'utf8')).trim(), token);
    again.child.kill('SIGINT');
    assert.equal((await again.exited).code, 0);
  });

  test('health and readiness probes are logged at debug, other requests at info', async () => {
    const { dataDir, remove } = await makeDataDir();
    cleanups.push(remove);
    const server = spawnServer({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'debug' });
    // A failed assertion must not leave the process running (the test runner would wait for it).
    cleanups.unshift(async () => {
      server.child.kill('SIGKILL');
      await server.exited;
    });
    const url = String((await server.waitForLog(listening)).url);
    const targets = ['/health', '/ready', '/health?probe=docker', '/openapi.json'];
    for (const target of targets) assert.equal((await fetch(`${url}${target}`)).status, 200, target);
    // Log lines come out in request order: once the last one is out, all are.
    await server.waitForLog((line) => line.url === '/openapi.json');
    const levels = Object.fromEntries(
      server.logs.filter((line) => line.msg === 'request done').map((line) => [line.url, line.level]),
    );
    const [DEBUG, INFO] = [20, 30];
    assert.deepEqual(levels, {
      '/health': DEBUG,
      '/ready': DEBUG,
      '/health?probe=docker': DEBUG,
      '/openapi.json': INFO,
    });
    server.child.kill('SIGTERM');
    assert.equal((await server.exited).code, 0);
  });

  test('a bad configuration exits with EX_CONFIG (78) and names the variable', async () => {
    const { dataDir, remove } = await makeDataDir();
    cleanups.push(remove);
    const server = spawnServer({ DATA_DIR: dataDir, PORT: 'eighty', INTENT_PROVIDER: 'magic' });
    const { code } = await server.exited;
    assert.equal(code, EX_CONFIG);
    assert.match(server.stderr(), /PORT: must be a whole number/);
    assert.match(server.stderr(), /INTENT_PROVIDER/);
  });

  test('a secret in a bad configuration is never echoed', async () => {
    const { dataDir, remove } = await makeDataDir();
    cleanups.push(remove);
    const server = spawnServer({ DATA_DIR: dataDir, DATABASE_URL: 'mysql://user:hunter2@db/x' });
    assert.equal((await server.exited).code, EX_CONFIG);
    assert.match(server.stderr(), /DATABASE_URL/);
    assert.doesNotMatch(server.stderr(), /hunter2/);
  });
});
