/**
 * The history a conversation leaves, read back through the admin API after a real chat: the real
 * server on an ephemeral port, a real `ws` client, a SQLite file and the offline classifier. The
 * complete ordered list of event types and block ids is asserted, so an event that is not stored
 * (e.g. `block.entered`), stored twice or out of order fails here.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withTestServer } from '../support/server.ts';
import { ChatClient, type Frame, texts } from '../support/ws-client.ts';

/** Every block type: message, wait, intent (offline, pinned), set, condition, end. */
const FLOW = {
  formatVersion: 1,
  name: 'every block',
  start: 'welcome',
  blocks: [
    { id: 'welcome', type: 'message', text: 'Shall we start?', options: ['Yes', 'No'], next: 'ask' },
    { id: 'ask', type: 'wait', saveAs: 'answer', next: 'route' },
    {
      id: 'route',
      type: 'intent',
      provider: 'local',
      intents: [
        {
          id: 'agree',
          description: 'the user agrees',
          examples: ['yes', 'yes please', 'sure', 'of course', 'ok let us go'],
          next: 'remember',
        },
        {
          id: 'decline',
          description: 'the user declines',
          examples: ['no', 'no thanks', 'not now', 'never', 'I would rather not'],
          next: 'again',
        },
      ],
      noMatch: 'again',
    },
    { id: 'again', type: 'message', text: 'Tell me when you are ready.', next: 'ask' },
    { id: 'remember', type: 'set', values: { choice: 'went with {{intent}}' }, next: 'check' },
    {
      id: 'check',
      type: 'condition',
      cases: [{ if: { var: 'choice', contains: 'agree' }, next: 'bye' }],
      else: 'again',
    },
    { id: 'bye', type: 'end', text: 'Done: {{choice}}.' },
  ],
};

type StoredEvent = {
  seq: number;
  type: string;
  data: { blockId?: string; blockType?: string; intent?: string; text?: string };
};

/** An event as [type, block id or null], plus what tells the turns apart: block type, intent, user text. */
const entered = (blockId: string, blockType: string) => ['block.entered', blockId, blockType];

function summary(event: StoredEvent): unknown[] {
  const { type, data } = event;
  if (type === 'block.entered') return [type, data.blockId, data.blockType];
  if (type === 'intent.detected') return [type, data.blockId, data.intent];
  if (type === 'message.user') return [type, null, data.text];
  return [type, data.blockId ?? null];
}

describe('history through the real runtime', () => {
  test('a conversation stores every event, in order: types and block ids, read back via GET /api/conversations/:id', async () => {
    await withTestServer({ env: { INTENT_PROVIDER: 'local' } }, async (server) => {
      assert.equal((await server.api.put('/api/flow', JSON.stringify(FLOW))).status, 201);
      const client = await ChatClient.connect(server.url);
      await client.nth('waiting');
      assert.deepEqual(texts(await client.say('no thanks')), ['Tell me when you are ready.']);
      assert.deepEqual(texts(await client.say('yes please')), ['Done: went with agree.']);
      await client.waitClosed();
      const { conversationId } = client.frames[0] as Frame;

      const response = await server.api.get(`/api/conversations/${conversationId}`);
      assert.equal(response.status, 200);
      assert.equal(response.json.status, 'ended');
      const events = response.json.events as StoredEvent[];
      assert.deepEqual(events.map(summary), [
        ['conversation.started', null],
        entered('welcome', 'message'),
        ['message.bot', 'welcome'],
        entered('ask', 'wait'),
        ['message.user', null, 'no thanks'],
        entered('route', 'intent'),
        ['intent.detected', 'route', 'decline'],
        entered('again', 'message'),
        ['message.bot', 'again'],
        entered('ask', 'wait'),
        ['message.user', null, 'yes please'],
        entered('route', 'intent'),
        ['intent.detected', 'route', 'agree'],
        entered('remember', 'set'),
        entered('check', 'condition'),
        entered('bye', 'end'),
        ['message.bot', 'bye'],
        ['conversation.ended', null],
      ]);
      assert.equal(response.json.eventCount, events.length);
    });
  });
});
