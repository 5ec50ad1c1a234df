import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClassifyRequest, IntentDefinition } from '../../src/engine/index.ts';
import { OFFLINE_LIMITS, OfflineIntentClassifier } from '../../src/intent/offline/index.ts';
import { TRAVEL_INTENTS } from './fixtures/travel-intents.ts';

function request(text: string, overrides: Partial<ClassifyRequest> = {}): ClassifyRequest {
  return { flowVersion: 1, blockId: 'route', text, intents: TRAVEL_INTENTS, ...overrides };
}

function certainIntent(classifier: OfflineIntentClassifier, req: ClassifyRequest): string | null {
  const result = classifier.certainMatch(req);
  if (result === null) return null;
  assert.equal(result.kind, 'match');
  assert.ok(result.kind === 'match');
  assert.equal(result.confidence, 1);
  assert.equal(result.provider, 'local');
  return result.intent;
}

describe('offline classifier: certain match', () => {
  const classifier = new OfflineIntentClassifier();

  it('matches an example typed exactly, or differing only in case, punctuation, spacing or word form', () => {
    assert.equal(certainIntent(classifier, request('will it rain tomorrow')), 'weather');
    assert.equal(certainIntent(classifier, request('  Will it RAIN, tomorrow?! ')), 'weather');
    assert.equal(certainIntent(classifier, request('will it rains tomorrow')), 'weather');
    assert.equal(certainIntent(classifier, request('I am hungry any place for dinner')), 'restaurants');
  });

  it('is not certain of a paraphrase, a partial example or an empty text', () => {
    assert.equal(certainIntent(classifier, request('is it raining tomorrow')), null);
    assert.equal(certainIntent(classifier, request('will it rain')), null);
    assert.equal(certainIntent(classifier, request('will it rain tomorrow morning')), null);
    assert.equal(certainIntent(classifier, request('')), null);
    assert.equal(certainIntent(classifier, request('?!')), null);
  });

  it('does not treat a description or an id as certain unless it was offered as a quick reply', () => {
    assert.equal(certainIntent(classifier, request('Give me travel offers')), null);
    assert.equal(certainIntent(classifier, request('hotels')), null);
  });

  it('matches a quick-reply label that equals an intent id, description or example', () => {
    const quickReplies = ['Give me travel offers', 'Hotels', 'Best pizza near me', 'Something else'];
    assert.equal(certainIntent(classifier, request('give me travel offers', { quickReplies })), 'travel');
    assert.equal(certainIntent(classifier, request('Hotels', { quickReplies })), 'hotels');
    assert.equal(certainIntent(classifier, request('best pizza near me', { quickReplies })), 'restaurants');
    assert.equal(certainIntent(classifier, request('Something else', { quickReplies })), null);
  });

  it('is never certain when the text leads to two different intents', () => {
    const overlapping: IntentDefinition[] = [
      { id: 'book_flight', description: 'Book a flight', examples: ['book it', 'a flight to paris'] },
      { id: 'book_hotel', description: 'Book a hotel', examples: ['book it', 'a room in paris'] },
      { id: 'flight', description: 'Flight status', examples: ['is my plane late'] },
    ];
    const req = (text: string, quickReplies?: string[]) =>
      request(text, { blockId: 'overlap', intents: overlapping, ...(quickReplies ? { quickReplies } : {}) });
    assert.equal(certainIntent(classifier, req('Book it!')), null);
    assert.equal(certainIntent(classifier, req('a flight to paris')), 'book_flight');
    // The label "Flight" is the id of one intent and not an example of another: certain.
    assert.equal(certainIntent(classifier, req('flight', ['Flight'])), 'flight');
    // The label "Book a hotel" names book_hotel only; "book it" offered as a label stays ambiguous.
    assert.equal(certainIntent(classifier, req('book a hotel', ['Book a hotel'])), 'book_hotel');
    assert.equal(certainIntent(classifier, req('book it', ['Book it'])), null);
  });

  it('keeps digits: an example with one number does not match another number', () => {
    const tickets: IntentDefinition[] = [
      { id: 'two', description: 'Two tickets', examples: ['2 tickets please'] },
      { id: 'three', description: 'Three tickets', examples: ['3 tickets please'] },
    ];
    const req = (text: string) => request(text, { blockId: 'tickets', intents: tickets });
    assert.equal(certainIntent(classifier, req('2 tickets please')), 'two');
    assert.equal(certainIntent(classifier, req('3 tickets please')), 'three');
    assert.equal(certainIntent(classifier, req('4 tickets please')), null);
  });

  it('is not certain of a text longer than the input limit, even if it starts with an example', () => {
    const long = `will it rain tomorrow${' '.repeat(OFFLINE_LIMITS.maxInputChars)}`;
    assert.equal(certainIntent(classifier, request(long)), null);
  });

  it('returns null rather than throwing on a malformed request', () => {
    const malformed = { ...request('x'), intents: null } as unknown as ClassifyRequest;
    assert.equal(classifier.certainMatch(malformed), null);
  });

  it('can be passed around unbound, as the router does', () => {
    const { certainMatch } = classifier;
    assert.equal(certainMatch(request('goodbye'))?.kind, 'match');
  });
});
