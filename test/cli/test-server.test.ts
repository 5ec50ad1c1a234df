/**
 * `chatflow test --server URL TESTS.json…` against the real server on an ephemeral port: the command's
 * entry in this process for most cases, spawned once for the token taken from CHATFLOW_TOKEN.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runChatflow, runChatflowInProcess } from '../support/cli.ts';
import { ORDERS_FLOW, ORDERS_TEXTS as T } from '../support/orders-flow.ts';
import { startTestServer, TEST_TOKEN, type TestServer } from '../support/server.ts';

const GREETING = [
  { bot: [T.hello], at: 'ask-name' },
  { user: 'Ada', bot: [{ text: T.menu('Ada'), options: ['Weather', 'Travel'] }] },
  { user: 'will it rain tomorrow', intent: 'weather', bot: [T.weather], vars: { name: 'Ada' } },
];

const testFile = (conversations: unknown[], flow: unknown = { current: true }) =>
  JSON.stringify({ formatVersion: 1, flow, conversations });

describe('chatflow test --server', () => {
  let server: TestServer;
  let dir: string;
  const file = (name: string) => join(dir, name);
  const inProcess = (...args: string[]) => runChatflowInProcess(['test', ...args]);
  const against = (...args: string[]) => inProcess('--server', server.url, '--token', TEST_TOKEN, ...args);

  before(async () => {
    server = await startTestServer();
    assert.equal((await server.api.put('/api/flow', JSON.stringify(ORDERS_FLOW))).status, 201);
    dir = await mkdtemp(join(tmpdir(), 'chatflow-test-server-'));
    await writeFile(file('flow.json'), JSON.stringify(ORDERS_FLOW));
    await writeFile(file('pass.json'), testFile([{ name: 'greeting', steps: GREETING }]));
    await writeFile(
      file('fail.json'),
      testFile([
        {
          name: 'wrong weather',
          steps: [...GREETING.slice(0, 2), { user: 'will it rain tomorrow', bot: ['Rain.'] }],
        },
      ]),
    );
    await writeFile(
      file('names-a-flow.json'),
      testFile([{ name: 'greeting', steps: GREETING }], 'elsewhere.json'),
    );
    await writeFile(file('typo.json'), testFile([{ name: 'typo', steps: [{ at: 'ask-nme' }] }]));
  });
  after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('a passing file: exit 0, the report names the server flow it ran against', async () => {
    const run = await against(file('pass.json'));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`pass\\.json \\(flow version 1 of ${server.url}\\)\\n✓ greeting\\n`));
    assert.match(run.stdout, /1 conversation\(s\) in 1 file: 1 passed, 0 failed \(3 steps, \d+ ms\)\n$/);
  });

  test('a failing file: exit 1, the transcripts side by side and the mismatch with its pointer', async () => {
    const run = await against(file('fail.json'), file('pass.json'));
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /✗ wrong weather/);
    assert.match(run.stdout, /^> +bot: "Rain\." +│ bot: "Sunny, 24 °C\."$/m);
    assert.match(run.stdout, /\/conversations\/0\/steps\/2\/bot\/0: expected "Rain\.", got "Sunny, 24 °C\."/);
    assert.match(run.stdout, /2 conversation\(s\) in 2 files: 1 passed, 1 failed/);
  });

  test('--json and --coverage report the server run as offline runs are reported', async () => {
    const run = await against('--json', '--coverage', file('pass.json'));
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.deepEqual([report.passed, report.failed, report.steps], [1, 0, 3]);
    assert.equal(report.files[0].flow, `version 1 of ${server.url}`);
    const [coverage] = report.coverage;
    assert.ok(coverage.blocks.unreached.includes('travel'), JSON.stringify(coverage.blocks));
    assert.ok(!coverage.blocks.unreached.includes('weather'));
  });

  test('a flow file is refused: the server current flow is what is tested (exit 2)', async () => {
    const run = await against(file('flow.json'), file('pass.json'));
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /flow\.json is a flow, not a test file; with --server the server's current flow is tested/,
    );
    assert.equal(run.stdout, '');
  });

  test('a test file that names a flow file runs against the server current flow, and says so', async () => {
    const run = await against(file('names-a-flow.json'));
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(`names the flow elsewhere\\.json; with --server it runs against version 1 of ${server.url}`),
    );
  });

  test("ids the server's flow lacks: every one with its pointer, exit 2, nothing run", async () => {
    const run = await against(file('typo.json'));
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /typo\.json: error \/conversations\/0\/steps\/0\/at: the flow has no block "ask-nme"/,
    );
    assert.match(run.stderr, /checked against version 1 of the server's flow/);
  });

  test('a wrong token: exit 2, the refusal said, the token never printed', async () => {
    const wrong = 'not-the-token-0123456789-0123456789-xyz';
    const run = await inProcess('--server', server.url, '--token', wrong, file('pass.json'));
    assert.equal(run.code, 2);
    assert.match(run.stderr, /HTTP 401 UNAUTHORIZED: .*the token was refused/);
    assert.ok(!`${run.stdout}${run.stderr}`.includes(wrong));
  });

  test('a server that is down: exit 2, cannot reach', async () => {
    const gone = await startTestServer();
    await gone.stop();
    const run = await inProcess('--server', gone.url, '--token', TEST_TOKEN, file('pass.json'));
    assert.equal(run.code, 2);
    assert.equal(run.stderr, `chatflow: cannot reach ${gone.url}/api/flow (ECONNREFUSED)\n`);
  });

  test('usage errors: exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--token', TEST_TOKEN, file('pass.json')], /--token goes with --server URL/],
      [['--timeout', '10', file('pass.json')], /--timeout goes with --server URL/],
      [
        ['--server', server.url, '--token', TEST_TOKEN, '--timeout', '1s', file('pass.json')],
        /--timeout takes milliseconds/,
      ],
      [
        ['--server', 'ws://127.0.0.1:1', '--token', TEST_TOKEN, file('pass.json')],
        /must start with http:\/\/ or https:\/\//,
      ],
    ];
    for (const [args, message] of cases) {
      const run = await inProcess(...args);
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, message);
    }
  });

  test('no token at all: exit 2, where to give it', async () => {
    const saved = process.env.CHATFLOW_TOKEN;
    delete process.env.CHATFLOW_TOKEN;
    try {
      const run = await inProcess('--server', server.url, file('pass.json'));
      assert.equal(run.code, 2);
      assert.match(
        run.stderr,
        /needs an admin token \(flows:read, history:read\): CHATFLOW_TOKEN=… or --token/,
      );
    } finally {
      if (saved !== undefined) process.env.CHATFLOW_TOKEN = saved;
    }
  });

  test('spawned: the token from CHATFLOW_TOKEN, a scoped one, never printed', async () => {
    const created = await server.api.post(
      '/api/tokens',
      JSON.stringify({ name: 'ci', scopes: ['flows:read', 'history:read'] }),
    );
    assert.equal(created.status, 201);
    const run = await runChatflow(['test', '--server', server.url, file('fail.json')], {
      CHATFLOW_TOKEN: created.json.token,
    });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /✗ wrong weather/);
    assert.ok(!`${run.stdout}${run.stderr}`.includes(created.json.token));
  });
});

test('chatflow test --server --admin-url: the admin API on a port of its own (ADMIN_PORT)', async () => {
  const server = await startTestServer({ env: { ADMIN_PORT: '0' } });
  const dir = await mkdtemp(join(tmpdir(), 'chatflow-test-server-'));
  try {
    assert.notEqual(server.adminUrl, server.url);
    assert.equal((await server.api.put('/api/flow', JSON.stringify(ORDERS_FLOW))).status, 201);
    const tests = join(dir, 'pass.json');
    await writeFile(tests, testFile([{ name: 'greeting', steps: GREETING }]));
    const args = ['test', '--server', server.url, '--token', TEST_TOKEN, tests];
    const without = await runChatflowInProcess(args);
    assert.equal(without.code, 2);
    assert.match(without.stderr, /admin API on this URL \(ADMIN_PORT\)|HTTP 404/);
    const run = await runChatflowInProcess([...args, '--admin-url', server.adminUrl]);
    assert.equal(run.code, 0, run.stderr);
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
