/**
 * The engine's intent paths through the real classifiers: the offline classifier, and the OpenAI
 * classifier (real SDK) talking to the fake OpenAI server, both behind the router.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { intentDefinitions } from '../../src/engine/blocks/intent.ts';
import { compileFlow } from '../../src/engine/compile.ts';
import type { HistoryEvent } from '../../src/engine/history.ts';
import type { Classification } from '../../src/engine/index.ts';
import { type ConversationState, initialState } from '../../src/engine/state.ts';
import type { IntentProviderName } from '../../src/flow/types.ts';
import { OfflineIntentClassifier } from '../../src/intent/offline/index.ts';
import type { IntentClassifier } from '../../src/intent/port.ts';
import { createIntentRouter } from '../../src/intent/router-factory.ts';
import { runTurn } from '../engine/harness.ts';
import { answer, FakeOpenAi, HANG } from '../support/fake-openai.ts';
import { flowOf, loadExample } from '../support/flows.ts';

const travel = loadExample('travel');
const flow = compileFlow(travel, 1);
const offline = new OfflineIntentClassifier();

function router(provider: IntentProviderName, fake?: FakeOpenAi, local: IntentClassifier = offline) {
  return createIntentRouter(
    {
      provider,
      // Room for a slow first SDK call on a loaded machine; the hung-server tests wait this long.
      timeoutMs: 1_500,
      ...(fake ? { openai: { apiKey: 'sk-test', baseURL: fake.baseURL, model: 'fake-model' } } : {}),
    },
    {
      local,
      ...(local === offline ? { certainMatch: offline.certainMatch } : {}),
      openai: { backoffBaseMs: 5 },
    },
  );
}

/** The travel flow with its own onError message, so that an error cannot pass for a no-match. */
const UNAVAILABLE = 'The assistant is unavailable right now.';
const withOnError = compileFlow(
  flowOf({
    ...travel,
    blocks: [
      ...travel.blocks.map((block) =>
        block.type === 'intent' ? { ...block, onError: 'unavailable' } : block,
      ),
      { id: 'unavailable', type: 'message', text: UNAVAILABLE, next: 'ask' },
    ],
  }),
  1,
);

/** A local classifier that never answers, as when its model is not ready, and does not watch its signal. */
const notReady: IntentClassifier = { classify: () => new Promise<Classification>(() => {}) };

/** Starts the travel conversation, says `text`, returns the bot's replies and the turn's history. */
async function say(classifier: ReturnType<typeof router>, text: string, compiled = flow) {
  const ports = (request: Parameters<typeof classifier.classify>[0]) => classifier.classify(request);
  const started = await runTurn(compiled, initialState(1), { type: 'start' }, ports);
  assert.ok(started.ok);
  const turn = await runTurn(
    compiled,
    started.state as ConversationState,
    { type: 'user_message', text },
    ports,
  );
  assert.ok(turn.ok);
  const history = turn.effects.flatMap((e) => (e.type === 'history' ? [e.event] : [])) as HistoryEvent[];
  const replies = history.flatMap((e) => (e.type === 'message.bot' ? [e.data.text] : []));
  return { replies, history, state: turn.state };
}

const intentEvent = (history: HistoryEvent[]) => history.find((e) => e.type.startsWith('intent.'));

/** The turn's intent event data, without the fields that change from run to run. */
function intentData(history: HistoryEvent[]): Record<string, unknown> | undefined {
  const event = intentEvent(history);
  if (!event) return undefined;
  const {
    latencyMs: _latency,
    confidence: _confidence,
    message: _message,
    ...stable
  } = event.data as Record<string, unknown>;
  return { type: event.type, ...stable };
}

const TIMEOUT_EVENT = { type: 'intent.error', blockId: 'route', code: 'PROVIDER_TIMEOUT' };
const FROM_OPENAI_TIMEOUT = {
  fallback: true,
  fallbackFrom: { provider: 'openai', code: 'PROVIDER_TIMEOUT' },
};

/** A turn whose classification times out: the onError reply, the count untouched; returns its event. */
async function timesOut(classifier: ReturnType<typeof router>) {
  const result = await say(classifier, 'will it be sunny?', withOnError);
  assert.deepEqual(result.replies, [UNAVAILABLE]);
  assert.equal(result.state.noMatchCounts.route ?? 0, 0, 'a timeout is not a no-match');
  return intentData(result.history);
}

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

  test('openai: a hung server → PROVIDER_TIMEOUT and the onError path, never a no-match', async () => {
    fake.reset();
    fake.respondWith(() => HANG);
    assert.deepEqual(await timesOut(router('openai', fake)), { ...TIMEOUT_EVENT, provider: 'openai' });
  });

  test('auto: a hung server → the offline answer, recorded as a fallback from the timeout', async () => {
    fake.reset();
    fake.respondWith(() => HANG);
    const result = await say(
      router('auto', fake),
      'any cheap holiday offers to travel somewhere?',
      withOnError,
    );
    assert.deepEqual(result.replies, ['Lisbon from 89 €.']);
    assert.deepEqual(intentData(result.history), {
      type: 'intent.detected',
      blockId: 'route',
      intent: 'travel',
      provider: 'local',
      cached: false,
      ...FROM_OPENAI_TIMEOUT,
    });
  });

  test('local: a model that is not ready ends at INTENT_TIMEOUT_MS on the onError path', {
    timeout: 5_000,
  }, async () => {
    const local = router('local', undefined, notReady);
    assert.deepEqual(await timesOut(local), { ...TIMEOUT_EVENT, provider: 'local' });
  });

  test('auto: a hung server and a model not ready → onError, the error marked as a fallback', {
    timeout: 5_000,
  }, async () => {
    fake.reset();
    fake.respondWith(() => HANG);
    assert.deepEqual(await timesOut(router('auto', fake, notReady)), {
      ...TIMEOUT_EVENT,
      provider: 'local',
      ...FROM_OPENAI_TIMEOUT,
    });
  });
});
