/**
 * What /api answers reveal beyond their body: no cache may keep them, no browser may sniff them, and an
 * INVALID_JSON error says where the body went wrong without quoting it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { jsonErrorOffset, positionOf } from '../../src/http/json-syntax.ts';
import { flowText } from '../support/flow-texts.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('/api response headers and INVALID_JSON', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test('every /api answer is no-store and nosniff: success, error and unknown route', async () => {
    const uploaded = await server.api.put('/api/flow', flowText('Headers'));
    assert.equal(uploaded.status, 201);
    const answers = [
      uploaded,
      await server.api.get('/api/flow'),
      await server.api.get('/api/flow/versions'),
      await server.api.get('/api/conversations'),
      await server.api.get('/api/flow', { token: null }),
      await server.api.get('/api/no-such-route'),
    ];
    for (const answer of answers) {
      assert.equal(answer.headers.get('cache-control'), 'no-store', `${answer.status} ${answer.text}`);
      assert.equal(answer.headers.get('x-content-type-options'), 'nosniff', `${answer.status}`);
    }
  });

  test('INVALID_JSON gives line and column, never the text of the body', async () => {
    // V8's own message quotes the start of the body: "Unexpected token 's', \"secret words\" is not valid JSON".
    const words = await server.api.put('/api/flow', 'secret words');
    assert.doesNotMatch(words.text, /secret/);
    assert.match(words.json.error.message, /line 1, column 1 \(offset 0\)/);

    const secret = 'hunter2-do-not-echo';
    const body = `{\n  "password": "${secret}" oops\n}`;
    const response = await server.api.put('/api/flow', body);
    assert.equal(response.status, 400);
    assert.equal(response.json.error.code, 'INVALID_JSON');
    assert.doesNotMatch(response.text, /hunter2|password|oops/);
    assert.match(response.json.error.message, /line 2, column 37 \(offset 38\)/);

    const early = await server.api.put('/api/flow', '{"a": [1, 2');
    assert.match(early.json.error.message, /ends early at line 1, column 12 \(offset 11\)/);
  });
});

describe('jsonErrorOffset', () => {
  const v8Offset = (text: string): number | null => {
    try {
      JSON.parse(text);
      return -1;
    } catch (err) {
      const match = /at position (\d+)/.exec((err as Error).message);
      return match ? Number(match[1]) : null;
    }
  };

  test('agrees with JSON.parse on what is JSON, and with its position whenever it gives one', () => {
    const nearJson = fc.oneof(
      fc.json().map((text) => text),
      fc
        .json()
        .chain((text) =>
          fc
            .tuple(
              fc.nat(text.length),
              fc.constantFrom('', ',', '}', ']', '"', ':', 'x', '\\', '\n', '1', ' '),
            )
            .map(([at, insert]) => text.slice(0, at) + insert + text.slice(at + 1)),
        ),
      fc.string(),
    );
    fc.assert(
      fc.property(nearJson, (text) => {
        const ours = jsonErrorOffset(text);
        const theirs = v8Offset(text);
        if (theirs === -1) assert.equal(ours, -1, text);
        else assert.notEqual(ours, -1, text);
        if (theirs !== null && theirs >= 0) assert.equal(ours, theirs, text);
      }),
      { numRuns: 3000 },
    );
  });

  test('deep nesting does not overflow the stack', () => {
    const deep = `${'['.repeat(200_000)}x`;
    assert.equal(jsonErrorOffset(deep), 200_000);
    assert.equal(jsonErrorOffset(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), -1);
  });

  test('positionOf counts lines and columns from 1', () => {
    assert.deepEqual(positionOf('ab\ncd', 4), { offset: 4, line: 2, column: 2 });
    assert.deepEqual(positionOf('x', 0), { offset: 0, line: 1, column: 1 });
  });
});
