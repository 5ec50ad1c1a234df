/**
 * Conversation tests stored with flow versions, through the real server on SQLite and on PostgreSQL:
 * upload (checked against the current flow, run, stored even when a conversation fails), read back byte
 * for byte, in effect for later versions until their own are stored, run again by POST /api/flow/validate.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { flowTestsText, flowText } from '../support/flow-texts.ts';
import { weatherTravelFlow } from '../support/flows.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const flow = (name: string) => JSON.stringify(weatherTravelFlow(name));

/** Hand-formatted, with a non-ASCII text: the server must keep it byte for byte. */
const TESTS = `{
  "formatVersion": 1,
  "conversations": [
    { "name": "weather",
      "steps": [ { "user": "will it rain tomorrow", "intent": "weather", "bot": ["Sunny, 24 °C."], "at": "ask" } ] },
    { "name": "pinned travel",
      "steps": [ { "user": "anything", "intent": "travel", "pinned": true, "bot": ["Lisbon from 89 €."] } ] }
  ]
}
`;

/** The same conversations, the second expecting a reply the flow does not give. */
const FAILING_TESTS = TESTS.replace('"Lisbon from 89 €."', '"Rome from 49 €."');

const TESTS_VERSION = 'x-chatflow-tests-version';

function problemPaths(response: { json: { error: { details: { path: string }[] } } }): string[] {
  return response.json.error.details.map((detail) => detail.path);
}

const STORES: {
  name: string;
  env: () => Promise<{ env: Record<string, string>; drop?: () => Promise<void> }>;
}[] = [
  { name: 'SQLite', env: async () => ({ env: {} }) },
  {
    name: 'PostgreSQL',
    env: async () => {
      const database: TestDatabase = await createTestDatabase();
      return { env: { DATABASE_URL: database.url }, drop: () => database.drop() };
    },
  },
];

for (const store of STORES) {
  describe(`conversation tests stored with flow versions (${store.name})`, () => {
    let server: TestServer;
    let drop: (() => Promise<void>) | undefined;

    before(async () => {
      const { env, drop: dropDatabase } = await store.env();
      drop = dropDatabase;
      server = await startTestServer({ env });
    });
    after(async () => {
      await server?.stop();
      await drop?.();
    });

    test('without a flow there are no tests to store or read', async () => {
      const put = await server.api.put('/api/flow/tests', TESTS);
      assert.equal(put.status, 404);
      assert.equal(put.json.error.code, 'NOT_FOUND');
      assert.match(put.json.error.message, /no flow/);
      const get = await server.api.get('/api/flow/tests');
      assert.equal(get.status, 404);
      assert.equal(get.json.error.code, 'NOT_FOUND');
    });

    test('an upload is run against the current flow and stored even when a conversation fails', async () => {
      assert.equal((await server.api.put('/api/flow', flow('v1'))).status, 201);
      assert.equal((await server.api.get('/api/flow/tests')).status, 404, 'none stored yet');

      const failing = await server.api.put('/api/flow/tests', FAILING_TESTS);
      assert.equal(failing.status, 201);
      assert.equal(failing.headers.get(TESTS_VERSION), '1');
      assert.deepEqual(failing.json, {
        flowVersion: 1,
        conversations: 2,
        run: {
          passed: 1,
          failed: 1,
          failures: [
            {
              conversation: 'pinned travel',
              path: '/conversations/1',
              firstDivergence: 0,
              mismatches: [
                {
                  path: '/conversations/1/steps/0/bot/0',
                  expected: '"Rome from 49 €."',
                  actual: '"Lisbon from 89 €."',
                },
              ],
            },
          ],
        },
      });
      assert.equal((await server.api.get('/api/flow/tests')).text, FAILING_TESTS);

      const passing = await server.api.put('/api/flow/tests', TESTS);
      assert.equal(passing.status, 201);
      assert.deepEqual(passing.json.run, { passed: 2, failed: 0, failures: [] });
      const got = await server.api.get('/api/flow/tests');
      assert.equal(got.status, 200);
      assert.equal(got.text, TESTS, 'the uploaded bytes of the newest upload, not a re-serialisation');
      assert.equal(got.headers.get(TESTS_VERSION), '1');
      assert.match(got.headers.get('content-type') ?? '', /^application\/json/);
    });

    test('a new version is checked by the earlier tests until its own are stored; a rollback sees its own', async () => {
      assert.equal((await server.api.put('/api/flow', flow('v2'))).status, 201);
      const inherited = await server.api.get('/api/flow/tests');
      assert.equal(inherited.text, TESTS);
      assert.equal(inherited.headers.get(TESTS_VERSION), '1', 'stored for version 1');
      assert.equal((await server.api.get('/api/flow/versions/2/tests')).headers.get(TESTS_VERSION), '1');

      const own = TESTS.replace('"weather",', '"weather again",');
      const put = await server.api.put('/api/flow/tests', own);
      assert.equal(put.status, 201);
      assert.equal(put.json.flowVersion, 2);
      const current = await server.api.get('/api/flow/tests');
      assert.equal(current.text, own);
      assert.equal(current.headers.get(TESTS_VERSION), '2');
      const second = await server.api.get('/api/flow/versions/2/tests');
      assert.equal(second.text, own);
      const first = await server.api.get('/api/flow/versions/1/tests');
      assert.equal(first.text, TESTS);
      assert.equal(first.headers.get(TESTS_VERSION), '1');

      assert.equal((await server.api.post('/api/flow/versions/1/activate')).status, 200);
      const rolledBack = await server.api.get('/api/flow/tests');
      assert.equal(rolledBack.text, TESTS);
      assert.equal(rolledBack.headers.get(TESTS_VERSION), '1');
      assert.equal((await server.api.post('/api/flow/versions/2/activate')).status, 200);
    });

    test('tests of a version that does not exist are 404, a malformed version 400', async () => {
      const missing = await server.api.get('/api/flow/versions/99/tests');
      assert.equal(missing.status, 404);
      assert.match(missing.json.error.message, /flow version 99 does not exist/);
      for (const bad of ['abc', '0', '1.5']) {
        const response = await server.api.get(`/api/flow/versions/${bad}/tests`);
        assert.equal(response.status, 400, bad);
        assert.equal(response.json.error.code, 'BAD_REQUEST');
      }
    });

    test('a bad test file is 400 INVALID_TESTS with every problem located, and nothing is stored', async () => {
      const before = await server.api.get('/api/flow/tests');
      const unknownField = await server.api.put(
        '/api/flow/tests',
        JSON.stringify({ formatVersion: 1, conversations: [{ name: 'a', steps: [{ usr: 'hi' }] }] }),
      );
      const afterEnd = await server.api.put(
        '/api/flow/tests',
        JSON.stringify({
          formatVersion: 1,
          conversations: [{ name: 'a', steps: [{ user: 'hi', ended: true }, { user: 'again' }] }],
        }),
      );
      const unknownIds = await server.api.put(
        '/api/flow/tests',
        JSON.stringify({
          formatVersion: 1,
          conversations: [
            { name: 'a', steps: [{ user: 'hi', intent: ['weather', 'wether'], at: 'nowhere' }] },
          ],
        }),
      );
      for (const refused of [unknownField, afterEnd, unknownIds]) {
        assert.equal(refused.status, 400, refused.text);
        assert.equal(refused.json.error.code, 'INVALID_TESTS');
      }
      assert.deepEqual(problemPaths(unknownField), ['/conversations/0/steps/0/usr']);
      assert.deepEqual(problemPaths(afterEnd), ['/conversations/0/steps/1']);
      assert.deepEqual(problemPaths(unknownIds), [
        '/conversations/0/steps/0/at',
        '/conversations/0/steps/0/intent/1',
      ]);
      const notJson = await server.api.put('/api/flow/tests', '{"formatVersion": 1,');
      assert.equal(notJson.json.error.code, 'INVALID_JSON');
      const now = await server.api.get('/api/flow/tests');
      assert.equal(now.text, before.text);
      assert.equal(now.headers.get(TESTS_VERSION), before.headers.get(TESTS_VERSION));
    });

    test('a test file over 1 MiB is 413, under MAX_BODY_BYTES or not', async () => {
      const padding = ' '.repeat(1024 * 1024);
      const response = await server.api.put('/api/flow/tests', `${TESTS}${padding}`);
      assert.equal(response.status, 413);
      assert.equal(response.json.error.code, 'PAYLOAD_TOO_LARGE');
      assert.equal(
        (await server.api.get('/api/flow/tests')).text,
        TESTS.replace('"weather",', '"weather again",'),
      );
    });

    test('If-Match stores the tests only if that version is current', async () => {
      const stale = await server.api.put('/api/flow/tests', TESTS, { headers: { 'If-Match': '"1"' } });
      assert.equal(stale.status, 412);
      assert.equal(stale.json.error.code, 'VERSION_CONFLICT');
      assert.match(stale.json.error.message, /is 2/);
      const guarded = await server.api.put('/api/flow/tests', TESTS, { headers: { 'If-Match': '"2"' } });
      assert.equal(guarded.status, 201);
      assert.equal((await server.api.get('/api/flow/tests')).text, TESTS);
      const malformed = await server.api.put('/api/flow/tests', TESTS, { headers: { 'If-Match': '2' } });
      assert.equal(malformed.status, 400);
    });

    test('validate runs the stored tests against the posted flow and reports what it breaks', async () => {
      const keeps = await server.api.post('/api/flow/validate', flow('renamed'));
      assert.equal(keeps.status, 200);
      assert.deepEqual(keeps.json.tests, { flowVersion: 2, passed: 2, failed: 0, failures: [] });
      assert.equal(keeps.json.valid, true);

      const changed = weatherTravelFlow('changed');
      (changed.blocks[2] as { text: string }).text = 'Rain all week.';
      const breaks = await server.api.post('/api/flow/validate', JSON.stringify(changed));
      assert.equal(breaks.json.valid, true, 'the flow itself is fine');
      assert.deepEqual(breaks.json.tests, {
        flowVersion: 2,
        passed: 1,
        failed: 1,
        failures: [
          {
            conversation: 'weather',
            path: '/conversations/0',
            firstDivergence: 0,
            mismatches: [
              {
                path: '/conversations/0/steps/0/bot/0',
                expected: '"Sunny, 24 °C."',
                actual: '"Rain all week."',
              },
            ],
          },
        ],
      });

      const withoutTravel = weatherTravelFlow('no travel');
      (withoutTravel.blocks[1] as { intents: unknown[] }).intents.pop();
      withoutTravel.blocks.splice(3, 1);
      const lacking = await server.api.post('/api/flow/validate', JSON.stringify(withoutTravel));
      assert.equal(lacking.status, 200);
      assert.deepEqual(lacking.json.tests.failures, [
        {
          conversation: 'pinned travel',
          path: '/conversations/1',
          firstDivergence: 0,
          mismatches: [
            {
              path: '/conversations/1/steps/0/intent',
              expected: '"travel"',
              actual: 'no intent block of the flow has an intent "travel"',
            },
          ],
        },
      ]);

      const invalid = await server.api.post('/api/flow/validate', '{"formatVersion":1}');
      assert.equal(invalid.json.valid, false);
      assert.equal('tests' in invalid.json, false, 'an invalid flow runs no tests');
    });

    test('uploads are audited with the version the tests were stored for', async () => {
      const entries = (await server.api.get('/api/audit?limit=200')).json.entries as {
        action: string;
        route: string;
        target: string;
      }[];
      assert.deepEqual(
        entries.filter((e) => e.action === 'flow.tests.upload').map((e) => [e.route, e.target]),
        [
          ['PUT /api/flow/tests', '2'],
          ['PUT /api/flow/tests', '2'],
          ['PUT /api/flow/tests', '1'],
          ['PUT /api/flow/tests', '1'],
        ],
      );
    });
  });
}

describe('tests of a flow without stored tests, and files with a byte-order mark', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test('no `tests` field when no tests are in effect', async () => {
    assert.equal((await server.api.put('/api/flow', flowText())).status, 201);
    const report = await server.api.post('/api/flow/validate', flowText());
    assert.deepEqual(report.json, { valid: true, errors: [], warnings: [] });
  });

  test('a leading byte-order mark is kept in storage and read past when the tests run', async () => {
    assert.equal((await server.api.put('/api/flow', `\uFEFF${flowText('bom')}`)).status, 201);
    const tests = `\uFEFF${flowTestsText()}`;
    const put = await server.api.put('/api/flow/tests', tests);
    assert.equal(put.status, 201, put.text);
    assert.deepEqual(put.json.run, { passed: 1, failed: 0, failures: [] });
    // Read as bytes: decoding text would drop the mark.
    const got = await fetch(`${server.api.url}/api/flow/tests`, {
      headers: { Authorization: `Bearer ${server.api.token}` },
    });
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), Buffer.from(tests));
    const report = await server.api.post('/api/flow/validate', flowText());
    assert.deepEqual(report.json.tests, { flowVersion: 2, passed: 1, failed: 0, failures: [] });
  });
});
