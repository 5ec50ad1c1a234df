/**
 * The built-in travel flow understood by the offline classifier, end to end: a real server on an
 * ephemeral port with the default flow installed, INTENT_PROVIDER=local (no network), and a real
 * WebSocket client. The messages are none of the flow's examples.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_FLOW_PATH } from '../../src/default-flow.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { ChatClient, texts } from '../support/ws-client.ts';

const ANSWERS = {
  weather: 'Sunny, 24 °C.',
  travel: 'Lisbon from 89 €.',
  restaurants: 'Try Tasca do Chico.',
};
const SORRY = (t: string) => `Sorry, I did not understand "${t}". Could you rephrase?`;

describe('the built-in travel flow, offline', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ defaultFlowPath: DEFAULT_FLOW_PATH, env: { INTENT_PROVIDER: 'local' } });
  });
  after(() => server.stop());

  test('paraphrases and typos reach their intent, and keyboard noise is a no-match', async () => {
    const client = await ChatClient.connect(server.url);
    await client.nth('waiting');
    const said: [string, string][] = [
      ['is it going to rain in Paris', ANSWERS.weather],
      ['any cheap flights to Rome?', ANSWERS.travel],
      ['where should we eat tonight', ANSWERS.restaurants],
      ['asdf qwerty zxcv', SORRY('asdf qwerty zxcv')],
      // Typos: read as the flow's own words.
      ['is it going to rian', ANSWERS.weather],
      ['recomend a resturant', ANSWERS.restaurants],
    ];
    for (const [text, expected] of said) assert.deepEqual(texts(await client.say(text)), [expected], text);
    client.close();
  });
});
