/** Intent settings from the environment, and the stack built from them (talking to the fake server). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import type { Classification, ClassifyRequest } from '../../src/engine/index.ts';
import { OPENAI_DEFAULTS } from '../../src/intent/defaults.ts';
import {
  createIntentRouter,
  describeIntentSettings,
  type IntentSettings,
  intentSettingsOf,
} from '../../src/intent/router-factory.ts';
import { answer, FakeOpenAi } from '../support/fake-openai.ts';

function settingsOf(env: Record<string, string>): IntentSettings {
  return intentSettingsOf(loadConfig(env)).settings;
}

test('defaults: auto, the documented timeout, no OpenAI without a key', () => {
  assert.deepEqual(intentSettingsOf(loadConfig({})), {
    settings: { provider: 'auto', timeoutMs: 8_000 },
    warnings: [],
  });
});

test('a key brings the OpenAI settings, with the default model unless OPENAI_MODEL is set', () => {
  assert.deepEqual(settingsOf({ OPENAI_API_KEY: 'sk-x' }).openai, {
    apiKey: 'sk-x',
    model: OPENAI_DEFAULTS.model,
  });
  assert.deepEqual(
    settingsOf({
      OPENAI_API_KEY: 'sk-x',
      OPENAI_MODEL: 'llama3.2',
      OPENAI_BASE_URL: 'http://localhost:11434/v1',
    }).openai,
    { apiKey: 'sk-x', model: 'llama3.2', baseURL: 'http://localhost:11434/v1' },
  );
});

test('invalid values are configuration errors naming the variable, never echoing a value', () => {
  assert.throws(
    () =>
      loadConfig({ INTENT_PROVIDER: 'gpt', INTENT_TIMEOUT_MS: '10', OPENAI_BASE_URL: 'not a url sk-secret' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.problems.map((p) => p.variable).sort(), [
        'INTENT_PROVIDER',
        'INTENT_TIMEOUT_MS',
        'OPENAI_BASE_URL',
      ]);
      assert.ok(!err.message.includes('sk-secret'));
      return true;
    },
  );
});

test('INTENT_PROVIDER=openai without a key, or a base URL without a key, are startup warnings', () => {
  const { warnings } = intentSettingsOf(
    loadConfig({ INTENT_PROVIDER: 'openai', OPENAI_BASE_URL: 'http://localhost:1/v1' }),
  );
  assert.equal(warnings.length, 2);
  assert.match(warnings[0] ?? '', /OPENAI_API_KEY is not set.*PROVIDER_UNAVAILABLE/);
});

test('the startup summary says whether a key is set, never the key or URL credentials', () => {
  const summary = describeIntentSettings(
    settingsOf({ OPENAI_API_KEY: 'sk-very-secret', OPENAI_BASE_URL: 'https://user:pw@llm.example.com/v1' }),
  );
  assert.deepEqual(summary, {
    intentProvider: 'auto',
    effectiveProvider: 'openai',
    intentTimeoutMs: 8_000,
    openaiApiKey: 'set',
    openaiBaseUrl: 'https://llm.example.com/v1',
    openaiModel: OPENAI_DEFAULTS.model,
  });
  assert.equal(describeIntentSettings(settingsOf({})).effectiveProvider, 'local');
});

let fake: FakeOpenAi;
before(async () => {
  fake = await FakeOpenAi.start();
});
after(() => fake.close());

const local = {
  async classify(): Promise<Classification> {
    return {
      kind: 'no_match',
      confidence: 1,
      provider: 'local',
      latencyMs: 0,
      cached: false,
      fallback: false,
    };
  },
};
const ask: ClassifyRequest = {
  flowVersion: 1,
  blockId: 'route',
  text: 'rain?',
  intents: [{ id: 'weather', description: 'the weather', examples: [] }],
};

test('the stack built from OPENAI_* settings calls that server with that model', async () => {
  fake.reply(answer('weather', 0.9));
  const settings = settingsOf({
    OPENAI_API_KEY: 'sk-x',
    OPENAI_BASE_URL: fake.baseURL,
    OPENAI_MODEL: 'my-model',
  });
  const result = await createIntentRouter(settings, { local }).classify(ask);
  assert.equal(result.provider, 'openai');
  assert.equal(fake.requests.at(-1)?.body.model, 'my-model');
});

test('the stack built without a key answers locally and never calls out', async () => {
  const before = fake.requests.length;
  const result = await createIntentRouter(settingsOf({}), { local }).classify(ask);
  assert.equal(result.provider, 'local');
  assert.equal(fake.requests.length, before);
});
