/**
 * Spelling correction against the model's own vocabulary: a word never seen in training that is one
 * edit (a letter dropped, added, changed, or two neighbours swapped) away from words seen in
 * training is read as the most frequent of them ("itmer" → "timer"). Without it a typo'd word is
 * an unknown feature, which lowers the text's confidence (unknown features count in the norm,
 * vectorizer.ts) and turns a plain request into a no-match. Words are kept as 32-bit hashes, never
 * as strings.
 */
import { tokenize } from './normalize.ts';
import { columnOf } from './vectorizer.ts';

/** Words shorter than this are not corrected: a short word is one edit away from too many others. */
const MIN_LENGTH = 3;
/**
 * Bounds on the work per text: longer words are left alone (a typo'd word of the flow is rarely
 * that long), and at most this many unknown words are looked up (about 50 × length candidates
 * each), so that a long text of gibberish costs no more than a normal message.
 */
const MAX_LENGTH = 20;
const MAX_LOOKUPS = 8;
/** Shorter words are only tried with two neighbours swapped ("teh" → "the"). */
const ALL_EDITS_LENGTH = 4;
const LATIN = 'abcdefghijklmnopqrstuvwxyz';
const LETTERS = /^\p{L}+$/u;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** The training texts' words: their hashes, ascending, and how many texts hold each. */
export interface SpellingVocabulary {
  readonly hashes: Int32Array;
  readonly counts: Int32Array;
}

function hashWord(word: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), FNV_PRIME);
  return hash | 0;
}

/** The vocabulary of normalised training texts. */
export function buildSpellingVocabulary(texts: Iterable<string>): SpellingVocabulary {
  const counts = new Map<number, number>();
  for (const text of texts) {
    for (const hash of new Set(tokenize(text).map(hashWord))) counts.set(hash, (counts.get(hash) ?? 0) + 1);
  }
  const hashes = Int32Array.from(counts.keys()).sort();
  return { hashes, counts: Int32Array.from(hashes, (hash) => counts.get(hash) as number) };
}

/** How many training texts hold `word` (0: unknown). */
function countOf(vocabulary: SpellingVocabulary, word: string): number {
  const at = columnOf(vocabulary.hashes, hashWord(word));
  return at === undefined ? 0 : (vocabulary.counts[at] as number);
}

/** The most frequent known word one edit away from `word`, or undefined. */
function nearestKnown(vocabulary: SpellingVocabulary, word: string): string | undefined {
  let best: string | undefined;
  let bestCount = 0;
  const consider = (candidate: string) => {
    const count = countOf(vocabulary, candidate);
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  };
  const n = word.length;
  for (let i = 0; i + 1 < n; i++) {
    if (word[i] !== word[i + 1]) consider(word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2));
  }
  if (n < ALL_EDITS_LENGTH) return best;
  for (let i = 0; i < n; i++) consider(word.slice(0, i) + word.slice(i + 1));
  let alphabet = LATIN;
  for (const letter of word) if (!alphabet.includes(letter)) alphabet += letter;
  for (let i = 0; i <= n; i++) {
    const head = word.slice(0, i);
    const tail = word.slice(i);
    const rest = word.slice(i + 1);
    for (const letter of alphabet) {
      consider(head + letter + tail);
      if (i < n && letter !== word[i]) consider(head + letter + rest);
    }
  }
  return best;
}

/** The normalised text with each unknown word of letters replaced by its nearest known word, if any. */
export function correctSpelling(vocabulary: SpellingVocabulary, normalized: string): string {
  const words = tokenize(normalized);
  let changed = false;
  let lookups = 0;
  for (let i = 0; i < words.length && lookups < MAX_LOOKUPS; i++) {
    const word = words[i] as string;
    if (word.length < MIN_LENGTH || word.length > MAX_LENGTH || !LETTERS.test(word)) continue;
    if (countOf(vocabulary, word) > 0) continue;
    lookups++;
    const known = nearestKnown(vocabulary, word);
    if (known !== undefined) {
      words[i] = known;
      changed = true;
    }
  }
  return changed ? words.join(' ') : normalized;
}
