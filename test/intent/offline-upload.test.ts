/**
 * Through the real HTTP API: a flow whose offline intent models cannot all be in memory at once
 * (INTENT_MODEL_CACHE_MB, here 1 MB) is refused before it is stored, by PUT /api/flow and by
 * POST /api/flow/validate; a flow that fits is accepted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withTestServer } from '../support/server.ts';

/** A distinct word per number (digits would all read as 0 to the classifier). */
function word(n: number): string {
  let text = '';
  for (let rest = n; text === '' || rest > 0; rest = Math.floor(rest / 26)) {
    text = String.fromCharCode(97 + (rest % 26)) + text;
  }
  return text;
}

function intentBlock(id: string, intents: number, examples: number, next: string) {
  return {
    id,
    type: 'intent',
    intents: Array.from({ length: intents }, (_, i) => ({
      id: `topic_${i}`,
      description: `questions about ${word(i)}`,
      examples: Array.from(
        { length: examples },
        (_, j) => `example about ${word(i)} with ${word(1000 + i * examples + j)}`,
      ),
      next,
    })),
    noMatch: 'ask',
  };
}

function flowWith(blocks: Record<string, unknown>[]): string {
  return JSON.stringify({
    formatVersion: 1,
    name: 'Intent memory',
    start: 'ask',
    blocks: [
      { id: 'ask', type: 'wait', saveAs: 'text', next: blocks[0]?.id },
      ...blocks,
      { id: 'done', type: 'end', text: 'Done.' },
    ],
  });
}

const SMALL = flowWith([intentBlock('route', 3, 4, 'done')]);
// Each block alone fits in 1 MB; the two together do not.
const LARGE = flowWith([intentBlock('first', 50, 5, 'second'), intentBlock('second', 50, 5, 'done')]);

test('a flow whose intent models do not fit INTENT_MODEL_CACHE_MB is refused with 413 and not stored', async () => {
  await withTestServer({ env: { INTENT_MODEL_CACHE_MB: '1' } }, async ({ api }) => {
    const accepted = await api.put('/api/flow', SMALL);
    assert.equal(accepted.status, 201, accepted.text);

    const refused = await api.put('/api/flow', LARGE);
    assert.equal(refused.status, 413, refused.text);
    assert.equal(refused.json.error.code, 'INTENT_MODELS_TOO_LARGE');
    assert.match(refused.json.error.message, /more than INTENT_MODEL_CACHE_MB allows \(1\.0 MB\)/);
    assert.deepEqual(
      refused.json.error.details.map((detail: { path: string }) => detail.path).sort(),
      ['/blocks/1', '/blocks/2'],
      'each intent block and its share',
    );
    const versions = await api.get('/api/flow/versions');
    assert.equal(versions.json.current, accepted.json.version, 'nothing was stored');
    assert.equal(versions.json.versions.length, 1);

    const validated = await api.post('/api/flow/validate', LARGE);
    assert.equal(validated.status, 200);
    assert.equal(validated.json.valid, false);
    assert.match(
      validated.json.errors[0].message,
      /intent block "(first|second)" \(50 intents\): model up to/,
    );
  });
});

test('the same flow is accepted under the default budget', async () => {
  await withTestServer({}, async ({ api }) => {
    const response = await api.put('/api/flow', LARGE);
    assert.equal(response.status, 201, response.text);
  });
});
