/**
 * How many LLM calls a flood of unique texts causes: N sockets (each its own conversation, all from one
 * address, or each from its own forwarded address) send unique texts for D seconds to the real server in
 * `auto` mode; the fake OpenAI server counts the requests it gets. Run once with the budget off and once
 * with the defaults:
 *
 *   node bench/llm-budget-flood.ts [sockets=100] [seconds=6] [--no-budget] [--spread-addresses]
 */
import { answer, FakeOpenAi } from '../test/support/fake-openai.ts';
import { weatherTravelFlow } from '../test/support/flows.ts';
import { startTestServer } from '../test/support/server.ts';
import { ChatClient } from '../test/support/ws-client.ts';

const args = process.argv.slice(2);
const numbers = args.filter((arg) => /^\d+$/.test(arg)).map(Number);
const sockets = numbers[0] ?? 100;
const seconds = numbers[1] ?? 6;
const noBudget = args.includes('--no-budget');
const spread = args.includes('--spread-addresses');

const fake = await FakeOpenAi.start();
fake.respondWith(() => answer('weather', 0.9));
const off = { LLM_BUDGET_PER_CONVERSATION: '0', LLM_BUDGET_PER_ADDRESS_PER_HOUR: '0' };
const server = await startTestServer({
  env: {
    INTENT_PROVIDER: 'auto',
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: fake.baseURL,
    TRUST_PROXY: '1',
    ...(noBudget ? { ...off, LLM_BUDGET_PER_MINUTE: '0', LLM_BUDGET_PER_DAY: '0' } : {}),
  },
});
await server.api.put('/api/flow', JSON.stringify(weatherTravelFlow('Flood')));

const clients = await Promise.all(
  Array.from({ length: sockets }, (_, i) =>
    ChatClient.connect(
      server.url,
      '',
      spread ? { headers: { 'X-Forwarded-For': `10.1.${i >> 8}.${i & 255}` } } : {},
    ),
  ),
);
await Promise.all(clients.map((client) => client.nth('waiting')));

const started = performance.now();
let sent = 0;
let answered = 0;
await Promise.all(
  clients.map(async (client, i) => {
    for (let n = 0; performance.now() - started < seconds * 1_000; n++) {
      sent += 1;
      const frames = await client.say(`unique text ${i} ${n} ${Math.random()}`).catch(() => []);
      if (frames.some((frame) => frame.type === 'message')) answered += 1;
    }
  }),
);
const elapsed = (performance.now() - started) / 1_000;
const metrics = await (await fetch(`${server.url}/metrics`)).text();
const refused = [...metrics.matchAll(/^chatflow_llm_budget_exceeded_total\{ceiling="(\w+)"\} (\d+)$/gm)]
  .map((match) => `${match[1]}=${match[2]}`)
  .join(' ');
console.log(
  JSON.stringify({
    sockets,
    seconds: Number(elapsed.toFixed(1)),
    budget: noBudget ? 'off' : 'defaults',
    addresses: spread ? sockets : 1,
    messages: sent,
    answered,
    llmRequests: fake.requests.length,
    llmCalls: Number(/^chatflow_llm_calls_total (\d+)$/m.exec(metrics)?.[1]),
    llmRetries: Number(/^chatflow_llm_retries_total (\d+)$/m.exec(metrics)?.[1]),
    refused,
  }),
);
for (const client of clients) client.close();
await server.stop();
await fake.close();
