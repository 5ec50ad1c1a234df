/**
 * The generated admin token: printed into the log only when stdout is a terminal (the flag main() passes,
 * checked here in-process), and `chatflow token` to read it back (the real command).
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { ADMIN_TOKEN_FILE } from '../../src/http/admin-token.ts';
import { createLogger } from '../../src/logger.ts';
import { startServer } from '../../src/main.ts';
import { runChatflow, runChatflowInProcess } from '../support/cli.ts';
import { makeDataDir } from '../support/server.ts';

/** Starts a server with no ADMIN_TOKEN in a fresh DATA_DIR; returns its log lines and the token file's content. */
async function firstStart(showGeneratedToken: boolean | undefined) {
  const { dataDir, remove } = await makeDataDir();
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir });
  const running = await startServer(config, {
    logger: createLogger('info', sink),
    defaultFlowPath: join(dataDir, 'no-default-flow.json'),
    ...(showGeneratedToken === undefined ? {} : { showGeneratedToken }),
  });
  await running.close();
  const token = (await readFile(join(dataDir, ADMIN_TOKEN_FILE), 'utf8')).trim();
  await remove();
  return { lines, token, file: join(dataDir, ADMIN_TOKEN_FILE) };
}

describe('the generated admin token in the log', () => {
  test('printed once when stdout is a terminal', async () => {
    const { lines, token } = await firstStart(true);
    const printed = lines.filter((line) => line.includes(token));
    assert.equal(printed.length, 1);
    assert.match(printed[0] ?? '', /Authorization: Bearer/);
  });

  test('not a terminal (and by default): the file and "chatflow token", never the token', async () => {
    for (const show of [false, undefined]) {
      const { lines, token, file } = await firstStart(show);
      assert.ok(!lines.some((line) => line.includes(token)), 'the token is not logged');
      const notice = lines.find((line) => line.includes('generated an admin token'));
      assert.ok(notice?.includes(file), 'names the file');
      assert.match(notice ?? '', /chatflow token/);
    }
  });
});

describe('chatflow token', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  test('prints the token of DATA_DIR, or of --data-dir', async () => {
    const { dataDir, remove } = await makeDataDir();
    cleanups.push(remove);
    await writeFile(join(dataDir, ADMIN_TOKEN_FILE), 'abc-123_XYZ\n', { mode: 0o600 });
    assert.deepEqual(await runChatflow(['token'], { DATA_DIR: dataDir }), {
      code: 0,
      stdout: 'abc-123_XYZ\n',
      stderr: '',
    });
    const byOption = await runChatflowInProcess(['token', '--data-dir', dataDir]);
    assert.equal(byOption.stdout, 'abc-123_XYZ\n');
  });

  test('no token file: exit 1 and a message that says why', async () => {
    const { dataDir, remove } = await makeDataDir();
    cleanups.push(remove);
    const run = await runChatflow(['token'], { DATA_DIR: dataDir, ADMIN_TOKEN: 'set-elsewhere' });
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, new RegExp(`no admin token at ${join(dataDir, ADMIN_TOKEN_FILE)}`));
    assert.match(run.stderr, /ADMIN_TOKEN is set in this environment/);
    assert.doesNotMatch(run.stderr, /set-elsewhere/, 'never echoes a secret');
  });

  test('a file that holds no token, or a stray argument: exit 2', async () => {
    const { dataDir, remove } = await makeDataDir();
    cleanups.push(remove);
    await mkdir(join(dataDir, ADMIN_TOKEN_FILE));
    const unreadable = await runChatflow(['token'], { DATA_DIR: dataDir });
    assert.equal(unreadable.code, 2);
    assert.match(unreadable.stderr, /cannot read .*admin-token: EISDIR/);
    const extra = await runChatflowInProcess(['token', 'extra']);
    assert.equal(extra.code, 2);
    assert.match(extra.stderr, /Usage: chatflow token/);
  });
});
