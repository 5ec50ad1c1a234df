/**
 * Several instances on one PostgreSQL: real server processes (`node src/main.ts`) on a fresh database,
 * real ws clients, and a severable TCP proxy in front of PostgreSQL for the connection-loss test.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { answer, classifiedText, FakeOpenAi } from '../support/fake-openai.ts';
import { echoFlow } from '../support/flow-texts.ts';
import { examplePath } from '../support/flows.ts';
import { createTestDatabase, SeverableProxy, type TestDatabase } from '../support/postgres.ts';
import { type ServerProcess, spawnServer } from '../support/process.ts';
import { resumeRace } from '../support/resume-race.ts';
import { ApiClient, startTestServer, TEST_TOKEN } from '../support/server.ts';
import { ChatClient, type Frame, texts } from '../support/ws-client.ts';

interface Instance {
  process: ServerProcess;
  url: string;
  api: ApiClient;
}

async function startInstance(databaseUrl: string, dataDir: string): Promise<Instance> {
  const process = spawnServer({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    ADMIN_TOKEN: TEST_TOKEN,
    INTENT_PROVIDER: 'local',
    LOG_LEVEL: 'info',
  });
  const listening = await process.waitForLog(
    (line) => typeof line.url === 'string' && line.store === 'postgres',
  );
  const url = listening.url as string;
  return { process, url, api: new ApiClient(url, TEST_TOKEN) };
}

async function stopInstance(instance: Instance): Promise<void> {
  if (instance.process.child.exitCode === null && instance.process.child.signalCode === null) {
    instance.process.child.kill('SIGTERM');
  }
  await instance.process.exited;
}

/** The new current version reaches the other instance through NOTIFY: give it a moment, bounded. */
async function firstConversationVersion(url: string, expected: number): Promise<number> {
  let seen = 0;
  for (let attempt = 0; attempt < 20 && seen !== expected; attempt++) {
    const client = await ChatClient.connect(url);
    seen = (await client.nth('conversation')).flowVersion;
    client.close();
    if (seen !== expected) await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return seen;
}

describe('two instances on one PostgreSQL', () => {
  let database: TestDatabase;
  let dataDir: string;
  let a: Instance;
  let b: Instance;

  before(async () => {
    database = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'chatflow-cluster-'));
    // Both start at once: migrations and the built-in flow must be applied exactly once.
    [a, b] = await Promise.all([
      startInstance(database.url, join(dataDir, 'a')),
      startInstance(database.url, join(dataDir, 'b')),
    ]);
  });

  after(async () => {
    await Promise.all([a, b].filter(Boolean).map(stopInstance));
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('started together: one built-in flow version, served by both', async () => {
    const versions = (await a.api.get('/api/flow/versions')).json;
    assert.equal(versions.versions.length, 1);
    assert.equal((await b.api.get('/ready')).status, 200);
  });

  test('an upload on A is in force on B: new conversations on B start on it', async () => {
    const before = await ChatClient.connect(b.url);
    assert.equal((await before.nth('conversation')).flowVersion, 1, 'B has cached version 1');
    before.close();
    const upload = await a.api.put('/api/flow', echoFlow('v2'));
    assert.equal(upload.status, 201);
    assert.equal(await firstConversationVersion(b.url, upload.json.version), upload.json.version);
    const client = await ChatClient.connect(b.url);
    await client.nth('waiting');
    assert.deepEqual(texts(await client.say('hi')), ['v2: hi']);
    client.close();
  });

  test('two concurrent uploads with the same If-Match through A and B: one 201, one 412', async () => {
    const current = (await a.api.get('/api/flow/versions')).json.current as number;
    const headers = { 'If-Match': `"${current}"` };
    const results = await Promise.all([
      a.api.put('/api/flow', echoFlow('from A'), { headers }),
      b.api.put('/api/flow', echoFlow('from B'), { headers }),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 412]);
    const versions = (await b.api.get('/api/flow/versions')).json;
    assert.equal(versions.current, current + 1);
  });

  test('a resume on B closes the socket on A with 4409, and B carries on', async () => {
    const onA = await ChatClient.connect(a.url);
    await onA.nth('waiting');
    await onA.say('one');
    const { conversationId, resumeToken } = onA.frames[0] as Frame;
    const onB = await ChatClient.connect(
      b.url,
      `?conversationId=${conversationId}&resumeToken=${resumeToken}`,
    );
    await onB.nth('waiting');
    assert.equal((await onA.waitClosed()).code, 4409);
    const reply = texts(await onB.say('two'))[0];
    assert.match(reply ?? '', /: two$/);
    onB.close();
  });

  test('20 races of resumes on A and B at once: exactly one holder each time, the other closed with 4409', async () => {
    const first = await ChatClient.connect(a.url);
    await first.nth('waiting');
    const { conversationId, resumeToken } = first.frames[0] as Frame;
    first.close();
    const query = `?conversationId=${conversationId}&resumeToken=${resumeToken}`;
    for (let trial = 0; trial < 20; trial++) await resumeRace([a.url, b.url], query);
  });

  test('after A is killed with SIGKILL, the conversation resumes on B with its full history', async () => {
    const dataDirC = join(dataDir, 'c');
    const c = await startInstance(database.url, dataDirC);
    const client = await ChatClient.connect(c.url);
    await client.nth('waiting');
    await client.say('before the crash');
    const { conversationId, resumeToken } = client.frames[0] as Frame;
    c.process.child.kill('SIGKILL');
    await c.process.exited;
    await client.waitClosed();

    const resumed = await ChatClient.connect(
      b.url,
      `?conversationId=${conversationId}&resumeToken=${resumeToken}`,
    );
    await resumed.nth('waiting');
    await resumed.say('after the crash');
    const history = (await b.api.get(`/api/conversations/${conversationId}`)).json;
    const seqs = history.events.map((e: { seq: number }) => e.seq);
    assert.deepEqual(
      seqs,
      seqs.map((_: number, i: number) => i + 1),
    );
    const said = history.events
      .filter((e: { type: string }) => e.type === 'message.user')
      .map((e: { data: { text: string } }) => e.data.text);
    assert.deepEqual(said, ['before the crash', 'after the crash']);
    const shown = [...texts(client.frames), ...texts(resumed.frames)];
    const stored = history.events
      .filter((e: { type: string }) => e.type === 'message.bot')
      .map((e: { data: { text: string } }) => e.data.text);
    assert.deepEqual(stored, shown, 'every message a client saw is in the history, in order');
    resumed.close();
  });
});

describe('the database connection cut mid-conversation', () => {
  test('turns answer STORE_UNAVAILABLE and /ready is 503 while it is down; service resumes without a restart', async () => {
    const database = await createTestDatabase();
    const proxy = await SeverableProxy.start();
    const server = await startTestServer({
      defaultFlowPath: examplePath('travel').pathname,
      env: { DATABASE_URL: proxy.url(database.name), INTENT_PROVIDER: 'local' },
    });
    try {
      assert.equal((await server.api.put('/api/flow', echoFlow('pg'))).status, 201);
      const client = await ChatClient.connect(server.url);
      await client.nth('waiting');
      assert.deepEqual(texts(await client.say('first')), ['pg: first']);

      proxy.sever();
      client.send({ type: 'message', text: 'lost?' });
      assert.equal((await client.nth('error')).code, 'STORE_UNAVAILABLE');
      assert.equal((await fetch(`${server.url}/ready`)).status, 503);
      assert.equal((await fetch(`${server.url}/health`)).status, 200);

      proxy.restore();
      assert.deepEqual(texts(await client.say('again')), ['pg: again']);
      assert.equal((await fetch(`${server.url}/ready`)).status, 200);
      const history = (await server.api.get(`/api/conversations/${client.frames[0]?.conversationId}`)).json;
      const said = history.events
        .filter((e: { type: string }) => e.type === 'message.user')
        .map((e: { data: { text: string } }) => e.data.text);
      assert.deepEqual(said, ['first', 'again'], 'the message that could not be stored was not processed');
      client.close();
    } finally {
      await server.stop();
      await proxy.close();
      await database.drop();
    }
  });
  test('cut during the LLM call: TURN_INTERRUPTED says the message is stored; the same socket finishes that turn first', async () => {
    const database = await createTestDatabase();
    const proxy = await SeverableProxy.start();
    const fake = await FakeOpenAi.start();
    // Slow enough for the test to cut the database while the classification is under way.
    fake.respondWith((request) => {
      const text = classifiedText(request);
      return answer(text.includes('travel') ? 'travel' : 'weather', 0.9, { delayMs: 300 });
    });
    const server = await startTestServer({
      defaultFlowPath: examplePath('travel').pathname,
      env: {
        DATABASE_URL: proxy.url(database.name),
        INTENT_PROVIDER: 'openai',
        OPENAI_API_KEY: 'sk-test',
        OPENAI_BASE_URL: fake.baseURL,
      },
    });
    try {
      const client = await ChatClient.connect(server.url);
      await client.nth('waiting');
      client.send({ type: 'message', text: 'weather' });
      await client.nth('typing');
      proxy.sever();
      assert.equal((await client.nth('error')).code, 'TURN_INTERRUPTED');
      assert.equal(client.count('message'), 1, 'no reply that was not stored');

      proxy.restore();
      const from = client.frames.length;
      client.send({ type: 'message', text: 'travel' });
      await client.nth('waiting', 3);
      assert.deepEqual(
        client.frames.slice(from).map((f) => [f.type, f.text]),
        [
          ['typing', undefined],
          ['message', 'Sunny, 24 °C.'],
          ['waiting', undefined],
          ['typing', undefined],
          ['message', 'Lisbon from 89 €.'],
          ['waiting', undefined],
        ],
        'the interrupted turn is finished, then the new message is handled, on the same socket',
      );
      const history = (await server.api.get(`/api/conversations/${client.frames[0]?.conversationId}`)).json;
      const said = history.events
        .filter((e: { type: string }) => e.type === 'message.user')
        .map((e: { data: { text: string } }) => e.data.text);
      assert.deepEqual(said, ['weather', 'travel'], 'the interrupted message was stored once');
      client.close();
    } finally {
      await server.stop();
      await proxy.close();
      await fake.close();
      await database.drop();
    }
  });
});
