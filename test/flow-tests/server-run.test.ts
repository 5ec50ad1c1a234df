/**
 * Test files run against a running server (`chatflow test --server`): the real server on an ephemeral
 * port, real `ws` sockets, the real admin API for the history; the OpenAI classifier talks to the fake
 * OpenAI-compatible server where an LLM is involved.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ChannelError } from '../../src/flow-tests/channel-error.ts';
import type { TestRunOutcome } from '../../src/flow-tests/run.ts';
import {
  connectToServer,
  runTestsOnServer,
  ServerRunInputError,
  serverUrls,
} from '../../src/flow-tests/server-run.ts';
import { answer, classifiedText, FakeOpenAi, HANG } from '../support/fake-openai.ts';
import { ORDERS_FLOW, ORDERS_TEXTS as T, testsOf } from '../support/orders-flow.ts';
import { startTestServer, TEST_TOKEN, type TestServer } from '../support/server.ts';
import { ChatClient } from '../support/ws-client.ts';

async function serverWith(env: Record<string, string> = {}): Promise<TestServer> {
  const server = await startTestServer({ env });
  const uploaded = await server.api.put('/api/flow', JSON.stringify(ORDERS_FLOW));
  assert.equal(uploaded.status, 201, uploaded.text);
  return server;
}

const run = (server: TestServer, conversations: unknown[], timeoutMs?: number) =>
  runTestsOnServer({
    url: server.url,
    token: TEST_TOKEN,
    tests: testsOf(conversations),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });

/** Every mismatch of the run, as `path: expected ≠ actual`. */
const mismatches = (outcome: TestRunOutcome) =>
  outcome.conversations.flatMap((c) =>
    c.steps.flatMap((s) => s.mismatches.map((m) => `${m.path}: ${m.expected} ≠ ${m.actual}`)),
  );

/** Opens a chat socket and closes it again; false when the handshake is refused with 429. */
async function handshakeSucceeds(url: string): Promise<boolean> {
  try {
    (await ChatClient.connect(url)).close();
    return true;
  } catch (err) {
    assert.match((err as Error).message, /HTTP 429/);
    return false;
  }
}

const NAME_STEPS = [
  { bot: [T.hello], at: 'ask-name' },
  { user: 'Ada', bot: [{ text: T.menu('Ada'), options: ['Weather', 'Travel'] }], at: 'ask' },
];

describe('a test file against a running server (offline classifier)', () => {
  let server: TestServer;
  before(async () => {
    server = await serverWith();
  });
  after(() => server.stop());

  test('a passing file: bot messages, quick replies, intents, vars, at and ended, all read over the WebSocket', async () => {
    const outcome = await run(server, [
      {
        name: 'weather then giving up',
        steps: [
          ...NAME_STEPS,
          {
            click: 'Travel',
            intent: 'travel',
            bot: [T.travel],
            vars: { intent: 'travel', request: 'Travel' },
          },
          { user: 'will it rain tomorrow', bot: [T.weather], intent: 'weather', at: 'ask' },
          { user: 'qwertyuiop', intent: null, bot: [T.sorry] },
          { user: 'asdfghjkl', intent: null, bot: [T.bye('Ada')], ended: true },
        ],
      },
    ]);
    assert.deepEqual(mismatches(outcome), []);
    assert.deepEqual(
      { passed: outcome.passed, failed: outcome.failed, steps: outcome.steps },
      { passed: 1, failed: 0, steps: 6 },
    );
  });

  test('a wrong bot text fails at that step with both texts; the rest of the conversation still runs', async () => {
    const outcome = await run(server, [
      {
        name: 'wrong greeting',
        steps: [
          { bot: [T.hello] },
          { user: 'Ada', bot: [{ matches: '^Hello Ada!' }] },
          { user: 'will it rain tomorrow', bot: ['It is raining.'] },
          { user: 'show me travel offers', bot: [T.travel] },
        ],
      },
    ]);
    assert.deepEqual(mismatches(outcome), [
      `/conversations/0/steps/2/bot/0: "It is raining." ≠ ${JSON.stringify(T.weather)}`,
    ]);
    const [conversation] = outcome.conversations;
    assert.equal(conversation?.passed, false);
    assert.equal(conversation?.firstDivergence, 2);
    assert.equal(conversation?.steps.length, 4);
  });

  test('intents, branches and blocks come from the server history', async () => {
    const outcome = await run(server, [
      {
        name: 'two no-matches',
        steps: [...NAME_STEPS, { user: 'qwertyuiop' }, { user: 'asdfghjkl' }],
      },
    ]);
    const [, , noMatch, exhausted] = outcome.conversations[0]?.steps ?? [];
    const noMatchConfidence = noMatch?.observed?.classifications[0]?.confidence;
    assert.ok(typeof noMatchConfidence === 'number' && noMatchConfidence < 0.5, String(noMatchConfidence));
    assert.deepEqual(noMatch?.observed?.classifications, [
      {
        blockId: 'route',
        provider: 'local',
        branch: { exit: 'noMatch' },
        answer: null,
        confidence: noMatchConfidence,
      },
    ]);
    assert.deepEqual(
      exhausted?.observed?.classifications.map((c) => c.branch),
      [{ exit: 'onMaxNoMatch' }],
    );
    assert.deepEqual(exhausted?.observed?.blocks, ['route', 'bye']);
    assert.deepEqual(noMatch?.observed?.blocks, ['route', 'not-understood', 'ask']);
    assert.equal(exhausted?.observed?.ended, true);
    assert.equal(exhausted?.observed?.at, null);
  });

  test('vars, which the server does not expose, are computed by replaying each turn: wait saveAs, set, intent', async () => {
    const outcome = await run(server, [
      {
        name: 'vars',
        steps: [
          { vars: {} },
          { user: 'Grace', vars: { name: 'Grace', greeting: 'Hello Grace' } },
          {
            user: 'will it rain tomorrow',
            vars: { request: 'will it rain tomorrow', intent: 'weather', name: 'Ada' },
          },
        ],
      },
    ]);
    assert.deepEqual(mismatches(outcome), [
      '/conversations/0/steps/2/vars/name: name = "Ada" ≠ name = "Grace"',
    ]);
    assert.deepEqual(outcome.conversations[0]?.steps[2]?.observed?.vars, {
      lastMessage: 'will it rain tomorrow',
      name: 'Grace',
      greeting: 'Hello Grace',
      request: 'will it rain tomorrow',
      intent: 'weather',
    });
  });

  test('a pinned step cannot pin a server: its intent is checked against what the deployed classifier said', async () => {
    const outcome = await run(server, [
      {
        name: 'pinned',
        steps: [
          ...NAME_STEPS,
          { user: 'will it rain tomorrow', intent: 'weather', pinned: true, bot: [T.weather] },
          { user: 'will it rain tomorrow', intent: 'travel', pinned: true },
        ],
      },
    ]);
    assert.deepEqual(mismatches(outcome), ['/conversations/0/steps/3/intent: travel ≠ weather']);
    assert.deepEqual(outcome.conversations[0]?.steps[3]?.observed?.bot, [{ text: T.weather }]);
  });

  test('a file naming a block the server flow lacks is bad input, and nothing runs', async () => {
    const before = (await server.api.get('/api/conversations')).json.conversations.length;
    await assert.rejects(
      run(server, [{ name: 'typo', steps: [{ bot: [T.hello], at: 'ask-nme' }] }]),
      (err: ServerRunInputError) => {
        assert.ok(err instanceof ServerRunInputError);
        assert.deepEqual(err.problems, [
          { path: '/conversations/0/steps/0/at', message: 'the flow has no block "ask-nme"' },
        ]);
        return true;
      },
    );
    assert.equal((await server.api.get('/api/conversations')).json.conversations.length, before);
  });

  test('an error frame fails that conversation with its code; the next conversation still runs', async () => {
    const limited = await serverWith({ WS_MAX_TEXT_CHARS: '20' });
    try {
      const outcome = await run(limited, [
        { name: 'too long', steps: [...NAME_STEPS, { user: 'this text is longer than twenty characters' }] },
        { name: 'fine', steps: NAME_STEPS },
      ]);
      assert.deepEqual(
        outcome.conversations.map((c) => [c.name, c.passed]),
        [
          ['too long', false],
          ['fine', true],
        ],
      );
      const [failure] = mismatches(outcome);
      assert.match(
        failure ?? '',
        /^\/conversations\/0\/steps\/2: the bot's turn ≠ the run broke off: .*TEXT_TOO_LONG/,
      );
    } finally {
      await limited.stop();
    }
  });

  test('a message refused as RATE_LIMITED is sent again later, and the conversation goes on', async () => {
    const slow = await serverWith({ WS_RATE_PER_SEC: '5', WS_RATE_BURST: '1' });
    try {
      const outcome = await run(slow, [
        {
          name: 'fast talker',
          steps: [
            ...NAME_STEPS,
            { user: 'will it rain tomorrow', bot: [T.weather] },
            { user: 'cheap flights', bot: [T.travel] },
          ],
        },
      ]);
      assert.deepEqual(mismatches(outcome), []);
    } finally {
      await slow.stop();
    }
  });

  test('a handshake refused with 429 is tried again after Retry-After', async () => {
    // 60 a minute: once the burst is spent, the next handshake is 1 s away.
    const strict = await serverWith({ WS_HANDSHAKES_PER_MINUTE: '60', WS_MAX_CONNECTIONS_PER_ADDRESS: '0' });
    try {
      // Spend the burst, however long that takes: handshakes until one is refused.
      for (let attempts = 1; await handshakeSucceeds(strict.url); attempts += 1) {
        assert.ok(attempts <= 100, 'no handshake was refused');
      }
      const outcome = await run(strict, [{ name: 'patient', steps: [NAME_STEPS[0]] }]);
      assert.deepEqual(mismatches(outcome), []);
    } finally {
      await strict.stop();
    }
  });
});

describe('a test file against a server configured for OpenAI', () => {
  let fake: FakeOpenAi;
  let server: TestServer;
  before(async () => {
    fake = await FakeOpenAi.start();
    server = await serverWith({
      INTENT_PROVIDER: 'openai',
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: fake.baseURL,
      // A classification left hanging by a test gives up soon enough for the server to stop.
      INTENT_TIMEOUT_MS: '2000',
    });
  });
  after(async () => {
    // First: a classification a test left hanging then fails at once, and the server stops without waiting for it.
    await fake.close();
    await server.stop();
  });

  test("the test sees the LLM's answer: an intent only the fake model gives", async () => {
    fake.reset();
    // Nothing like the travel examples: the offline classifier would not match it.
    fake.respondWith((request) =>
      classifiedText(request) === 'zorblax' ? answer('travel', 0.91) : answer('(no match)', 0.1),
    );
    const outcome = await run(server, [
      { name: 'llm', steps: [...NAME_STEPS, { user: 'zorblax', intent: 'travel', bot: [T.travel] }] },
    ]);
    assert.deepEqual(mismatches(outcome), []);
    const [classification] = outcome.conversations[0]?.steps[2]?.observed?.classifications ?? [];
    assert.deepEqual(classification, {
      blockId: 'route',
      provider: 'openai',
      branch: { intent: 'travel' },
      answer: 'travel',
      confidence: 0.91,
    });
    assert.equal(fake.requests.length, 1);
  });

  test('a bot slower than the turn timeout fails the step, naming what the run waited for', async () => {
    fake.reset();
    fake.respondWith(() => HANG);
    // A text not classified before: the server's cache would answer it at once.
    const outcome = await run(
      server,
      [{ name: 'slow', steps: [...NAME_STEPS, { user: 'take your time' }] }],
      300,
    );
    assert.deepEqual(mismatches(outcome), [
      '/conversations/0/steps/2: the bot\'s turn ≠ the run broke off: no answer within 300 ms: the run waited for the reply to "take your time"',
    ]);
  });

  test('a server that closes the socket in the middle of a turn fails the step with the close code', async () => {
    const impatient = await serverWith({
      INTENT_PROVIDER: 'openai',
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: fake.baseURL,
      WS_IDLE_TIMEOUT_MS: '200',
      // The hung classification gives up at last, so that the server can stop.
      INTENT_TIMEOUT_MS: '2000',
      WS_PING_INTERVAL_MS: '100',
    });
    try {
      fake.reset();
      fake.respondWith(() => HANG);
      const outcome = await run(impatient, [{ name: 'cut', steps: [...NAME_STEPS, { user: 'hello?' }] }]);
      assert.deepEqual(mismatches(outcome), [
        `/conversations/0/steps/2: the bot's turn ≠ the run broke off: the server closed the connection (4408: idle timeout) while the run waited for the reply to "hello?"`,
      ]);
    } finally {
      await impatient.stop();
    }
  });
});

describe('a server that cannot be used', () => {
  let server: TestServer;
  before(async () => {
    server = await serverWith();
  });
  after(() => server.stop());

  test('a wrong token: a clear error before anything runs, without the token', async () => {
    const wrong = 'wrong-token-0123456789-0123456789-secret';
    await assert.rejects(connectToServer({ url: server.url, token: wrong }), (err: Error) => {
      assert.ok(err instanceof ChannelError);
      assert.match(err.message, /HTTP 401 UNAUTHORIZED: .*: the token was refused$/);
      assert.ok(!err.message.includes(wrong));
      return true;
    });
  });

  test('a token without history:read: refused before anything runs, naming the scopes needed', async () => {
    const created = await server.api.post(
      '/api/tokens',
      JSON.stringify({ name: 'reader', scopes: ['flows:read'] }),
    );
    assert.equal(created.status, 201);
    const before = (await server.api.get('/api/conversations')).json.conversations.length;
    await assert.rejects(connectToServer({ url: server.url, token: created.json.token }), (err: Error) => {
      assert.ok(err instanceof ChannelError);
      assert.match(
        err.message,
        /HTTP 403 FORBIDDEN: .*: the token needs the scopes flows:read and history:read$/,
      );
      assert.ok(!err.message.includes(created.json.token));
      return true;
    });
    assert.equal((await server.api.get('/api/conversations')).json.conversations.length, before);
  });

  test('a server that is down: cannot reach, with the network reason', async () => {
    const gone = await startTestServer();
    const url = gone.url;
    await gone.stop();
    await assert.rejects(connectToServer({ url, token: TEST_TOKEN }), (err: Error) => {
      assert.ok(err instanceof ChannelError);
      assert.equal(err.message, `cannot reach ${url}/api/flow (ECONNREFUSED)`);
      return true;
    });
  });

  test('a server that accepts the connection and never answers: the read times out, naming what it read', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket)).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      await assert.rejects(connectToServer({ url, token: TEST_TOKEN, timeoutMs: 200 }), (err: Error) => {
        assert.ok(err instanceof ChannelError);
        assert.equal(
          err.message,
          `${url}/api/flow did not answer within 200 ms (reading the server's current flow)`,
        );
        return true;
      });
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  test('a server with no flow says so', async () => {
    const empty = await startTestServer();
    try {
      await assert.rejects(connectToServer({ url: empty.url, token: TEST_TOKEN }), /HTTP 404 NOT_FOUND/);
    } finally {
      await empty.stop();
    }
  });
});

test('the server URL: http(s) only, the WebSocket URL derived, no credentials echoed', () => {
  assert.deepEqual(serverUrls('https://chat.example.com/bot/'), {
    http: 'https://chat.example.com/bot',
    chat: 'wss://chat.example.com/bot/ws',
  });
  assert.deepEqual(serverUrls('http://127.0.0.1:3000'), {
    http: 'http://127.0.0.1:3000',
    chat: 'ws://127.0.0.1:3000/ws',
  });
  assert.throws(() => serverUrls('ws://127.0.0.1:3000'), /must start with http:\/\/ or https:\/\//);
  assert.throws(() => serverUrls('localhost:3000'), /must start with http/);
  assert.throws(() => serverUrls('not a url'), /is not a URL/);
  assert.throws(() => serverUrls('http://h/?x=1'), /no query/);
  assert.throws(
    () => serverUrls('https://admin:hunter2hunter2@chat.example.com'),
    (err: Error) => err instanceof ServerRunInputError && !err.message.includes('hunter2'),
  );
});
