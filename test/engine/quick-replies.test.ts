/**
 * Quick replies belong to the bot's last message: a later message without options takes them away,
 * from the history, from the waiting state and from what the classifier is offered as certain labels.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { flowOf } from '../support/flows.ts';
import { Conversation, keywords } from './harness.ts';

const flow = flowOf({
  formatVersion: 1,
  name: 'quick replies',
  start: 'menu',
  blocks: [
    { id: 'menu', type: 'message', text: 'Pick one', options: ['Weather', 'Travel'], next: 'ask' },
    { id: 'ask', type: 'wait', next: 'route' },
    {
      id: 'route',
      type: 'intent',
      intents: [
        { id: 'weather', description: 'the weather', next: 'plain' },
        { id: 'travel', description: 'travel offers', next: 'plain' },
      ],
      noMatch: 'ask',
    },
    { id: 'plain', type: 'message', text: 'Sunny. Anything else?', next: 'ask' },
  ],
});

const botMessages = (c: Conversation) => c.history.flatMap((e) => (e.type === 'message.bot' ? [e.data] : []));

describe('engine: quick replies', () => {
  test('a message without options after one with options carries none, nor does the waiting state', async () => {
    const c = new Conversation(flow, keywords);
    await c.start();
    assert.deepEqual(c.state.offeredOptions, ['Weather', 'Travel']);
    assert.equal(c.state.phase, 'waiting');

    await c.say('weather');
    assert.deepEqual(c.requests[0]?.quickReplies, ['Weather', 'Travel']);
    assert.deepEqual(botMessages(c), [
      { messageId: 'm1', blockId: 'menu', text: 'Pick one', options: ['Weather', 'Travel'] },
      { messageId: 'm2', blockId: 'plain', text: 'Sunny. Anything else?' },
    ]);
    assert.equal(c.state.phase, 'waiting');
    assert.equal(c.state.blockId, 'ask');
    assert.deepEqual(c.state.offeredOptions, []);

    // The next classification is not offered the options of the earlier message.
    await c.say('travel');
    assert.deepEqual(c.requests[1]?.quickReplies, []);
  });
});
