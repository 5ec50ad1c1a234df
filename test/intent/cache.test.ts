import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Classification, ClassifyRequest } from '../../src/engine/index.ts';
import { cacheKeyText, IntentCache } from '../../src/intent/cache.ts';

const intents = [{ id: 'weather', description: 'the weather', examples: [] }];
const request = (text: string, flowVersion = 1, blockId = 'route'): ClassifyRequest => ({
  flowVersion,
  blockId,
  text,
  intents,
});
const match: Classification = {
  kind: 'match',
  intent: 'weather',
  confidence: 0.9,
  defaultMinConfidence: 0.5,
  provider: 'openai',
  latencyMs: 420,
  cached: false,
  fallback: false,
};

test('normalisation ignores case, Unicode form and runs of white space', () => {
  assert.equal(cacheKeyText('  Will IT\t rain\n TOMORROW  '), 'will it rain tomorrow');
  assert.equal(cacheKeyText('ｃａｆé'), cacheKeyText('cafe\u0301'));
});

test('a hit returns the stored answer marked cached, with the lookup latency', () => {
  const cache = new IntentCache();
  cache.set(request('Will it rain?'), match);
  assert.deepEqual(cache.get(request('  will it RAIN? '), 1), { ...match, cached: true, latencyMs: 1 });
});

test('the key includes the flow version and the block', () => {
  const cache = new IntentCache();
  cache.set(request('will it rain?'), match);
  assert.equal(cache.get(request('will it rain?', 2)), undefined);
  assert.equal(cache.get(request('will it rain?', 1, 'other')), undefined);
});

test('the key includes what the provider saw with the text: the conversation and the quick replies', () => {
  const cache = new IntentCache();
  const afterBooking: ClassifyRequest = {
    ...request('yes'),
    context: [{ from: 'bot', text: 'Shall I book it?' }],
    quickReplies: ['Yes', 'No'],
  };
  cache.set(afterBooking, match);
  assert.equal(cache.get({ ...afterBooking, context: [{ from: 'bot', text: 'Cancel it?' }] }), undefined);
  assert.equal(cache.get({ ...afterBooking, quickReplies: [] }), undefined);
  assert.equal(cache.get(request('yes')), undefined);
  const sameQuestion = { ...afterBooking, context: [{ from: 'bot' as const, text: 'shall I  book it?' }] };
  assert.equal(cache.get(sameQuestion)?.cached, true, 'normalised like the text');
});

test('errors and fallback answers are never stored', () => {
  const cache = new IntentCache();
  const error: Classification = { ...match, kind: 'error', code: 'PROVIDER_TIMEOUT', message: 'late' };
  cache.set(request('a'), error);
  cache.set(request('b'), { ...match, fallback: true });
  cache.set(request('c'), { ...match, kind: 'no_match', confidence: 0.8 });
  assert.equal(cache.get(request('a')), undefined);
  assert.equal(cache.get(request('b')), undefined);
  assert.equal(cache.get(request('c'))?.kind, 'no_match');
});

test('the cache is bounded: the least recently used entry goes first', () => {
  const cache = new IntentCache({ maxEntries: 2 });
  cache.set(request('one'), match);
  cache.set(request('two'), match);
  cache.get(request('one'));
  cache.set(request('three'), match);
  assert.equal(cache.size, 2);
  assert.equal(cache.get(request('two')), undefined);
  assert.ok(cache.get(request('one')));
  assert.ok(cache.get(request('three')));
});

test('the total size of the keys is bounded too', () => {
  const cache = new IntentCache({ maxKeyChars: 100 });
  cache.set(request('x'.repeat(60)), match);
  cache.set(request('y'.repeat(60)), match);
  assert.equal(cache.size, 1);
  assert.ok(cache.get(request('y'.repeat(60))));
});
