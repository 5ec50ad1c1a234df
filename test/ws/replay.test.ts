/**
 * Replay (README "WebSocket chat > Resume"): a reply stored but never seen by the client reaches it.
 * Real server, real `ws` clients, real SQLite, the offline classifier on the travel flow. A client
 * "misses" replies the way it would on a bad network: it sends its messages and drops the socket
 * before any answer, while the server goes on and stores the turns.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { examplePath } from '../support/flows.ts';
import { makeDataDir, startTestServer, type TestServer } from '../support/server.ts';
import { ChatClient, type Frame } from '../support/ws-client.ts';

const WELCOME = 'Hi! I can give you the weather, travel offers or restaurant tips.';
const SUNNY = 'Sunny, 24 °C.';
const LISBON = 'Lisbon from 89 €.';
const SERVER_ENV = { INTENT_PROVIDER: 'local' };

interface StoredEvent {
  seq: number;
  type: string;
  data: { messageId?: string; text?: string; blockId?: string };
}

async function history(server: TestServer, id: string): Promise<{ status: string; events: StoredEvent[] }> {
  return (await server.api.get(`/api/conversations/${id}`)).json;
}

/** Bounded poll of the history until `done` holds: the server finishes a turn nobody watches. */
async function storedUntil(
  server: TestServer,
  id: string,
  done: (events: StoredEvent[], status: string) => boolean,
): Promise<StoredEvent[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const { events, status } = await history(server, id);
    if (done(events, status)) return events;
    if (Date.now() > deadline) throw new Error(`history never got there: ${JSON.stringify(events)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const botEvents = (events: StoredEvent[]) => events.filter((event) => event.type === 'message.bot');

/** The `message` frame that shows a stored bot message as it happens. */
const shown = (event: StoredEvent): Frame => ({
  type: 'message',
  id: event.data.messageId,
  text: event.data.text,
  blockId: event.data.blockId,
  seq: event.seq,
});
/** The `message` frame a replay sends for it. */
const replayed = (event: StoredEvent): Frame => ({ ...shown(event), replayed: true });

/** A new conversation: its welcome seen, then `messages` sent and the socket dropped before any answer. */
async function missReplies(
  server: TestServer,
  messages: { text: string; clientMessageId?: string }[],
): Promise<{ id: string; token: string; lastSeen: number }> {
  const client = await ChatClient.connect(server.url);
  const welcome = await client.nth('message');
  await client.nth('waiting');
  const { conversationId, resumeToken } = client.frames[0] as Frame;
  const written = messages.map(
    (message) =>
      new Promise<void>((resolve, reject) =>
        client.socket.send(JSON.stringify({ type: 'message', ...message }), (err) =>
          err ? reject(err) : resolve(),
        ),
      ),
  );
  await Promise.all(written);
  // Written to the network: now the client vanishes before anything comes back.
  client.socket.terminate();
  await client.waitClosed();
  return { id: conversationId, token: resumeToken, lastSeen: welcome.seq };
}

async function resume(server: TestServer, id: string, token: string, lastSeq?: number | string) {
  const query = `?conversationId=${id}&resumeToken=${token}${lastSeq === undefined ? '' : `&lastSeq=${lastSeq}`}`;
  return ChatClient.connect(server.url, query);
}

const resumedFrame = (id: string): Frame => ({
  type: 'conversation',
  conversationId: id,
  flowVersion: 1,
  resumed: true,
});
const WAITING: Frame = { type: 'waiting', blockId: 'ask' };

describe('WebSocket replay', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ defaultFlowPath: examplePath('travel').pathname, env: SERVER_ENV });
  });
  after(async () => {
    await server.stop();
  });

  test('every message frame carries the seq of its message.bot event in the history', async () => {
    const client = await ChatClient.connect(server.url);
    await client.nth('waiting');
    await client.say('will it rain tomorrow');
    await client.say('asdfgh');
    await client.say('Give me travel offers');
    const { conversationId } = client.frames[0] as Frame;
    const messages = client.frames.filter((frame) => frame.type === 'message');
    const stored = botEvents((await history(server, conversationId)).events);
    assert.equal(messages.length, 4);
    assert.deepEqual(messages, stored.map(shown));
    client.close();
  });

  test('resume with lastSeq: the replies the client missed are replayed, in order, before waiting', async () => {
    const { id, token, lastSeen } = await missReplies(server, [
      { text: 'will it rain tomorrow' },
      { text: 'Give me travel offers' },
    ]);
    const events = await storedUntil(server, id, (e) => botEvents(e).length === 3);
    const missed = botEvents(events).filter((event) => event.seq > lastSeen);
    assert.deepEqual(
      missed.map((event) => event.data.text),
      [SUNNY, LISBON],
    );

    const again = await resume(server, id, token, lastSeen);
    await again.nth('waiting');
    assert.deepEqual(again.frames, [resumedFrame(id), ...missed.map(replayed), WAITING]);
    // The conversation goes on, numbered after the replayed ones.
    const turn = await again.say('Give me restaurant recommendations');
    assert.equal(turn.find((frame) => frame.type === 'message')?.replayed, undefined);
    assert.ok((turn.find((frame) => frame.type === 'message')?.seq ?? 0) > (missed.at(-1)?.seq ?? 0));
    again.close();
  });

  test('lastSeq=0 replays the whole conversation; the latest seq, or none, replays nothing', async () => {
    const { id, token } = await missReplies(server, [{ text: 'will it rain tomorrow' }]);
    const events = await storedUntil(server, id, (e) => botEvents(e).length === 2);
    const bot = botEvents(events);
    assert.deepEqual(
      bot.map((event) => event.data.text),
      [WELCOME, SUNNY],
    );

    const everything = await resume(server, id, token, 0);
    await everything.nth('waiting');
    assert.deepEqual(everything.frames, [resumedFrame(id), ...bot.map(replayed), WAITING]);
    everything.close();
    await everything.waitClosed();

    const upToDate = await resume(server, id, token, bot.at(-1)?.seq);
    await upToDate.nth('waiting');
    assert.deepEqual(upToDate.frames, [resumedFrame(id), WAITING]);
    upToDate.close();
    await upToDate.waitClosed();

    // Without lastSeq, a resume is what it always was: no replay.
    const legacy = await resume(server, id, token);
    await legacy.nth('waiting');
    assert.deepEqual(legacy.frames, [resumedFrame(id), WAITING]);
    legacy.close();
  });

  test('a resent clientMessageId whose reply was missed gets the ack, then that reply, replayed', async () => {
    const { id, token } = await missReplies(server, [
      { text: 'will it rain tomorrow', clientMessageId: 'c-1' },
      { text: 'Give me travel offers', clientMessageId: 'c-2' },
    ]);
    const events = await storedUntil(server, id, (e) => botEvents(e).length === 3);
    const [, sunny, lisbon] = botEvents(events) as [StoredEvent, StoredEvent, StoredEvent];

    const again = await resume(server, id, token); // a client that keeps no seq
    await again.nth('waiting');
    again.send({ type: 'message', text: 'will it rain tomorrow', clientMessageId: 'c-1' });
    await again.until((frames) => frames.length === 4, 'the reply to c-1');
    again.send({ type: 'message', text: 'Give me travel offers', clientMessageId: 'c-2' });
    await again.until((frames) => frames.length === 6, 'the reply to c-2');
    assert.deepEqual(again.frames, [
      resumedFrame(id),
      WAITING,
      { type: 'ack', clientMessageId: 'c-1', duplicate: true },
      replayed(sunny),
      { type: 'ack', clientMessageId: 'c-2', duplicate: true },
      replayed(lisbon),
    ]);
    const users = (await history(server, id)).events.filter((event) => event.type === 'message.user');
    assert.equal(users.length, 2, 'nothing processed twice');
    again.close();
  });

  test('a conversation whose last, missed turn ended it: the reply, then CONVERSATION_ENDED', async () => {
    const { id, token, lastSeen } = await missReplies(server, [
      { text: 'asdfgh' },
      { text: 'qwerty uiop' },
      { text: 'zxcvbn' },
    ]);
    const events = await storedUntil(server, id, (_, status) => status === 'ended');
    const missed = botEvents(events).filter((event) => event.seq > lastSeen);
    assert.equal(missed.at(-1)?.data.text, 'Let me stop here. Goodbye!');

    const again = await resume(server, id, token, lastSeen);
    assert.equal((await again.waitClosed()).code, 1000);
    assert.deepEqual(again.frames, [
      ...missed.map(replayed),
      { type: 'error', code: 'CONVERSATION_ENDED', message: 'the conversation has ended' },
    ]);
  });

  test('a lastSeq that is not an integer ≥ 0 is refused with INVALID_LAST_SEQ and close 1008', async () => {
    const { id, token } = await missReplies(server, []);
    for (const bad of ['-1', '1.5', 'abc', '', '1e3', '9'.repeat(16)]) {
      const client = await resume(server, id, token, bad);
      assert.equal((await client.waitClosed()).code, 1008, bad);
      assert.deepEqual(
        client.frames.map((frame) => frame.code),
        ['INVALID_LAST_SEQ'],
        bad,
      );
    }
    const good = await resume(server, id, token, 3);
    assert.deepEqual(await good.nth('waiting'), WAITING);
    good.close();
  });
});

describe('WebSocket replay across a restart', () => {
  test('replies stored before the server stopped are replayed by the next one', async () => {
    const { dataDir, remove } = await makeDataDir();
    const start = () =>
      startTestServer({ dataDir, defaultFlowPath: examplePath('travel').pathname, env: SERVER_ENV });
    try {
      const first = await start();
      let missed: { id: string; token: string; lastSeen: number };
      let stored: StoredEvent[];
      try {
        missed = await missReplies(first, [{ text: 'will it rain tomorrow', clientMessageId: 'c-1' }]);
        stored = await storedUntil(first, missed.id, (e) => botEvents(e).length === 2);
      } finally {
        await first.stop();
      }
      const second = await start();
      try {
        const sunny = botEvents(stored).at(-1) as StoredEvent;
        const again = await resume(second, missed.id, missed.token, missed.lastSeen);
        await again.nth('waiting');
        again.send({ type: 'message', text: 'will it rain tomorrow', clientMessageId: 'c-1' });
        await again.nth('ack');
        await again.until((frames) => frames.length === 5, 'the replayed reply to c-1');
        assert.deepEqual(again.frames, [
          resumedFrame(missed.id),
          replayed(sunny),
          WAITING,
          { type: 'ack', clientMessageId: 'c-1', duplicate: true },
          replayed(sunny),
        ]);
        again.close();
      } finally {
        await second.stop();
      }
    } finally {
      await remove();
    }
  });
});
