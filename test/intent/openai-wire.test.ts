/**
 * Chatflow talks to OpenAI over its own keep-alive pool (src/intent/openai-http.ts), not the openai SDK.
 * This proves the wire format did not drift: the official SDK and Chatflow's classifier send one
 * classification each to the same fake server, and the two requests must match.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import type { ClassifyRequest } from '../../src/engine/index.ts';
import { OpenAiIntentClassifier } from '../../src/intent/openai.ts';
import { buildChatRequest } from '../../src/intent/openai-prompt.ts';
import { answer, FakeOpenAi } from '../support/fake-openai.ts';

const request: ClassifyRequest = {
  flowVersion: 1,
  blockId: 'route',
  text: 'Will it rain in Lisbon? "quotes" and \u00e9 accents',
  intents: [
    { id: 'weather', description: 'Give me the weather', examples: ['will it rain tomorrow'] },
    { id: 'travel', description: 'Give me travel offers', examples: [] },
  ],
};

let fake: FakeOpenAi;
before(async () => {
  fake = await FakeOpenAi.start();
});
after(() => fake.close());

test("Chatflow's request is the one the official openai SDK sends for the same call", async () => {
  fake.reply(answer('weather', 0.9), answer('weather', 0.9));
  const sdk = new OpenAI({ apiKey: 'sk-wire', baseURL: fake.baseURL, maxRetries: 0 });
  await sdk.chat.completions.create(buildChatRequest('wire-model', request));
  const ours = new OpenAiIntentClassifier({ apiKey: 'sk-wire', baseURL: fake.baseURL, model: 'wire-model' });
  const result = await ours.classify(request);
  assert.equal(result.kind === 'match' && result.intent, 'weather');

  const [bySdk, byUs] = fake.requests;
  assert.ok(bySdk && byUs);
  assert.equal(byUs.method, bySdk.method);
  assert.equal(byUs.path, bySdk.path);
  assert.deepEqual(byUs.body, bySdk.body);
  for (const header of ['authorization', 'content-type', 'accept']) {
    assert.equal(byUs.headers[header], bySdk.headers[header], header);
  }
});
