/**
 * `npm start` runs bin/start.js: plain JavaScript that any Node can run, so an install without Node 24
 * fails at once with one line naming the version needed instead of ERR_UNKNOWN_FILE_EXTENSION.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { spawnServer } from '../support/process.ts';
import { makeDataDir } from '../support/server.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const START = fileURLToPath(new URL('../../bin/start.js', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  engines: { node: string };
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const REQUIRED = /^>=(\d+)$/.exec(pkg.engines.node)?.[1] as string;

/** Runs bin/start.js on this Node made to report `version` (a preloaded module rewrites process.versions). */
function startOnFakeNode(version: string, env: Record<string, string>) {
  const fake = `Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '${version}' } });`;
  const child = spawn(process.execPath, ['--import', `data:text/javascript,${fake}`, START], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Should the check let it through, the server would run on: stop it, and the test fails.
    timeout: 15_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm start (bin/start.js)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  test('is the start script, and a production install brings the Node it needs', () => {
    // `exec`: npm forwards SIGTERM to the shell running the script; without exec that shell would
    // not pass it on, and the server would go on running after npm is gone.
    assert.equal(pkg.scripts.start, 'exec node bin/start.js');
    assert.ok(REQUIRED, 'engines.node is ">=N"');
    // `npm ci --omit=dev` must install the `node` package (Node 24 for npm scripts on an older Node).
    assert.ok('node' in pkg.dependencies, '`node` is a production dependency');
    assert.ok(!('node' in pkg.devDependencies));
    assert.match(pkg.dependencies.node ?? '', new RegExp(`^\\^${REQUIRED}\\.`));
  });

  test('on an older Node it stops at once with one line naming the version required', async () => {
    const { dataDir, remove } = await makeDataDir();
    cleanups.push(remove);
    const result = await startOnFakeNode('20.11.1', { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '', 'the server did not start');
    const lines = result.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, result.stderr);
    assert.match(
      lines[0] ?? '',
      new RegExp(`Node\\.js ${REQUIRED} or later is required, this is Node\\.js 20\\.11\\.1 `),
    );
  });

  test(`on Node ${REQUIRED} it starts the server, which gets ready and stops on SIGTERM`, async () => {
    const { dataDir, remove } = await makeDataDir();
    cleanups.push(remove);
    const server = spawnServer(
      { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir },
      { command: [process.execPath, START] },
    );
    cleanups.unshift(async () => {
      server.child.kill('SIGKILL');
      await server.exited;
    });
    const ready = await server.waitForLog((line) => String(line.msg).startsWith('Chatflow listening on'));
    const response = await fetch(`${String(ready.url)}/ready`);
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { status: string }).status, 'ready');
    server.child.kill('SIGTERM');
    assert.deepEqual(await server.exited, { code: 0, signal: null });
  });

  test('`npm start` starts it, and SIGTERM to npm stops the server gracefully', async () => {
    const { dataDir, remove } = await makeDataDir();
    cleanups.push(remove);
    // --silent: npm prints no banner, so stdout is the server's JSON log alone.
    const server = spawnServer(
      { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir },
      { command: ['npm', 'start', '--silent'], cwd: ROOT, detached: true },
    );
    cleanups.unshift(async () => {
      // The whole process group: a server that outlived npm is in it too.
      if (server.child.pid !== undefined) {
        try {
          process.kill(-server.child.pid, 'SIGKILL');
        } catch {}
      }
      await server.exited;
    });
    const ready = await server.waitForLog((line) => String(line.msg).startsWith('Chatflow listening on'));
    assert.equal((await fetch(`${String(ready.url)}/ready`)).status, 200);
    server.child.kill('SIGTERM');
    await server.waitForLog((line) => line.msg === 'stopped');
    assert.equal((await server.exited).code, 0);
  });
});
