/**
 * The WebSocket chat end to end: real server on an ephemeral port, real `ws` clients, real SQLite,
 * and the OpenAI classifier (real SDK) talking to the fake OpenAI server where an LLM is involved.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { answer, classifiedText, FakeOpenAi } from '../support/fake-openai.ts';
import { examplePath } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { ChatClient, type Frame, texts } from '../support/ws-client.ts';

/** An LLM that answers by keyword, like a model would for the travel intents. */
function keywordModel(fake: FakeOpenAi): void {
  fake.respondWith((request) => {
    const user = classifiedText(request);
    const text = user.toLowerCase();
    if (text.includes('explode')) return { status: 500, body: { error: { message: 'boom' } } };
    for (const intent of ['weather', 'travel', 'restaurants'])
      if (text.includes(intent)) return answer(intent, 0.93);
    if (text.includes('rain')) return answer('weather', 0.88);
    return answer('(no match)', 0.2);
  });
}

async function withServer(env: Record<string, string> = {}) {
  const fake = await FakeOpenAi.start();
  keywordModel(fake);
  const server = await startTestServer({
    defaultFlowPath: examplePath('travel').pathname,
    env: {
      INTENT_PROVIDER: 'openai',
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: fake.baseURL,
      INTENT_TIMEOUT_MS: '1500',
      ...env,
    },
  });
  return { fake, server };
}

const TRAVEL = readFileSync(examplePath('travel'), 'utf8');
const WELCOME = 'Hi! I can give you the weather, travel offers or restaurant tips.';
const SORRY = (t: string) => `Sorry, I did not understand "${t}". Could you rephrase?`;

describe('WebSocket chat', () => {
  let fake: FakeOpenAi;
  let server: TestServer;
  before(async () => {
    ({ fake, server } = await withServer());
  });
  after(async () => {
    await server.stop();
    await fake.close();
  });

  test('connect: conversation frame, the welcome, then waiting', async () => {
    const client = await ChatClient.connect(server.url);
    await client.nth('waiting');
    const [conversation, message, waiting] = client.frames as [Frame, Frame, Frame];
    assert.equal(conversation.type, 'conversation');
    assert.match(conversation.conversationId, /^[0-9a-f-]{36}$/);
    assert.ok(conversation.resumeToken.length >= 40);
    assert.equal(conversation.flowVersion, 1);
    assert.deepEqual(
      { ...message, id: undefined },
      { type: 'message', id: undefined, text: WELCOME, blockId: 'welcome', seq: 3 }, // started, entered, said
    );
    assert.deepEqual(waiting, { type: 'waiting', blockId: 'ask' });
    client.close();
  });

  test('the whole travel flow: intents, jumps back to the earlier wait block, no-match up to goodbye', async () => {
    const client = await ChatClient.connect(server.url);
    await client.nth('waiting');
    const weather = await client.say('what is the weather like');
    assert.deepEqual(
      weather.map((f) => f.type),
      ['typing', 'message', 'waiting'],
    );
    assert.deepEqual(texts(weather), ['Sunny, 24 °C.']);
    assert.deepEqual(texts(await client.say('any travel offers?')), ['Lisbon from 89 €.']);
    assert.deepEqual(texts(await client.say('restaurants nearby')), ['Try Tasca do Chico.']);
    assert.deepEqual(texts(await client.say('will it rain')), ['Sunny, 24 °C.']);
    assert.deepEqual(texts(await client.say('blah')), [SORRY('blah')]);
    assert.deepEqual(texts(await client.say('blah blah')), [SORRY('blah blah')]);
    const last = await client.say('zzz');
    assert.deepEqual(texts(last), ['Let me stop here. Goodbye!']);
    assert.equal(last.at(-1)?.type, 'end');
    assert.equal((await client.waitClosed()).code, 1000);

    // History completeness: every frame the client saw has its event, in order.
    const id = client.frames[0]?.conversationId;
    const history = (await server.api.get(`/api/conversations/${id}`)).json;
    assert.equal(history.status, 'ended');
    const seqs = history.events.map((e: { seq: number }) => e.seq);
    assert.deepEqual(
      seqs,
      seqs.map((_: number, i: number) => i + 1),
    );
    const botEvents = history.events.filter((e: { type: string }) => e.type === 'message.bot');
    const botFrames = client.frames.filter((f) => f.type === 'message');
    assert.deepEqual(
      botEvents.map((e: { data: { messageId: string; text: string } }) => [e.data.messageId, e.data.text]),
      botFrames.map((f) => [f.id, f.text]),
    );
    const types = history.events.map((e: { type: string }) => e.type);
    assert.equal(types[0], 'conversation.started');
    assert.equal(types.at(-1), 'conversation.ended');
    assert.equal(types.filter((t: string) => t === 'message.user').length, 7);
    assert.equal(types.filter((t: string) => t === 'intent.detected').length, 4);
    assert.equal(types.filter((t: string) => t === 'intent.no_match').length, 3);
    const detected = history.events.find((e: { type: string }) => e.type === 'intent.detected');
    assert.equal(detected.data.provider, 'openai');
    assert.equal(detected.data.intent, 'weather');
  });

  test('the LLM failing: the turn goes to onError and the conversation continues', async () => {
    const client = await ChatClient.connect(server.url);
    await client.nth('waiting');
    const failed = await client.say('explode please');
    assert.deepEqual(texts(failed), [SORRY('explode please')]);
    assert.deepEqual(texts(await client.say('weather?')), ['Sunny, 24 °C.']);
    const id = client.frames[0]?.conversationId;
    const history = (await server.api.get(`/api/conversations/${id}`)).json;
    const error = history.events.find((e: { type: string }) => e.type === 'intent.error');
    assert.equal(error.data.provider, 'openai');
    assert.equal(error.data.code, 'PROVIDER_HTTP_ERROR');
    client.close();
  });

  test('rapid messages are processed strictly in order, one turn at a time, none lost', async () => {
    const client = await ChatClient.connect(server.url);
    await client.nth('waiting');
    const said = ['weather', 'travel', 'restaurants', 'weather', 'travel'];
    for (const text of said) client.send({ type: 'message', text });
    await client.nth('waiting', 1 + said.length);
    assert.deepEqual(texts(client.frames).slice(1), [
      'Sunny, 24 °C.',
      'Lisbon from 89 €.',
      'Try Tasca do Chico.',
      'Sunny, 24 °C.',
      'Lisbon from 89 €.',
    ]);
    // Never interleaved: each turn is typing, message, waiting.
    assert.deepEqual(
      client.frames.slice(3).map((f) => f.type),
      said.flatMap(() => ['typing', 'message', 'waiting']),
    );
    client.close();
  });

  test('a repeated clientMessageId is acknowledged as a duplicate and not processed twice', async () => {
    const client = await ChatClient.connect(server.url);
    await client.nth('waiting');
    await client.say('weather', 'c-1');
    client.send({ type: 'message', text: 'weather', clientMessageId: 'c-1' });
    const ack = await client.nth('ack');
    assert.deepEqual(ack, { type: 'ack', clientMessageId: 'c-1', duplicate: true });
    assert.deepEqual(texts(await client.say('travel', 'c-2')), ['Lisbon from 89 €.']);
    const id = client.frames[0]?.conversationId;
    const history = (await server.api.get(`/api/conversations/${id}`)).json;
    const users = history.events.filter((e: { type: string }) => e.type === 'message.user');
    assert.deepEqual(
      users.map((e: { data: unknown }) => e.data),
      [
        { text: 'weather', clientMessageId: 'c-1' },
        { text: 'travel', clientMessageId: 'c-2' },
      ],
    );
    client.close();
  });

  test('bad frames get error frames and the connection stays open', async () => {
    const client = await ChatClient.connect(server.url);
    await client.nth('waiting');
    client.send('not json');
    client.send({ type: 'dance' });
    client.send({ type: 'message' });
    client.send({ type: 'message', text: 42 });
    client.send({ type: 'message', text: 'x'.repeat(4001) });
    client.send({ type: 'message', text: '😀'.repeat(4000) }); // 4000 code points, 8000 UTF-16 units: accepted
    await client.nth('waiting', 2);
    const codes = client.frames.filter((f) => f.type === 'error').map((f) => f.code);
    assert.deepEqual(codes, [
      'INVALID_JSON',
      'UNKNOWN_TYPE',
      'INVALID_MESSAGE',
      'INVALID_MESSAGE',
      'TEXT_TOO_LONG',
    ]);
    assert.equal(client.closed, null);
    assert.deepEqual(texts(await client.say('weather')), ['Sunny, 24 °C.']);
    client.close();
  });

  test('a binary frame closes with 1003; other clients are still served', async () => {
    const bad = await ChatClient.connect(server.url);
    await bad.nth('waiting');
    bad.socket.send(Buffer.from([1, 2, 3]));
    assert.equal((await bad.waitClosed()).code, 1003);
    const good = await ChatClient.connect(server.url);
    await good.nth('waiting');
    assert.deepEqual(texts(await good.say('weather')), ['Sunny, 24 °C.']);
    good.close();
  });

  test('resume after a disconnect: re-sends waiting, history continues, conversation.resumed recorded', async () => {
    const first = await ChatClient.connect(server.url);
    await first.nth('waiting');
    await first.say('weather');
    const { conversationId, resumeToken } = first.frames[0] as Frame;
    first.close();
    await first.waitClosed();
    const again = await ChatClient.connect(
      server.url,
      `?conversationId=${conversationId}&resumeToken=${resumeToken}`,
    );
    const waiting = await again.nth('waiting');
    assert.deepEqual(waiting, { type: 'waiting', blockId: 'ask' });
    assert.deepEqual(again.frames[0], {
      type: 'conversation',
      conversationId,
      flowVersion: 1,
      resumed: true,
    });
    assert.deepEqual(texts(await again.say('travel')), ['Lisbon from 89 €.']);
    const history = (await server.api.get(`/api/conversations/${conversationId}`)).json;
    assert.ok(history.events.some((e: { type: string }) => e.type === 'conversation.resumed'));
    again.close();
  });

  test('resume refused: wrong token, unknown id, missing token — same answer, close 4401', async () => {
    const client = await ChatClient.connect(server.url);
    const { conversationId } = await client.nth('conversation');
    await client.nth('waiting');
    for (const query of [
      `?conversationId=${conversationId}&resumeToken=wrong`,
      '?conversationId=00000000-0000-0000-0000-000000000000&resumeToken=wrong',
      `?conversationId=${conversationId}`,
    ]) {
      const refused = await ChatClient.connect(server.url, query);
      const closed = await refused.waitClosed();
      assert.equal(closed.code, 4401, query);
      assert.deepEqual(
        refused.frames.map((f) => [f.type, f.code]),
        [['error', 'RESUME_REFUSED']],
      );
    }
    client.close();
  });

  test('a resume while another socket holds the conversation moves it; the old socket gets 4409', async () => {
    const first = await ChatClient.connect(server.url);
    await first.nth('waiting');
    const { conversationId, resumeToken } = first.frames[0] as Frame;
    const second = await ChatClient.connect(
      server.url,
      `?conversationId=${conversationId}&resumeToken=${resumeToken}`,
    );
    await second.nth('waiting');
    assert.equal((await first.waitClosed()).code, 4409);
    assert.deepEqual(texts(await second.say('weather')), ['Sunny, 24 °C.']);
    second.close();
  });

  test('resuming an ended conversation: CONVERSATION_ENDED and close 1000', async () => {
    const client = await ChatClient.connect(server.url);
    await client.nth('waiting');
    const { conversationId, resumeToken } = client.frames[0] as Frame;
    for (const t of ['a', 'b', 'c']) client.send({ type: 'message', text: t });
    await client.waitClosed();
    const late = await ChatClient.connect(
      server.url,
      `?conversationId=${conversationId}&resumeToken=${resumeToken}`,
    );
    assert.equal((await late.waitClosed()).code, 1000);
    assert.deepEqual(
      late.frames.map((f) => f.code),
      ['CONVERSATION_ENDED'],
    );
  });

  test('a conversation stays on the flow version it started with; new ones start on the new version', async () => {
    const old = await ChatClient.connect(server.url);
    await old.nth('waiting');
    const renamed = TRAVEL.replace('Sunny, 24 °C.', 'Rainy, 12 °C.');
    const upload = await server.api.put('/api/flow', renamed);
    assert.equal(upload.status, 201);
    try {
      assert.deepEqual(texts(await old.say('weather')), ['Sunny, 24 °C.']);
      const fresh = await ChatClient.connect(server.url);
      assert.equal((await fresh.nth('conversation')).flowVersion, upload.json.version);
      await fresh.nth('waiting');
      assert.deepEqual(texts(await fresh.say('weather')), ['Rainy, 12 °C.']);
      fresh.close();
    } finally {
      old.close();
      await server.api.post('/api/flow/versions/1/activate');
    }
  });

  test('a flow uploaded with a byte-order mark loads for chats (JSON allows the mark)', async () => {
    const upload = await server.api.put('/api/flow', `\uFEFF${TRAVEL.replace('Sunny, 24 °C.', 'Foggy.')}`);
    assert.equal(upload.status, 201);
    try {
      const client = await ChatClient.connect(server.url);
      assert.equal((await client.nth('conversation')).flowVersion, upload.json.version);
      await client.nth('waiting');
      assert.deepEqual(texts(await client.say('weather')), ['Foggy.']);
      client.close();
    } finally {
      await server.api.post('/api/flow/versions/1/activate');
    }
  });
});

describe('WebSocket chat with the default settings (offline classifier, no key)', () => {
  test('the built-in travel flow understands users with no setup', async () => {
    const server = await startTestServer({ defaultFlowPath: examplePath('travel').pathname });
    try {
      const client = await ChatClient.connect(server.url);
      await client.nth('waiting');
      assert.deepEqual(texts(await client.say('will it rain tomorrow?')), ['Sunny, 24 °C.']);
      assert.deepEqual(texts(await client.say('recommend a restaurant for dinner')), ['Try Tasca do Chico.']);
      assert.deepEqual(texts(await client.say('cheap flights for a holiday')), ['Lisbon from 89 €.']);
      assert.deepEqual(texts(await client.say('qwzx vbnm plokij')), [SORRY('qwzx vbnm plokij')]);
      const history = (await server.api.get(`/api/conversations/${client.frames[0]?.conversationId}`)).json;
      const providers = history.events
        .filter((e: { type: string }) => e.type === 'intent.detected')
        .map((e: { data: { provider: string } }) => e.data.provider);
      assert.deepEqual(providers, ['local', 'local', 'local']);
      client.close();
    } finally {
      await server.stop();
    }
  });
});
