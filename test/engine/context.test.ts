/**
 * The conversation a classifier is given besides the text: the last bot and user messages before it,
 * a bounded window kept in the state (ENGINE_LIMITS), so that "yes" can be read as an answer.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Effect, step } from '../../src/engine/index.ts';
import { ENGINE_LIMITS } from '../../src/flow/limits.ts';
import { flowOf } from '../support/flows.ts';
import { Conversation, noMatch } from './harness.ts';

/** Asks a question, waits, classifies; a no-match asks again (a loop, so the window fills up). */
const quiz = flowOf({
  formatVersion: 1,
  name: 'quiz',
  start: 'hello',
  blocks: [
    { id: 'hello', type: 'message', text: 'Hello!', next: 'ask' },
    { id: 'ask', type: 'message', text: 'Shall I book it?', options: ['Yes', 'No'], next: 'wait' },
    { id: 'wait', type: 'wait', next: 'route' },
    {
      id: 'route',
      type: 'intent',
      provider: 'local',
      intents: [{ id: 'yes', description: 'agree', examples: ['sure'], next: 'bye' }],
      noMatch: 'again',
    },
    { id: 'again', type: 'message', text: 'Sorry?', next: 'ask' },
    { id: 'bye', type: 'end', text: 'Booked.' },
  ],
});

describe('engine: the conversation sent with a classification', () => {
  test('the first answer comes with the bot messages before it, not with itself', async () => {
    const c = new Conversation(quiz, () => noMatch());
    await c.start();
    await c.say('yes');
    assert.deepEqual(c.requests[0]?.context, [
      { from: 'bot', text: 'Hello!' },
      { from: 'bot', text: 'Shall I book it?' },
    ]);
    assert.deepEqual(c.requests[0]?.quickReplies, ['Yes', 'No']);
  });

  test('the window keeps the newest bot and user messages, oldest first', async () => {
    const c = new Conversation(quiz, () => noMatch());
    await c.start();
    await c.say('first');
    await c.say('second');
    await c.say('third');
    assert.equal(ENGINE_LIMITS.contextBotMessages, 2);
    assert.equal(ENGINE_LIMITS.contextUserMessages, 2);
    assert.deepEqual(c.requests[2]?.context, [
      { from: 'user', text: 'first' },
      { from: 'user', text: 'second' },
      { from: 'bot', text: 'Sorry?' },
      { from: 'bot', text: 'Shall I book it?' },
    ]);
    assert.ok(c.state.recentMessages.length <= 5, 'the state keeps the window and the newest answer');
  });

  test('long messages are cut, so the state and the prompt stay small', async () => {
    const c = new Conversation(quiz, () => noMatch());
    await c.start();
    const long = 'x'.repeat(ENGINE_LIMITS.maxContextChars * 3);
    await c.say(long);
    await c.say('next');
    const user = c.requests[1]?.context?.find((message) => message.from === 'user');
    assert.equal(user?.text.length, ENGINE_LIMITS.maxContextChars);
  });

  test('a classification asked again on resume sees the same conversation', async () => {
    const c = new Conversation(quiz, () => noMatch());
    await c.start();
    const asked = step(c.flow, c.state, { type: 'user_message', text: 'maybe' });
    assert.ok(asked.ok);
    const again = step(c.flow, asked.state, { type: 'resume' });
    assert.ok(again.ok);
    const contextOf = (effects: readonly Effect[]) =>
      effects.flatMap((effect) => (effect.type === 'classify' ? [effect.request.context] : []));
    assert.deepEqual(contextOf(again.effects), contextOf(asked.effects));
    assert.deepEqual(contextOf(again.effects), [
      [
        { from: 'bot', text: 'Hello!' },
        { from: 'bot', text: 'Shall I book it?' },
      ],
    ]);
  });
});
