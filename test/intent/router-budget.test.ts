/**
 * The router under the LLM budget, with the real OpenAI classifier talking to the fake server: over a
 * ceiling no request reaches OpenAI and the offline classifier answers, marked as a fallback.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import type { Classification, ClassifyRequest } from '../../src/engine/index.ts';
import type { IntentProviderName } from '../../src/flow/types.ts';
import { CircuitBreaker } from '../../src/intent/breaker.ts';
import { type BudgetLimits, type BudgetRefusal, LlmBudget } from '../../src/intent/budget.ts';
import { IntentCache } from '../../src/intent/cache.ts';
import { OpenAiIntentClassifier } from '../../src/intent/openai.ts';
import type { IntentClassifier, ProviderRequest } from '../../src/intent/port.ts';
import { IntentRouter } from '../../src/intent/router.ts';
import { answer, FakeOpenAi } from '../support/fake-openai.ts';

const INTENTS = [
  { id: 'weather', description: 'Give me the weather', examples: ['will it rain tomorrow'] },
  { id: 'travel', description: 'Give me travel offers', examples: ['cheap flights'] },
];
const UNLIMITED: BudgetLimits = { perConversation: 0, perAddressPerHour: 0, perMinute: 0, perDay: 0 };

/** An offline stand-in: 'travel' when the text says "flight", else no match. */
class StubLocal implements IntentClassifier {
  calls = 0;
  async classify(req: ClassifyRequest): Promise<Classification> {
    this.calls += 1;
    const outcome = { provider: 'local', latencyMs: 0, cached: false, fallback: false };
    return /flight/i.test(req.text)
      ? { ...outcome, kind: 'match', intent: 'travel', confidence: 0.8, defaultMinConfidence: 0.4 }
      : { ...outcome, kind: 'no_match', confidence: 0.9 };
  }
}

let fake: FakeOpenAi;
let local: StubLocal;
let clock: number;
let refusals: BudgetRefusal[];

before(async () => {
  fake = await FakeOpenAi.start();
});
after(() => fake.close());
beforeEach(() => {
  fake.reset();
  fake.respondWith(() => answer('weather', 0.9));
  local = new StubLocal();
  clock = Date.UTC(2024, 4, 1, 12, 0, 0);
  refusals = [];
});

function router(mode: IntentProviderName, limits: Partial<BudgetLimits>): IntentRouter {
  return new IntentRouter({
    mode,
    timeoutMs: 2_000,
    local,
    certainMatch: (req) =>
      req.text === 'cheap flights'
        ? {
            kind: 'match',
            intent: 'travel',
            confidence: 1,
            defaultMinConfidence: 0.4,
            provider: 'local',
            latencyMs: 0,
            cached: false,
            fallback: false,
          }
        : null,
    openai: new OpenAiIntentClassifier({ apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 0 }),
    breaker: new CircuitBreaker(),
    cache: new IntentCache(),
    budget: new LlmBudget({ ...UNLIMITED, ...limits }, { now: () => clock }),
    onBudgetExceeded: (refusal) => refusals.push(refusal),
  });
}

function ask(text: string, caller?: ProviderRequest['caller']): ProviderRequest {
  return { flowVersion: 1, blockId: 'route', text, intents: INTENTS, ...(caller ? { caller } : {}) };
}

const conversation = { conversationId: 'c-1', clientAddress: '203.0.113.7' };

test('auto, over the per-conversation ceiling: the offline answer, marked, and no request reaches OpenAI', async () => {
  const r = router('auto', { perConversation: 2 });
  for (const text of ['is it sunny', 'will it snow']) {
    const result = await r.classify(ask(text, conversation));
    assert.equal(result.provider, 'openai');
  }
  const third = await r.classify(ask('any flights to Rome?', conversation));
  assert.equal(fake.requests.length, 2, 'the third message never reached OpenAI');
  assert.equal(third.kind === 'match' && third.intent, 'travel');
  assert.equal(third.provider, 'local');
  assert.equal(third.fallback, true);
  assert.equal(third.fallbackFrom?.provider, 'openai');
  assert.equal(third.fallbackFrom?.code, 'PROVIDER_BUDGET_EXCEEDED');
  assert.match(third.fallbackFrom?.message ?? '', /LLM budget.*2 per conversation/);
  assert.deepEqual(
    refusals.map((refusal) => refusal.ceiling),
    ['conversation'],
  );
  const stats = r.stats();
  assert.equal(stats.openaiCalls, 2);
  assert.equal(stats.fallbacks, 1);
  assert.deepEqual(stats.budgetExceeded, { conversation: 1, address: 0, minute: 0, day: 0 });
  // Another conversation still gets OpenAI.
  const other = await r.classify(ask('is it sunny in Oslo', { conversationId: 'c-2' }));
  assert.equal(other.provider, 'openai');
  assert.equal(fake.requests.length, 3);
});

test('explicit openai: the spent budget also falls back (it is the operator’s stop), never onError', async () => {
  const r = router('openai', { perDay: 1 });
  assert.equal((await r.classify(ask('is it sunny'))).provider, 'openai');
  const second = await r.classify(ask('cheap flight to Oslo'));
  assert.equal(fake.requests.length, 1);
  assert.equal(second.kind, 'match');
  assert.equal(second.provider, 'local');
  assert.equal(second.fallbackFrom?.code, 'PROVIDER_BUDGET_EXCEEDED');
  assert.match(second.fallbackFrom?.message ?? '', /1 per UTC day/);
});

test('per address: every conversation of the address shares it; another address is not affected', async () => {
  const r = router('auto', { perAddressPerHour: 2 });
  await r.classify(ask('is it sunny', { conversationId: 'a', clientAddress: '203.0.113.7' }));
  await r.classify(ask('will it snow', { conversationId: 'b', clientAddress: '203.0.113.7' }));
  const refused = await r.classify(ask('is it windy', { conversationId: 'c', clientAddress: '203.0.113.7' }));
  assert.equal(refused.fallbackFrom?.code, 'PROVIDER_BUDGET_EXCEEDED');
  const elsewhere = await r.classify(
    ask('is it windy', { conversationId: 'd', clientAddress: '198.51.100.1' }),
  );
  assert.equal(elsewhere.provider, 'openai');
  assert.equal(fake.requests.length, 3);
});

test('per minute: refused calls spend nothing, and the next minute OpenAI answers again', async () => {
  const r = router('auto', { perMinute: 1 });
  await r.classify(ask('is it sunny'));
  for (const text of ['is it windy', 'is it cold', 'is it hot']) {
    assert.equal((await r.classify(ask(text))).fallbackFrom?.code, 'PROVIDER_BUDGET_EXCEEDED');
  }
  assert.equal(fake.requests.length, 1);
  clock += 60_000;
  assert.equal((await r.classify(ask('is it foggy'))).provider, 'openai');
  assert.equal(fake.requests.length, 2);
  assert.equal(r.stats().budgetExceeded.minute, 3);
});

test('cache hits and certain matches cost nothing, even with the budget spent', async () => {
  const r = router('auto', { perConversation: 1 });
  assert.equal((await r.classify(ask('is it sunny', conversation))).provider, 'openai');
  const hit = await r.classify(ask('Is it  sunny', conversation));
  assert.equal(hit.cached, true);
  assert.equal(hit.fallback, false);
  const certain = await r.classify(ask('cheap flights', conversation));
  assert.equal(certain.fallback, false);
  assert.equal(fake.requests.length, 1);
  assert.deepEqual(refusals, []);
});

test('an open breaker’s fallbacks do not spend the budget', async () => {
  fake.respondWith(() => ({ status: 500, body: { error: { message: 'down' } } }));
  const r = new IntentRouter({
    mode: 'auto',
    timeoutMs: 2_000,
    local,
    openai: new OpenAiIntentClassifier({ apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 0 }),
    breaker: new CircuitBreaker({ failureThreshold: 1, coolDownMs: 60_000, now: () => clock }),
    cache: new IntentCache(),
    budget: new LlmBudget({ ...UNLIMITED, perMinute: 2 }, { now: () => clock }),
  });
  await r.classify(ask('is it sunny')); // fails, opens the breaker: one call spent
  for (const text of ['a', 'b', 'c']) {
    assert.equal((await r.classify(ask(text))).fallbackFrom?.code, 'PROVIDER_UNAVAILABLE');
  }
  clock += 60_000; // the breaker is half-open; a new minute
  fake.respondWith(() => answer('weather', 0.9));
  assert.equal((await r.classify(ask('is it foggy'))).provider, 'openai');
  assert.equal((await r.classify(ask('is it misty'))).provider, 'openai');
  assert.equal((await r.classify(ask('is it dark'))).fallbackFrom?.code, 'PROVIDER_BUDGET_EXCEEDED');
  assert.equal(fake.requests.length, 3);
});
