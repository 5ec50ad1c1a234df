/**
 * GET /metrics over real HTTP, after a real WebSocket conversation whose intents go to the fake OpenAI
 * server through the real SDK: the counters and histograms moved by what happened.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { answer, classifiedText, FakeOpenAi } from '../support/fake-openai.ts';
import { examplePath } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { ChatClient } from '../support/ws-client.ts';

/** `name{labels} value` lines → value by series (`name` or `name{a="b"}`, as printed). */
function parseExposition(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    series.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return series;
}

async function scrape(server: TestServer, token?: string) {
  const response = await fetch(`${server.url}/metrics`, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
  const text = await response.text();
  return { response, text, series: parseExposition(text) };
}

describe('GET /metrics', () => {
  let fake: FakeOpenAi;
  let server: TestServer;
  before(async () => {
    fake = await FakeOpenAi.start();
    fake.respondWith((request) => {
      const text = classifiedText(request).toLowerCase();
      if (text.includes('explode')) return { status: 400, body: { error: { message: 'bad request' } } };
      return text.includes('rain') ? answer('weather', 0.9) : answer('(no match)', 0.2);
    });
    server = await startTestServer({
      defaultFlowPath: examplePath('travel').pathname,
      env: {
        INTENT_PROVIDER: 'openai',
        OPENAI_API_KEY: 'sk-test',
        OPENAI_BASE_URL: fake.baseURL,
        WS_RATE_PER_SEC: '0',
      },
    });
  });
  after(async () => {
    await server.stop();
    await fake.close();
  });

  test('starts at zero, in the Prometheus text format', async () => {
    const { response, text, series } = await scrape(server);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(text, /# TYPE chatflow_turns_total counter/);
    assert.match(text, /# TYPE chatflow_turn_duration_seconds histogram/);
    assert.equal(series.get('chatflow_websocket_connections'), 0);
    assert.equal(series.get('chatflow_llm_calls_total'), 0);
    assert.ok(series.has('nodejs_eventloop_lag_p99_seconds'), 'event-loop delay is exported');
  });

  test('a real conversation moves the counters', async () => {
    const client = await ChatClient.connect(server.url);
    await client.nth('waiting');
    await client.say('will it rain tomorrow?'); // LLM call: match
    // The same text after the same welcome, in a second conversation: the answer cache. (In the first
    // conversation it would come after other messages, which the LLM is shown: another question.)
    const second = await ChatClient.connect(server.url);
    await second.nth('waiting');
    await second.say('will it rain tomorrow?');
    await client.say('please explode'); // the LLM refuses the request: an error
    const { series } = await scrape(server);
    client.close();
    second.close();

    assert.equal(series.get('chatflow_websocket_connections'), 2);
    assert.equal(series.get('chatflow_turns_total{kind="start"}'), 2);
    assert.equal(series.get('chatflow_turns_total{kind="user_message"}'), 3);
    assert.equal(series.get('chatflow_turn_duration_seconds_count{kind="user_message"}'), 3);
    assert.equal(series.get('chatflow_llm_calls_total'), 2);
    assert.equal(series.get('chatflow_llm_cache_hits_total'), 1);
    assert.equal(series.get('chatflow_llm_errors_total'), 1);
    assert.equal(series.get('chatflow_intent_classifications_total'), 3);
    assert.equal(series.get('chatflow_intent_duration_seconds_count{provider="openai",outcome="match"}'), 2);
    assert.equal(series.get('chatflow_intent_duration_seconds_count{provider="openai",outcome="error"}'), 1);
    // Two conversations created (each with the welcome), then two writes per intent turn: up to the
    // classification (before "typing" is shown), and its outcome.
    assert.equal(series.get('chatflow_store_write_duration_seconds_count{operation="create"}'), 2);
    assert.equal(series.get('chatflow_store_write_duration_seconds_count{operation="append"}'), 6);
    assert.ok((series.get('chatflow_store_write_duration_seconds_sum{operation="append"}') ?? 0) > 0);
  });

  test('GET /metrics is documented in the OpenAPI document', async () => {
    const response = await fetch(`${server.url}/openapi.json`);
    const document = (await response.json()) as { paths: Record<string, unknown> };
    assert.ok(document.paths['/metrics']);
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { METRICS_TOKEN: 'scrape-me-0123' } });
  });
  after(() => server.stop());

  test('needs the bearer token: 401 without it or with another one, 200 with it', async () => {
    const missing = await scrape(server);
    assert.equal(missing.response.status, 401);
    assert.equal(JSON.parse(missing.text).error.code, 'UNAUTHORIZED');
    assert.equal((await scrape(server, 'wrong-token')).response.status, 401);
    assert.equal(
      (await scrape(server, 'test-admin-token-0123456789')).response.status,
      401,
      'not the admin token',
    );
    const allowed = await scrape(server, 'scrape-me-0123');
    assert.equal(allowed.response.status, 200);
    assert.match(allowed.text, /chatflow_turns_total/);
  });
});
