import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IntentDefinition } from '../../src/engine/index.ts';
import { predict, trainIntentModel } from '../../src/intent/offline/model.ts';
import { buildSpellingVocabulary, correctSpelling } from '../../src/intent/offline/spelling.ts';

const INTENTS: IntentDefinition[] = [
  {
    id: 'timer',
    description: 'Timers',
    examples: ['set a timer', 'start a timer for ten minutes', 'timer please'],
  },
  { id: 'music', description: 'Music', examples: ['play some music', 'put on a song', 'music please'] },
];

describe('offline classifier: spelling correction against the training words', () => {
  const vocabulary = buildSpellingVocabulary(['set a timer', 'play some music', 'the weather']);

  it('reads a word one edit away from a training word as that word', () => {
    assert.equal(correctSpelling(vocabulary, 'set a itmer'), 'set a timer', 'two letters swapped');
    assert.equal(correctSpelling(vocabulary, 'play some muisc'), 'play some music');
    assert.equal(correctSpelling(vocabulary, 'play some musik'), 'play some music', 'a letter changed');
    assert.equal(correctSpelling(vocabulary, 'set a timmer'), 'set a timer', 'a letter added');
    assert.equal(correctSpelling(vocabulary, 'teh weather'), 'the weather', 'short words: swaps only');
  });

  it('leaves known words, far words, short words and numbers alone', () => {
    for (const text of ['set a timer', 'asdf qwerty zxcv', 'set an alarm', 'tge weather', 'set 0000 timer'])
      assert.equal(correctSpelling(vocabulary, text), text);
  });

  it('keeps a typo from turning a plain request into a no-match', () => {
    const model = trainIntentModel(INTENTS);
    const clean = predict(model, 'set a timer');
    const typo = predict(model, 'set a itmer');
    assert.equal(model.intentIds[typo.bestIntent], 'timer');
    assert.equal(typo.background, false);
    assert.ok(typo.confidence >= model.defaultThreshold.value, `${typo.confidence}`);
    assert.ok(Math.abs(typo.confidence - clean.confidence) < 1e-9, 'the same text once corrected');
  });
});

describe('offline classifier: spelling correction stays bounded', () => {
  it('looks up at most 8 unknown words per text, and none over 20 letters', () => {
    const vocabulary = buildSpellingVocabulary(['set a timer']);
    const many = Array.from({ length: 12 }, () => 'itmer').join(' ');
    const corrected = correctSpelling(vocabulary, many).split(' ');
    assert.deepEqual(
      corrected.map((word) => word === 'timer'),
      Array.from({ length: 12 }, (_, i) => i < 8),
    );
    const long = `${'x'.repeat(16)}itmer`;
    assert.equal(correctSpelling(buildSpellingVocabulary([`${'x'.repeat(16)}timer`]), long), long);
  });
});
