/**
 * The real `chatflow` command, spawned as users run it (`node bin/chatflow.ts …`), and, where a case
 * needs no process of its own, its entry run in this process (`inProcess`).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_FLOW_PATH } from '../../src/default-flow.ts';
import { BIN, runChatflow, runChatflowInProcess } from '../support/cli.ts';
import { INVALID_FLOW } from '../support/flow-texts.ts';

const SUPPORT_TRIAGE = fileURLToPath(new URL('../../examples/support-triage.json', import.meta.url));

const chatflow = (...args: string[]) => runChatflow(args);
const inProcess = (...args: string[]) => runChatflowInProcess(args);

describe('chatflow validate', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chatflow-cli-'));
    await writeFile(file('broken.json'), INVALID_FLOW);
    await writeFile(file('not-json.json'), '{"formatVersion": 1,');
    await writeFile(
      file('unreachable.json'),
      JSON.stringify({
        formatVersion: 1,
        name: 'Unreachable',
        start: 'hello',
        blocks: [
          { id: 'hello', type: 'end', text: 'Hi' },
          { id: 'lost', type: 'end', text: 'never' },
        ],
      }),
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('the example flows are valid: exit 0', async () => {
    for (const path of [DEFAULT_FLOW_PATH, SUPPORT_TRIAGE]) {
      const run = await chatflow('validate', path);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /: valid \(0 warning\(s\)\)\n$/);
    }
  });

  test('a broken flow: every error with its JSON pointer, exit 1', async () => {
    const run = await chatflow('validate', file('broken.json'));
    assert.equal(run.code, 1);
    assert.match(run.stdout, /broken\.json: error \/blocks\/0\/next: /);
    assert.match(run.stdout, /broken\.json: error \/blocks\/0\/nxt: unknown field "nxt"/);
    assert.match(run.stdout, /broken\.json: error \/blocks\/2\/type: /);
    assert.match(run.stdout, /invalid \(3 error\(s\), 0 warning\(s\)\)/);
  });

  test('--json prints the report as JSON', async () => {
    const run = await inProcess('validate', '--json', file('broken.json'));
    assert.equal(run.code, 1);
    const report = JSON.parse(run.stdout);
    assert.equal(report.valid, false);
    assert.deepEqual(report.errors.map((e: { path: string }) => e.path).sort(), [
      '/blocks/0/next',
      '/blocks/0/nxt',
      '/blocks/2/type',
    ]);
  });

  test('warnings alone do not fail: exit 0', async () => {
    const run = await inProcess('validate', file('unreachable.json'));
    assert.equal(run.code, 0);
    assert.match(run.stdout, /warning \/blocks\/1: block "lost" is unreachable from start/);
  });

  test('text that is not JSON is an error at the root, exit 1', async () => {
    const run = await inProcess('validate', file('not-json.json'));
    assert.equal(run.code, 1);
    assert.match(run.stdout, /error \/: not valid JSON: /);
  });

  test('a missing file, a missing argument or an unknown option: exit 2', async () => {
    const missing = await chatflow('validate', file('nope.json'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*nope\.json \(ENOENT\)/);
    const none = await inProcess('validate');
    assert.equal(none.code, 2);
    assert.match(none.stderr, /validate takes exactly one file/);
    const unknown = await inProcess('validate', '--nope', file('broken.json'));
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown option '--nope'/);
  });
});

describe('chatflow help and dispatch', () => {
  test('--help on every command, exit 0', async () => {
    for (const command of ['validate', 'eval', 'serve', 'bench']) {
      const run = await inProcess(command, '--help');
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^Usage: chatflow ${command}`));
    }
    const main = await chatflow('--help');
    assert.equal(main.code, 0);
    assert.match(main.stdout, /Commands:\n {2}validate <file>/);
  });

  test('no command or an unknown one: usage on stderr, exit 2', async () => {
    const none = await chatflow();
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^Usage: chatflow <command>/);
    const unknown = await chatflow('frobnicate');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
  });

  test('bench --list names the scenarios without running anything', async () => {
    const run = await chatflow('bench', '--list');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^echo\n/);
    assert.match(run.stdout, /\nplumbing\n/);
  });
});

describe('chatflow serve', () => {
  test('starts the server, which answers /health, and stops on SIGTERM with exit 0', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'chatflow-cli-serve-'));
    try {
      const { spawn } = await import('node:child_process');
      const child = spawn(process.execPath, [BIN, 'serve'], {
        env: {
          PATH: process.env.PATH ?? '',
          PORT: '0',
          HOST: '127.0.0.1',
          DATA_DIR: dataDir,
          ADMIN_TOKEN: 'cli-test-token-0123456789abcdef0123456',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      const url = await new Promise<string>((resolve, reject) => {
        let buffer = '';
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (chunk: string) => {
          buffer += chunk;
          const found = /"url":"(http:\/\/[^"]+)"/.exec(buffer);
          if (found?.[1]) resolve(found[1]);
        });
        child.on('close', () => reject(new Error(`exited before listening: ${buffer}`)));
      });
      const health = await fetch(`${url}/health`);
      assert.equal(health.status, 200);
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
