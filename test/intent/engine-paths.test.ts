/**
 * The engine's intent paths through the real classifiers: the offline classifier, and the OpenAI
 * classifier (real SDK) talking to the fake OpenAI server, both behind the router.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { intentDefinitions } from '../../src/engine/blocks/intent.ts';
import { compileFlow } from '../../src/engine/compile.ts';
import type { HistoryEvent } from '../../src/engine/history.ts';
import { runTurn } from '../../src/engine/run-turn.ts';
import { type ConversationState, initialState } from '../../src/engine/state.ts';
import type { IntentProviderName } from '../../src/flow/types.ts';
import { createIntentRouter } from '../../src/intent/create.ts';
import { OfflineIntentClassifier } from '../../src/intent/offline/index.ts';
import { answer, FakeOpenAi } from '../support/fake-openai.ts';
import { loadExample } from '../support/flows.ts';

const travel = loadExample('travel');
const flow = compileFlow(travel, 1);
const offline = new OfflineIntentClassifier();

function router(provider: IntentProviderName, fake?: FakeOpenAi) {
  return createIntentRouter(
    {
      provider,
      timeoutMs: 600,
      ...(fake ? { openai: { apiKey: 'sk-test', baseURL: fake.baseURL, model: 'fake-model' } } : {}),
    },
    { local: offline, certainMatch: offline.certainMatch, openai: { backoffBaseMs: 5 } },
  );
}

/** Starts the travel conversation, says `text`, returns the bot's replies and the turn's history. */
async function say(classifier: ReturnType<typeof router>, text: string) {
  const ports = {
    classify: (request: Parameters<typeof classifier.classify>[0]) => classifier.classify(request),
  };
  const started = await runTurn(flow, initialState(1), { type: 'start' }, ports);
  assert.ok(started.ok);
  const turn = await runTurn(flow, started.state as ConversationState, { type: 'user_message', text }, ports);
  assert.ok(turn.ok);
  const history = turn.effects.flatMap((e) => (e.type === 'history' ? [e.event] : [])) as HistoryEvent[];
  const replies = history.flatMap((e) => (e.type === 'message.bot' ? [e.data.text] : []));
  return { replies, history, state: turn.state };
}

const intentEvent = (history: HistoryEvent[]) => history.find((e) => e.type.startsWith('intent.'));

describe('engine paths through the real classifiers', () => {
  let fake: FakeOpenAi;
  before(async () => {
    fake = await FakeOpenAi.start();
    // As the server does when a flow is uploaded: a turn should not wait for training.
    const blocks = travel.blocks.flatMap((block) =>
      block.type === 'intent' ? [{ blockId: block.id, intents: intentDefinitions(block) }] : [],
    );
    await router('local').prepare(1, blocks);
  });
  after(() => fake.close());

  test('offline: an obvious weather question matches; gibberish takes the noMatch path', async () => {
    const local = router('local');
    const weather = await say(local, 'is it going to rain tomorrow?');
    assert.deepEqual(weather.replies, ['Sunny, 24 °C.']);
    const event = intentEvent(weather.history);
    assert.equal(event?.type, 'intent.detected');
    assert.equal(event?.type === 'intent.detected' && event.data.provider, 'local');

    const gibberish = await say(local, 'qwzx vbnm plokij');
    assert.deepEqual(gibberish.replies, [
      'Sorry, I did not understand "qwzx vbnm plokij". Could you rephrase?',
    ]);
    assert.equal(intentEvent(gibberish.history)?.type, 'intent.no_match');
    assert.equal(gibberish.state.noMatchCounts.route, 1);
  });

  test('openai: a match, then the server failing → onError path, count untouched', async () => {
    fake.reset();
    fake.reply(answer('restaurants', 0.95));
    const openai = router('openai', fake);
    assert.deepEqual((await say(openai, 'I am hungry')).replies, ['Try Tasca do Chico.']);

    fake.reset();
    fake.respondWith(() => ({ status: 500, body: { error: { message: 'down' } } }));
    const failed = await say(openai, 'anything');
    assert.deepEqual(failed.replies, ['Sorry, I did not understand "anything". Could you rephrase?']);
    const event = intentEvent(failed.history);
    assert.equal(event?.type, 'intent.error');
    assert.equal(event?.type === 'intent.error' && event.data.code, 'PROVIDER_HTTP_ERROR');
    assert.equal(failed.state.noMatchCounts.route ?? 0, 0);
  });

  test('openai: an id outside the list is a provider error (onError), never a jump', async () => {
    fake.reset();
    fake.respondWith(() => answer('goodbye', 0.99));
    const result = await say(router('openai', fake), 'end the chat');
    assert.equal(intentEvent(result.history)?.type, 'intent.error');
    assert.deepEqual(result.replies, ['Sorry, I did not understand "end the chat". Could you rephrase?']);
  });

  test('auto with a key: the LLM failing falls back to the offline classifier', async () => {
    fake.reset();
    fake.respondWith(() => ({ status: 503, body: { error: { message: 'overloaded' } } }));
    const result = await say(router('auto', fake), 'any cheap holiday offers to travel somewhere?');
    const event = intentEvent(result.history);
    assert.equal(event?.type, 'intent.detected');
    assert.equal(event?.type === 'intent.detected' && event.data.fallback, true);
    assert.equal(event?.type === 'intent.detected' && event.data.provider, 'local');
    assert.deepEqual(result.replies, ['Lisbon from 89 €.']);
  });
});
