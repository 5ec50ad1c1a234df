/**
 * What a block's classifier holds in memory, in bytes: the model (typed arrays, counted exactly) and
 * the certain-match index (strings, estimated per key). `blockBytesBound` is an upper bound computed
 * from the intents alone, without training, so that a flow whose models cannot fit in the model
 * cache is refused at upload (docs/intent-detection.md, Limits).
 */

import { stemmer } from 'stemmer';
import type { IntentDefinition } from '../../engine/index.ts';
import type { CertainMatchIndex } from './certain-match.ts';
import { isStopWord } from './features.ts';
import { OFFLINE_LIMITS, type OfflineLimits } from './limits.ts';
import { type IntentModel, textsOf } from './model.ts';
import { canonicalText, tokenize } from './normalize.ts';
import { conceptOf } from './synonyms.ts';

/** A JS string's header and its map entry, on top of 2 bytes per UTF-16 code unit (V8, 64-bit). */
const STRING_OVERHEAD = 64;
/** Bytes per vocabulary column besides the weights: its feature id and its idf (4 + 4). */
const COLUMN_BYTES = 8;
/** Character n-grams of 3 to 5 code units, inside each word padded with a space on each side. */
const CHAR_MIN = 3;
const CHAR_MAX = 5;

function stringBytes(text: string): number {
  return STRING_OVERHEAD + 2 * text.length;
}

/** Bytes per word of the spelling vocabulary: its hash and its count (4 + 4). */
const WORD_BYTES = 8;

/**
 * Bytes of a model of `classCount` classes (intents + background), `columns` features and `words`
 * distinct training words (the spelling vocabulary).
 */
export function modelLayoutBytes(intentIds: readonly string[], columns: number, words: number): number {
  const classCount = intentIds.length + 1;
  const ids = intentIds.reduce((sum, id) => sum + stringBytes(id), 0);
  return 4 * columns * classCount + 4 * classCount + COLUMN_BYTES * columns + WORD_BYTES * words + ids;
}

/** Exact bytes of a trained model's arrays, plus its intent ids. */
export function modelBytes(model: IntentModel): number {
  const { softmax, vectorizer, intentIds } = model;
  const arrays =
    softmax.weights.byteLength +
    softmax.bias.byteLength +
    vectorizer.ids.byteLength +
    vectorizer.idf.byteLength +
    model.spelling.hashes.byteLength +
    model.spelling.counts.byteLength;
  return arrays + intentIds.reduce((sum, id) => sum + stringBytes(id), 0);
}

/** Estimated bytes of a certain-match index: its keys, and one entry per key in each map. */
export function certainIndexBytes(index: CertainMatchIndex): number {
  let bytes = 0;
  for (const key of index.examples.keys()) bytes += stringBytes(key);
  for (const key of index.labels.keys()) bytes += stringBytes(key);
  return bytes;
}

/**
 * Distinct features the texts can give, counted on their words: unigrams, bigrams (with
 * the start and end of the text), synonym groups, and character 3–5-grams of each word padded with spaces, each
 * with its weak mark (features.ts). Training uses the same words, stemmed and hashed, which can
 * only merge features, never split one: this is an upper bound.
 */
function distinctFeatures(canonicalTexts: Iterable<string>): { features: number; words: number } {
  const words = new Set<string>();
  const pairs = new Set<string>();
  for (const text of canonicalTexts) {
    let previous = '\u0002';
    for (const word of tokenize(text)) {
      words.add(word);
      pairs.add(`${previous} ${word}`);
      previous = word;
    }
    if (text !== '') pairs.add(`${previous} \u0003`);
  }
  const grams = new Set<string>();
  for (const word of words) {
    const padded = ` ${word} `;
    const weak = isStopWord(word) ? '1' : '0';
    for (let start = 0; start + CHAR_MIN <= padded.length; start++) {
      for (let end = start + CHAR_MIN; end <= Math.min(padded.length, start + CHAR_MAX); end++) {
        grams.add(weak + padded.slice(start, end));
      }
    }
  }
  const concepts = new Set<number>();
  for (const word of words) {
    const concept = conceptOf(stemmer(word));
    if (concept !== undefined) concepts.add(concept);
  }
  return { features: words.size + pairs.size + grams.size + concepts.size, words: words.size };
}

/**
 * An upper bound on the bytes of a block's model and certain-match index, from its intents alone,
 * without training: the vocabulary holds at most the distinct features of the training texts, and
 * at most what the weight limit allows; the certain-match index has at most one key per distinct
 * text, never longer than the text's canonical form.
 */
export function blockBytesBound(
  intents: readonly IntentDefinition[],
  limits: OfflineLimits = OFFLINE_LIMITS,
): number {
  const examples = new Set<string>();
  const labels = new Set<string>();
  const texts = new Set<string>();
  for (const intent of intents) {
    const used = (intent.examples ?? []).slice(0, limits.maxExamplesPerIntent).map(canonicalText);
    const description = canonicalText(intent.description);
    // The texts training reads (with a description's related words when examples are few).
    for (const text of textsOf(intent, limits)) texts.add(text);
    for (const text of used) examples.add(text);
    for (const text of [canonicalText(intent.id), description, ...used]) labels.add(text);
  }
  let keyBytes = 0;
  for (const key of examples) keyBytes += stringBytes(key);
  for (const key of labels) keyBytes += stringBytes(key);
  const maxColumns = Math.floor(limits.maxModelWeights / (intents.length + 1));
  const distinct = distinctFeatures(texts);
  const columns = Math.min(distinct.features, maxColumns);
  return (
    modelLayoutBytes(
      intents.map((intent) => intent.id),
      columns,
      distinct.words,
    ) + keyBytes
  );
}
