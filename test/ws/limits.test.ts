/** Handshake checks, frame limits, rate limits, restart and slow-LLM queuing, against the real server. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { FRAME_ERRORS } from '../../src/ws/protocol.ts';
import { answer, classifiedText, FakeOpenAi } from '../support/fake-openai.ts';
import { echoFlow } from '../support/flow-texts.ts';
import { examplePath } from '../support/flows.ts';
import { makeDataDir, startTestServer, withTestServer } from '../support/server.ts';
import { ChatClient, type Frame, texts } from '../support/ws-client.ts';

const ECHO = echoFlow();

const travel = { defaultFlowPath: examplePath('travel').pathname };

/** The HTTP status of a refused handshake. */
function handshakeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    socket.on('open', () => {
      socket.close();
      resolve(101);
    });
    socket.on('error', (err) => {
      if (!String(err).includes('Unexpected server response')) reject(err);
    });
  });
}

describe('WebSocket handshake and limits', () => {
  test('unknown path → 404; Origin off the allow-list → 403; no Origin or a listed one → accepted', async () => {
    const server = await startTestServer({
      ...travel,
      env: { ALLOWED_ORIGINS: 'https://chat.example.com,http://localhost:8080' },
    });
    try {
      const ws = server.url.replace('http', 'ws');
      assert.equal(await handshakeStatus(`${ws}/nope`), 404);
      assert.equal(await handshakeStatus(`${ws}/ws`, { Origin: 'https://evil.example.com' }), 403);
      assert.equal(await handshakeStatus(`${ws}/ws`, { Origin: 'HTTPS://Chat.Example.com' }), 101);
      assert.equal(await handshakeStatus(`${ws}/ws`, { Origin: 'http://localhost:8080' }), 101);
      assert.equal(await handshakeStatus(`${ws}/ws`), 101);
      const client = await ChatClient.connect(server.url);
      await client.nth('waiting');
      client.close();
    } finally {
      await server.stop();
    }
  });

  test('WS_MAX_CONNECTIONS: the next handshake gets 503 until one closes', async () => {
    await withTestServer({ ...travel, env: { WS_MAX_CONNECTIONS: '2' } }, async (server) => {
      const a = await ChatClient.connect(server.url);
      const b = await ChatClient.connect(server.url);
      assert.equal(await handshakeStatus(`${server.url.replace('http', 'ws')}/ws`), 503);
      a.close();
      await a.waitClosed();
      // The client sees the close before the server has counted it: poll the count, bounded.
      for (let polls = 0; server.chat.server.connections > 1 && polls < 200; polls++) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      const c = await ChatClient.connect(server.url);
      await c.nth('waiting');
      b.close();
      c.close();
    });
  });

  test('a frame of exactly WS_MAX_FRAME_BYTES is accepted; one byte more closes with 1009', async () => {
    const server = await startTestServer({
      ...travel,
      env: { WS_MAX_FRAME_BYTES: '1024', WS_MAX_TEXT_CHARS: '4000' },
    });
    try {
      const client = await ChatClient.connect(server.url);
      await client.nth('waiting');
      const envelope = JSON.stringify({ type: 'message', text: '' }).length;
      client.send(JSON.stringify({ type: 'message', text: 'w'.repeat(1024 - envelope) }));
      await client.nth('waiting', 2);
      client.send(JSON.stringify({ type: 'message', text: 'w'.repeat(1025 - envelope) }));
      assert.equal((await client.waitClosed()).code, 1009);
      const other = await ChatClient.connect(server.url);
      await other.nth('waiting');
      other.close();
    } finally {
      await server.stop();
    }
  });

  test('over the rate: RATE_LIMITED error frames, then close 1008 for a client that keeps flooding', async () => {
    await withTestServer({ ...travel, env: { WS_RATE_PER_SEC: '1', WS_RATE_BURST: '2' } }, async (server) => {
      const client = await ChatClient.connect(server.url);
      await client.nth('waiting');
      for (let i = 0; i < 4; i++) client.send({ type: 'message', text: `m${i}` });
      await client.until((f) => f.filter((x) => x.code === 'RATE_LIMITED').length === 2, 'two RATE_LIMITED');
      for (let i = 0; i < 30; i++) client.send({ type: 'message', text: `flood${i}` });
      assert.equal((await client.waitClosed()).code, 1008);
    });
  });

  test('WS_RATE_PER_SEC=0 disables the limit', async () => {
    await withTestServer({ env: { WS_RATE_PER_SEC: '0', WS_RATE_BURST: '1' } }, async (server) => {
      assert.equal((await server.api.put('/api/flow', ECHO)).status, 201);
      const client = await ChatClient.connect(server.url);
      await client.nth('waiting');
      for (let i = 0; i < 30; i++) client.send({ type: 'message', text: `m${i}` });
      await client.nth('waiting', 31);
      assert.equal(client.frames.filter((f) => f.code === 'RATE_LIMITED').length, 0);
      assert.equal(texts(client.frames).at(-1), 'echo: m29');
    });
  });

  test('resume after a server restart on the same data directory', async () => {
    // The directory outlives both servers: the test owns it and removes it.
    const { dataDir, remove } = await makeDataDir();
    try {
      const first = await startTestServer({ ...travel, dataDir, env: { INTENT_PROVIDER: 'local' } });
      let conversationId = '';
      let resumeToken = '';
      try {
        const client = await ChatClient.connect(first.url);
        await client.nth('waiting');
        ({ conversationId, resumeToken } = client.frames[0] as Frame);
        client.send({ type: 'message', text: 'hello there' });
        await client.nth('waiting', 2);
        client.close();
      } finally {
        await first.stop();
      }
      const second = await startTestServer({ ...travel, dataDir, env: { INTENT_PROVIDER: 'local' } });
      try {
        const client = await ChatClient.connect(
          second.url,
          `?conversationId=${conversationId}&resumeToken=${resumeToken}`,
        );
        assert.deepEqual(await client.nth('waiting'), { type: 'waiting', blockId: 'ask' });
        const history = (await second.api.get(`/api/conversations/${conversationId}`)).json;
        const types = history.events.map((e: { type: string }) => e.type);
        assert.equal(types.filter((t: string) => t === 'message.user').length, 1);
        assert.equal(types.at(-1), 'conversation.resumed');
        client.close();
      } finally {
        await second.stop();
      }
    } finally {
      await remove();
    }
  });

  test('messages sent during a slow LLM call are queued, not interleaved, not lost', async () => {
    const fake = await FakeOpenAi.start();
    fake.respondWith((request) => {
      const text = classifiedText(request);
      return answer(text.includes('travel') ? 'travel' : 'weather', 0.9, { delayMs: 150 });
    });
    const server = await startTestServer({
      ...travel,
      env: { INTENT_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseURL },
    });
    try {
      const client = await ChatClient.connect(server.url);
      await client.nth('waiting');
      client.send({ type: 'message', text: 'weather' });
      await client.nth('typing');
      client.send({ type: 'message', text: 'travel' });
      client.send({ type: 'message', text: 'weather again' });
      await client.nth('waiting', 4);
      assert.deepEqual(texts(client.frames).slice(1), [
        'Sunny, 24 °C.',
        'Lisbon from 89 €.',
        'Sunny, 24 °C.',
      ]);
      assert.deepEqual(
        client.frames.slice(3).map((f) => f.type),
        ['typing', 'message', 'waiting', 'typing', 'message', 'waiting', 'typing', 'message', 'waiting'],
      );
      assert.equal(fake.requests.length, 3);
      client.close();
    } finally {
      await server.stop();
      await fake.close();
    }
  });
});

describe('WebSocket shutdown', () => {
  test('closing the server lets an in-flight turn finish, then closes sockets with 1001', async () => {
    const fake = await FakeOpenAi.start();
    fake.respondWith(() => answer('weather', 0.9, { delayMs: 300 }));
    const server = await startTestServer({
      ...travel,
      env: { INTENT_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseURL },
    });
    try {
      const client = await ChatClient.connect(server.url);
      await client.nth('waiting');
      client.send({ type: 'message', text: 'weather' });
      await client.nth('typing');
      const closing = server.stop();
      assert.equal((await client.waitClosed()).code, 1001);
      await closing;
      assert.deepEqual(texts(client.frames), [
        'Hi! I can give you the weather, travel offers or restaurant tips.',
        'Sunny, 24 °C.',
      ]);
      assert.equal(client.frames.at(-1)?.type, 'waiting');
    } finally {
      await fake.close();
    }
  });

  test('once shutdown begins, new messages are refused before anything is stored; the turn under way finishes', async () => {
    const fake = await FakeOpenAi.start();
    fake.respondWith(() => answer('weather', 0.9, { delayMs: 300 }));
    const { dataDir, remove } = await makeDataDir();
    const env = { INTENT_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseURL };
    try {
      const server = await startTestServer({ ...travel, dataDir, env });
      const busy = await ChatClient.connect(server.url);
      const idle = await ChatClient.connect(server.url);
      await busy.nth('waiting');
      await idle.nth('waiting');
      busy.send({ type: 'message', text: 'weather' });
      await busy.nth('typing');
      const closing = server.close();
      const idleBefore = idle.frames.length;
      idle.send({ type: 'message', text: 'weather' });
      busy.send({ type: 'message', text: 'travel' });
      assert.equal((await idle.waitClosed()).code, 1001);
      assert.equal((await busy.waitClosed()).code, 1001);
      await closing;

      assert.deepEqual(
        idle.frames.slice(idleBefore).map((f) => [f.type, f.code]),
        [['error', 'SERVER_SHUTTING_DOWN']],
        'the idle conversation refuses the message up front and shows nothing else',
      );
      const busyTurn = busy.frames.slice(busy.frames.findIndex((f) => f.type === 'typing'));
      assert.deepEqual(
        busyTurn.map((f) => [f.type, f.code ?? f.text]),
        [
          ['typing', undefined],
          ['error', 'SERVER_SHUTTING_DOWN'],
          ['message', 'Sunny, 24 °C.'],
          ['waiting', undefined],
        ],
        'the turn under way completes before the close; the later message is refused',
      );
      assert.equal(fake.requests.length, 1, 'no refused message was classified');

      const after = await startTestServer({ ...travel, dataDir, env });
      try {
        const said = async (client: ChatClient) => {
          const { conversationId } = client.frames[0] as Frame;
          const history = (await after.api.get(`/api/conversations/${conversationId}`)).json;
          return history.events
            .filter((e: { type: string }) => e.type === 'message.user')
            .map((e: { data: { text: string } }) => e.data.text);
        };
        assert.deepEqual(await said(busy), ['weather']);
        assert.deepEqual(await said(idle), [], 'a refused message is not stored');
      } finally {
        await after.close();
      }
    } finally {
      await fake.close();
      await remove();
    }
  });
});

describe('WebSocket backpressure', () => {
  test('a client that stops reading is disconnected instead of growing server memory', async () => {
    // One turn sends 200 messages of 8,000 characters (1.6 MB).
    const blocks = Array.from({ length: 200 }, (_, i) => ({
      id: `m${i}`,
      type: 'message',
      text: `${i}:${'x'.repeat(7990)}`,
      next: i === 199 ? 'ask' : `m${i + 1}`,
    }));
    const flood = JSON.stringify({
      formatVersion: 1,
      name: 'Flood',
      start: 'ask',
      blocks: [{ id: 'ask', type: 'wait', next: 'm0' }, ...blocks],
    });
    await withTestServer({ env: { WS_RATE_PER_SEC: '0' } }, async (server) => {
      assert.equal((await server.api.put('/api/flow', flood)).status, 201);
      const slow = await ChatClient.connect(server.url);
      await slow.nth('waiting');
      const raw = (slow.socket as unknown as { _socket: import('node:net').Socket })._socket;
      raw.pause();
      for (let i = 0; i < 10; i++) slow.send({ type: 'message', text: `go ${i}` });
      // The server drops the socket once more than 1 MiB is waiting to be sent.
      const deadline = Date.now() + 10_000;
      while (server.chat.server.connections > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      assert.equal(server.chat.server.connections, 0, 'the slow reader should have been disconnected');
      raw.resume();
      const fast = await ChatClient.connect(server.url);
      await fast.nth('waiting');
      fast.close();
    });
  });
});

describe('WebSocket heartbeat', () => {
  test('a peer that stops answering pings is dropped; a live one stays', async () => {
    await withTestServer({ ...travel, env: { WS_PING_INTERVAL_MS: '100' } }, async (server) => {
      const live = await ChatClient.connect(server.url);
      // The first conversation compiles and trains the flow before the dead peer's clock starts.
      await live.nth('waiting');
      const dead = new ChatClient(`${server.url.replace('http', 'ws')}/ws`, { autoPong: false });
      // Only its socket matters: on a loaded machine it may be dropped before its first turn is shown.
      await once(dead.socket, 'open');
      const closed = await dead.waitClosed();
      assert.equal(closed.code, 1006, 'terminated without a close frame');
      // Three more heartbeats, each answered: the live peer is kept through them.
      const pings = once(live.socket, 'ping')
        .then(() => once(live.socket, 'ping'))
        .then(() => once(live.socket, 'ping'));
      await pings;
      assert.equal(live.closed, null);
      assert.deepEqual(texts(await live.say('hello')).length, 1);
      live.close();
    });
  });
});

describe('WebSocket and a failing store', () => {
  test('a turn the store cannot write is answered STORE_UNAVAILABLE and nothing else; the process survives', async () => {
    // The echo flow's first step after the message sends a message: a frame shown before its write
    // was stored would appear here before the error.
    const server = await startTestServer();
    try {
      assert.equal((await server.api.put('/api/flow', ECHO)).status, 201);
      const client = await ChatClient.connect(server.url);
      await client.nth('waiting');
      await server.store.close();
      const from = client.frames.length;
      client.send({ type: 'message', text: 'hello' });
      await client.nth('error');
      // A second message proves the first turn is over: its answer is the only other frame.
      client.send({ type: 'message', text: 'again' });
      await client.nth('error', 2);
      assert.deepEqual(client.frames.slice(from), [
        { type: 'error', code: 'STORE_UNAVAILABLE', message: FRAME_ERRORS.STORE_UNAVAILABLE },
        { type: 'error', code: 'STORE_UNAVAILABLE', message: FRAME_ERRORS.STORE_UNAVAILABLE },
      ]);
      assert.equal(client.closed, null);
      assert.equal((await fetch(`${server.url}/health`)).status, 200);
      assert.equal((await fetch(`${server.url}/ready`)).status, 503);
      client.close();
    } finally {
      // Its store is already closed: stopping may complain about that, and only the assertions matter.
      await server.stop().catch(() => {});
    }
  });
});

describe('a bug inside a turn', () => {
  test('a classifier breaking its promise (a malformed answer) costs that turn only, never the process', async () => {
    const broken = { classify: async () => null as never };
    await withTestServer({ ...travel, classifier: broken }, async (server) => {
      const client = await ChatClient.connect(server.url);
      await client.nth('waiting');
      client.send({ type: 'message', text: 'weather' });
      // Either the classification is treated as a provider error (onError path) or the turn is dropped
      // with an error frame; what must never happen is a crash or a stuck server.
      const answered = await client.until(
        (f) => f.some((x) => x.type === 'error') || f.filter((x) => x.type === 'waiting').length === 2,
        'an answer to the turn',
      );
      const last = answered.at(-1);
      assert.ok(last?.type === 'waiting' || last?.code === 'NOT_WAITING', JSON.stringify(last));
      const other = await ChatClient.connect(server.url);
      await other.nth('waiting');
      assert.equal((await fetch(`${server.url}/health`)).status, 200);
      other.close();
      client.close();
    });
  });
});
