/**
 * The LLM budget end to end: the real server, real `ws` clients and the fake OpenAI server. Over a
 * ceiling the user still gets the offline answer, OpenAI is not asked, the history records the fallback
 * and GET /metrics counts the refusal by ceiling. The per-address ceiling reads the client address the
 * WebSocket layer resolved (TRUST_PROXY=1 and a forged X-Forwarded-For stand for several clients).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { answer, classifiedText, FakeOpenAi } from '../support/fake-openai.ts';
import { ROUTE_REPLIES, weatherTravelFlow } from '../support/flows.ts';
import { type TestServer, withTestServer } from '../support/server.ts';
import { ChatClient, texts } from '../support/ws-client.ts';

const { weather: WEATHER, travel: TRAVEL } = ROUTE_REPLIES;
const FLOW = weatherTravelFlow('Budget');

interface IntentEvent {
  type: string;
  data: Record<string, unknown>;
}

async function withBudgetServer(
  fake: FakeOpenAi,
  env: Record<string, string>,
  body: (server: TestServer) => Promise<void>,
): Promise<void> {
  const base = {
    INTENT_PROVIDER: 'auto',
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.baseURL,
    // Only the ceiling under test; the others are off.
    LLM_BUDGET_PER_CONVERSATION: '0',
    LLM_BUDGET_PER_ADDRESS_PER_HOUR: '0',
    LLM_BUDGET_PER_MINUTE: '0',
    LLM_BUDGET_PER_DAY: '0',
  };
  await withTestServer({ env: { ...base, ...env } }, async (server) => {
    assert.equal((await server.api.put('/api/flow', JSON.stringify(FLOW))).status, 201);
    await body(server);
  });
}

async function open(server: TestServer, forwardedFor?: string): Promise<ChatClient> {
  const chat = await ChatClient.connect(
    server.url,
    '',
    forwardedFor ? { headers: { 'X-Forwarded-For': forwardedFor } } : {},
  );
  await chat.nth('waiting');
  return chat;
}

async function intentEvents(server: TestServer, chat: ChatClient): Promise<IntentEvent[]> {
  const history = await server.api.get(`/api/conversations/${chat.frames[0]?.conversationId}`);
  assert.equal(history.status, 200);
  return history.json.events.filter((event: IntentEvent) => event.type.startsWith('intent.'));
}

async function budgetExceeded(server: TestServer): Promise<Record<string, number>> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^chatflow_llm_budget_exceeded_total\{ceiling="(\w+)"\} (\d+)$/gm)) {
    counts[match[1] as string] = Number(match[2]);
  }
  return counts;
}

describe('the LLM budget through the real server', () => {
  let fake: FakeOpenAi;
  before(async () => {
    fake = await FakeOpenAi.start();
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.reset();
    // OpenAI would say "weather" to anything: an offline answer shows as the travel reply.
    fake.respondWith(() => answer('weather', 0.95));
  });

  test('per conversation (2): the third message is answered offline, OpenAI saw 2, the metric moved', async () => {
    await withBudgetServer(fake, { LLM_BUDGET_PER_CONVERSATION: '2' }, async (server) => {
      assert.deepEqual(await budgetExceeded(server), { conversation: 0, address: 0, minute: 0, day: 0 });
      const chat = await open(server);
      try {
        // None is an example typed exactly, so each would go to OpenAI (no certain-match shortcut).
        assert.deepEqual(texts(await chat.say('what about tomorrow?')), [WEATHER]);
        assert.deepEqual(texts(await chat.say('and the day after?')), [WEATHER]);
        assert.deepEqual(texts(await chat.say('any cheap flights to lisbon?')), [TRAVEL]);
        assert.equal(fake.requests.length, 2);
        assert.deepEqual(
          fake.requests.map((request) => classifiedText(request)),
          ['what about tomorrow?', 'and the day after?'],
        );
        const events = await intentEvents(server, chat);
        assert.deepEqual(
          events.map((event) => [event.data.provider, event.data.fallback, event.data.fallbackFrom]),
          [
            ['openai', false, undefined],
            ['openai', false, undefined],
            ['local', true, { provider: 'openai', code: 'PROVIDER_BUDGET_EXCEEDED' }],
          ],
        );
        assert.deepEqual(await budgetExceeded(server), { conversation: 1, address: 0, minute: 0, day: 0 });
      } finally {
        chat.close();
      }
      // A new conversation has a budget of its own.
      const next = await open(server);
      try {
        assert.deepEqual(texts(await next.say('will it be windy?')), [WEATHER]);
        assert.equal(fake.requests.length, 3);
      } finally {
        next.close();
      }
    });
  });

  test('per address (2), TRUST_PROXY=1: shared by the conversations of one address, not by another', async () => {
    const env = { LLM_BUDGET_PER_ADDRESS_PER_HOUR: '2', TRUST_PROXY: '1' };
    await withBudgetServer(fake, env, async (server) => {
      const first = await open(server, '203.0.113.7');
      const second = await open(server, '203.0.113.7');
      const other = await open(server, '198.51.100.1');
      try {
        assert.deepEqual(texts(await first.say('what about tomorrow?')), [WEATHER]);
        assert.deepEqual(texts(await second.say('and the day after?')), [WEATHER]);
        assert.deepEqual(texts(await second.say('any cheap flights to lisbon?')), [TRAVEL]);
        assert.equal(fake.requests.length, 2, 'the third message from 203.0.113.7 never reached OpenAI');
        assert.deepEqual(texts(await other.say('any cheap flights to lisbon?')), [WEATHER]);
        assert.equal(fake.requests.length, 3, 'another address still gets OpenAI');
        const [refused] = (await intentEvents(server, second)).slice(-1);
        assert.deepEqual(refused?.data.fallbackFrom, {
          provider: 'openai',
          code: 'PROVIDER_BUDGET_EXCEEDED',
        });
        assert.deepEqual(await budgetExceeded(server), { conversation: 0, address: 1, minute: 0, day: 0 });
      } finally {
        for (const chat of [first, second, other]) chat.close();
      }
    });
  });
});
