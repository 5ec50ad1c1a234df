/**
 * Resume by frame (`/ws?resume`, then `{"type":"resume",…}` first): the same replay and ownership as the
 * query form, with no token in the URL; a bad first frame gets the query form's error codes.
 * Real server, real `ws` clients, real SQLite, the offline classifier on the travel flow.
 */
import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import type { WebSocket } from 'ws';
import { ResumeFrameGate } from '../../src/ws/resume-frame.ts';
import type { Session } from '../../src/ws/session.ts';
import { examplePath } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { ChatClient, type Frame } from '../support/ws-client.ts';

const SUNNY = 'Sunny, 24 °C.';

/** A conversation whose welcome was seen, then a question sent and the socket dropped before its answer. */
async function missedReply(server: TestServer): Promise<{ id: string; token: string; lastSeen: number }> {
  const client = await ChatClient.connect(server.url);
  const welcome = await client.nth('message');
  await client.nth('waiting');
  const { conversationId, resumeToken } = client.frames[0] as Frame;
  await new Promise<void>((resolve, reject) =>
    client.socket.send(JSON.stringify({ type: 'message', text: 'will it rain tomorrow' }), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  client.socket.terminate();
  await client.waitClosed();
  // The server goes on with the turn nobody watches: wait (bounded) until its reply is stored.
  const deadline = Date.now() + 5_000;
  for (;;) {
    const { events } = (await server.api.get(`/api/conversations/${conversationId}`)).json as {
      events: { type: string; data: { text?: string } }[];
    };
    if (events.some((event) => event.type === 'message.bot' && event.data.text === SUNNY)) break;
    if (Date.now() > deadline) throw new Error('the reply was never stored');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { id: conversationId, token: resumeToken, lastSeen: welcome.seq };
}

async function byFrame(server: TestServer, frame: unknown): Promise<ChatClient> {
  const client = await ChatClient.connect(server.url, '?resume');
  client.send(frame);
  return client;
}

describe('resume by frame', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      defaultFlowPath: examplePath('travel').pathname,
      env: { INTENT_PROVIDER: 'local' },
    });
  });
  after(() => server.stop());

  test('replays what was missed exactly as the query form does', async () => {
    const { id, token, lastSeen } = await missedReply(server);
    const query = await ChatClient.connect(
      server.url,
      `?conversationId=${id}&resumeToken=${token}&lastSeq=${lastSeen}`,
    );
    await query.nth('waiting');
    query.close();
    await query.waitClosed();

    const frame = await byFrame(server, {
      type: 'resume',
      conversationId: id,
      resumeToken: token,
      lastSeq: lastSeen,
    });
    await frame.nth('waiting');
    assert.deepEqual(frame.frames, query.frames);
    assert.deepEqual(
      frame.frames.map((f) => f.type),
      ['conversation', 'message', 'waiting'],
    );
    assert.equal(frame.frames[0]?.resumed, true);
    assert.equal(frame.frames[1]?.text, SUNNY);
    assert.equal(frame.frames[1]?.replayed, true);

    // The conversation goes on over the resumed socket.
    const turn = await frame.say('Give me travel offers');
    assert.ok(turn.some((f) => f.type === 'message' && f.text === 'Lisbon from 89 €.'));
    frame.close();
  });

  test('without lastSeq nothing is replayed; messages sent right after the resume frame are kept', async () => {
    const { id, token } = await missedReply(server);
    const client = await byFrame(server, { type: 'resume', conversationId: id, resumeToken: token });
    client.send({ type: 'message', text: 'Give me travel offers' });
    await client.until((frames) => frames.filter((f) => f.type === 'waiting').length >= 2, 'two waiting');
    const texts = client.frames.filter((f) => f.type === 'message').map((f) => f.text);
    assert.deepEqual(texts, ['Lisbon from 89 €.']);
    client.close();
  });

  test('ownership: a resume by frame takes the conversation over from a socket resumed by query (4409)', async () => {
    const { id, token } = await missedReply(server);
    const first = await ChatClient.connect(server.url, `?conversationId=${id}&resumeToken=${token}`);
    await first.nth('waiting');
    const second = await byFrame(server, { type: 'resume', conversationId: id, resumeToken: token });
    await second.nth('waiting');
    assert.equal((await first.waitClosed()).code, 4409);
    second.close();
  });

  test('a wrong or missing token, or no conversation id: RESUME_REFUSED and 4401, as by query', async () => {
    const { id } = await missedReply(server);
    for (const frame of [
      { type: 'resume', conversationId: id, resumeToken: 'not-the-token' },
      { type: 'resume', conversationId: id },
      { type: 'resume', resumeToken: 'x' },
      { type: 'resume', conversationId: 'no-such-id', resumeToken: 'x' },
    ]) {
      const client = await byFrame(server, frame);
      assert.deepEqual((await client.waitClosed()).code, 4401, JSON.stringify(frame));
      assert.deepEqual(
        client.frames.map((f) => f.code),
        ['RESUME_REFUSED'],
      );
    }
  });

  test('a bad lastSeq, a frame that is not JSON or not a resume: its error code, then 1008', async () => {
    const { id, token } = await missedReply(server);
    const cases: [unknown, string][] = [
      [{ type: 'resume', conversationId: id, resumeToken: token, lastSeq: -1 }, 'INVALID_LAST_SEQ'],
      [{ type: 'resume', conversationId: id, resumeToken: token, lastSeq: '3' }, 'INVALID_LAST_SEQ'],
      [{ type: 'resume', conversationId: id, resumeToken: token, lastSeq: 1.5 }, 'INVALID_LAST_SEQ'],
      ['{"type":"resume",', 'INVALID_JSON'],
      [{ type: 'message', text: 'hello' }, 'UNKNOWN_TYPE'],
    ];
    for (const [frame, code] of cases) {
      const client = await byFrame(server, frame);
      assert.equal((await client.waitClosed()).code, 1008, JSON.stringify(frame));
      assert.deepEqual(
        client.frames.map((f) => f.code),
        [code],
      );
    }
    const binary = await ChatClient.connect(server.url, '?resume');
    binary.socket.send(Buffer.from([1, 2, 3]));
    assert.equal((await binary.waitClosed()).code, 1003);
    assert.deepEqual(binary.frames, [], 'no conversation was started');
  });

  test('the URL carries no conversation: /ws?resume starts nothing before its frame', async () => {
    const client = await ChatClient.connect(server.url, '?resume');
    // A plain /ws would get its conversation frame first; this one gets nothing until it resumes.
    const { id, token } = await missedReply(server);
    client.send({ type: 'resume', conversationId: id, resumeToken: token });
    await client.nth('waiting');
    assert.equal(client.frames[0]?.type, 'conversation');
    assert.equal(client.frames[0]?.conversationId, id);
    client.close();
  });
});

describe('ResumeFrameGate', () => {
  /** A session that records what the gate sends and how it closes (the gate only calls these two). */
  function recordingSession() {
    const sent: unknown[] = [];
    let onClose: (close: { code: number; reason: string }) => void = () => {};
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
      onClose = resolve;
    });
    const session = {
      send: (frame: unknown) => sent.push(frame),
      close: (code: number, reason: string) => onClose({ code, reason }),
    } as unknown as Session;
    return { session, sent, closed };
  }

  test('a socket that sends no resume frame in time gets RESUME_REFUSED and 1008', async (t) => {
    t.after(() => mock.timers.reset());
    mock.timers.enable({ apis: ['setTimeout'] });
    const gate = new ResumeFrameGate(() => assert.fail('nothing to resume'), 10_000);
    const { session, sent, closed } = recordingSession();
    const ws = {} as WebSocket;
    gate.expect(ws, session);
    mock.timers.tick(9_999);
    assert.deepEqual(sent, [], 'not before the deadline');
    mock.timers.tick(1);
    assert.deepEqual(await closed, { code: 1008, reason: 'no resume frame' });
    assert.deepEqual(sent, [
      { type: 'error', code: 'RESUME_REFUSED', message: 'no resume frame came in time' },
    ]);
    assert.equal(gate.take(ws, Buffer.from('{}'), false), false, 'forgotten after the timeout');
  });

  test('the frame in time cancels the deadline and resumes', (t) => {
    t.after(() => mock.timers.reset());
    mock.timers.enable({ apis: ['setTimeout'] });
    let resumed: unknown;
    const gate = new ResumeFrameGate((_session, request) => {
      resumed = request;
    }, 10_000);
    const { session, sent } = recordingSession();
    const ws = {} as WebSocket;
    gate.expect(ws, session);
    const frame = { type: 'resume', conversationId: 'c', resumeToken: 't', lastSeq: 2 };
    assert.equal(gate.take(ws, Buffer.from(JSON.stringify(frame)), false), true);
    assert.deepEqual(resumed, { conversationId: 'c', resumeToken: 't', lastSeq: 2 });
    // Past the deadline, nothing was sent: the timer was cleared.
    mock.timers.tick(10_000);
    assert.deepEqual(sent, []);
  });
});
