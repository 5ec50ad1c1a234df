/**
 * What a block's classifier holds in memory, in bytes: the model (typed arrays, counted exactly) and
 * the certain-match index (strings, estimated per key). `blockBytesBound` is an upper bound computed
 * from the intents alone, without training, so that a flow whose models cannot fit in the model
 * cache is refused at upload (README "Offline intent classifier" > Limits).
 */
import type { IntentDefinition } from '../classifier.ts';
import type { CertainMatchIndex } from './certain-match.ts';
import { OFFLINE_LIMITS, type OfflineLimits } from './limits.ts';
import type { IntentModel } from './model.ts';
import { canonicalText, tokenize } from './normalize.ts';

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

/** Bytes of a model of `classCount` classes (intents + background) and `columns` features. */
export function modelLayoutBytes(intentIds: readonly string[], columns: number): number {
  const classCount = intentIds.length + 1;
  const ids = intentIds.reduce((sum, id) => sum + stringBytes(id), 0);
  return 4 * columns * classCount + 4 * classCount + COLUMN_BYTES * columns + ids;
}

/** Exact bytes of a trained model's arrays, plus its intent ids. */
export function modelBytes(model: IntentModel): number {
  const { softmax, vectorizer, intentIds } = model;
  const arrays =
    softmax.weights.byteLength +
    softmax.bias.byteLength +
    vectorizer.ids.byteLength +
    vectorizer.idf.byteLength;
  return arrays + intentIds.reduce((sum, id) => sum + stringBytes(id), 0);
}

/** Estimated bytes of a certain-match index: its keys, and one entry per key in each map. */
export function certainIndexBytes(index: CertainMatchIndex): number {
  let bytes = 0;
  for (const key of index.examples.keys()) bytes += stringBytes(key);
  for (const key of index.labels.keys()) bytes += stringBytes(key);
  return bytes;
}

/** Most feature ids a word of `length` code units can give: its char n-grams, its unigram and a bigram. */
function featuresOfWord(length: number): number {
  const padded = length + 2;
  let grams = 0;
  for (let start = 0; start + CHAR_MIN <= padded; start++)
    grams += Math.min(padded, start + CHAR_MAX) - start - 2;
  return grams + 2;
}

/**
 * An upper bound on the bytes of a block's model and certain-match index, from its intents alone:
 * the vocabulary cannot hold more features than the training texts contain (counted from their
 * canonical form, which is never shorter than what training or the index use), nor more than the
 * weight limit allows; each text gives at most one key in each map of the certain-match index.
 */
export function blockBytesBound(
  intents: readonly IntentDefinition[],
  limits: OfflineLimits = OFFLINE_LIMITS,
): number {
  let features = 0;
  let keyBytes = 0;
  for (const intent of intents) {
    keyBytes += stringBytes(canonicalText(intent.id));
    for (const text of [
      intent.description,
      ...(intent.examples ?? []).slice(0, limits.maxExamplesPerIntent),
    ]) {
      const canonical = canonicalText(text);
      const words = tokenize(canonical);
      // One bigram with the text's end, besides each word's unigram and bigram with the previous word.
      features += words.reduce((sum, word) => sum + featuresOfWord(word.length), words.length > 0 ? 1 : 0);
      keyBytes += 2 * stringBytes(canonical);
    }
  }
  const maxColumns = Math.floor(limits.maxModelWeights / (intents.length + 1));
  const ids = intents.map((intent) => intent.id);
  return modelLayoutBytes(ids, Math.min(features, maxColumns)) + keyBytes;
}
