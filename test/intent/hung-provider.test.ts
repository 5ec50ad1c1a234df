/**
 * An OpenAI that accepts the request and never answers, end to end: the real server, a real `ws` client,
 * the real SDK talking to the fake OpenAI server in its hang mode, and the history read back through the
 * admin API (validated against the OpenAPI document).
 *
 * - `openai`: the turn ends at INTENT_TIMEOUT_MS with PROVIDER_TIMEOUT and takes the block's `onError`
 *   path; a timeout is never a no-match.
 * - `auto`: OpenAI gets the deadline minus the offline reserve, so every turn still gets the offline
 *   answer, and its history says it was a fallback from OpenAI's PROVIDER_TIMEOUT.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeOpenAi, HANG } from '../support/fake-openai.ts';
import { ROUTE_REPLIES, weatherTravelFlow } from '../support/flows.ts';
import { type TestServer, withTestServer } from '../support/server.ts';
import { ChatClient, texts } from '../support/ws-client.ts';

const { unavailable: UNAVAILABLE, notUnderstood: NOT_UNDERSTOOD } = ROUTE_REPLIES;
const FLOW = weatherTravelFlow('Hung provider');

/** Long enough that the offline reserve (a quarter) is never eaten by a busy test machine. */
const INTENT_TIMEOUT_MS = '2000';

interface IntentEvent {
  type: string;
  data: Record<string, unknown>;
}

async function withHungOpenAi(
  fake: FakeOpenAi,
  provider: 'openai' | 'auto',
  body: (server: TestServer, chat: ChatClient) => Promise<void>,
): Promise<void> {
  const env = {
    INTENT_PROVIDER: provider,
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.baseURL,
    INTENT_TIMEOUT_MS,
  };
  await withTestServer({ env }, async (server) => {
    assert.equal((await server.api.put('/api/flow', JSON.stringify(FLOW))).status, 201);
    const chat = await ChatClient.connect(server.url);
    try {
      await chat.nth('waiting');
      await body(server, chat);
    } finally {
      chat.close();
    }
  });
}

async function intentEvents(server: TestServer, chat: ChatClient): Promise<IntentEvent[]> {
  const id = chat.frames[0]?.conversationId;
  const history = await server.api.get(`/api/conversations/${id}`);
  assert.equal(history.status, 200);
  return history.json.events.filter((event: IntentEvent) => event.type.startsWith('intent.'));
}

describe('an OpenAI that never answers', () => {
  let fake: FakeOpenAi;
  before(async () => {
    fake = await FakeOpenAi.start();
  });
  after(() => fake.close());

  test('openai: PROVIDER_TIMEOUT and the onError path, never a no-match', async () => {
    fake.reset();
    fake.respondWith(() => HANG);
    await withHungOpenAi(fake, 'openai', async (server, chat) => {
      assert.deepEqual(texts(await chat.say('what about tomorrow?')), [UNAVAILABLE]);
      const [event, ...others] = await intentEvents(server, chat);
      assert.deepEqual(others, []);
      assert.equal(event?.type, 'intent.error');
      assert.equal(event?.data.provider, 'openai');
      assert.equal(event?.data.code, 'PROVIDER_TIMEOUT');
      assert.equal(event?.data.fallback, undefined, 'explicit openai does not fall back');
      assert.ok(fake.requests.length >= 1, 'OpenAI was asked');
      await fake.allAbandoned();
    });
  });

  test('auto: every turn gets the offline answer, recorded as a fallback from the timeout', async () => {
    fake.reset();
    fake.respondWith(() => HANG);
    await withHungOpenAi(fake, 'auto', async (server, chat) => {
      // None is an example typed exactly, so each one goes to OpenAI first (no certain-match shortcut).
      assert.deepEqual(texts(await chat.say('will it rain later today?')), [ROUTE_REPLIES.weather]);
      assert.deepEqual(texts(await chat.say('cheap holiday flights please')), [ROUTE_REPLIES.travel]);
      assert.deepEqual(texts(await chat.say('qwzx vbnm plokij')), [NOT_UNDERSTOOD]);
      // Each turn's attempts (a retry fits in OpenAI's share) were all given up.
      assert.ok(fake.requests.length >= 3, 'OpenAI was asked each time');
      await fake.allAbandoned();

      const events = await intentEvents(server, chat);
      assert.deepEqual(
        events.map((event) => [
          event.type,
          event.data.provider,
          event.data.fallback,
          event.data.fallbackFrom,
        ]),
        [
          ['intent.detected', 'local', true, { provider: 'openai', code: 'PROVIDER_TIMEOUT' }],
          ['intent.detected', 'local', true, { provider: 'openai', code: 'PROVIDER_TIMEOUT' }],
          ['intent.no_match', 'local', true, { provider: 'openai', code: 'PROVIDER_TIMEOUT' }],
        ],
      );
    });
  });
});
