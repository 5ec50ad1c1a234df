/**
 * The fencing epoch alone, without cross-instance messages: two servers on one SQLite file (SQLite has
 * no LISTEN/NOTIFY), so the old holder learns of the takeover only when its next write is refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { echoFlow } from '../support/flow-texts.ts';
import { makeDataDir, startTestServer } from '../support/server.ts';
import { ChatClient, type Frame, texts } from '../support/ws-client.ts';

const ECHO = echoFlow();

test('a write of the previous holder after a takeover is refused: nothing stored, its socket gets 4409', async () => {
  const { dataDir, remove } = await makeDataDir();
  const first = await startTestServer({ dataDir });
  const second = await startTestServer({ dataDir });
  try {
    assert.equal((await first.api.put('/api/flow', ECHO)).status, 201);
    const old = await ChatClient.connect(first.url);
    await old.nth('waiting');
    assert.deepEqual(texts(await old.say('one')), ['echo: one']);
    const { conversationId, resumeToken } = old.frames[0] as Frame;

    const taker = await ChatClient.connect(
      second.url,
      `?conversationId=${conversationId}&resumeToken=${resumeToken}`,
    );
    await taker.nth('waiting');
    assert.equal(old.closed, null, 'no cross-instance message on SQLite: the old socket is still open');

    old.send({ type: 'message', text: 'stale' });
    assert.equal((await old.waitClosed()).code, 4409);
    assert.equal(texts(old.frames).includes('echo: stale'), false);

    assert.deepEqual(texts(await taker.say('two')), ['echo: two']);
    const history = (await second.api.get(`/api/conversations/${conversationId}`)).json;
    const said = history.events
      .filter((e: { type: string }) => e.type === 'message.user')
      .map((e: { data: { text: string } }) => e.data.text);
    assert.deepEqual(said, ['one', 'two']);
    taker.close();
  } finally {
    await first.close();
    await second.close();
    await remove();
  }
});
