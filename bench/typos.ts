/**
 * Typo'd copies of texts for the bench: in each text, one word of at least three letters gets two
 * adjacent, different letters swapped ("timer" → "itmer"), word and position drawn from a fixed seed,
 * so every run makes the same typos.
 */
import { seededRandom } from '../src/intent/offline/seeded-random.ts';

const WORD = /\p{L}{3,}/gu;
export const TYPO_SEED = 77;

/** `text` with one adjacent-letter swap in one word; unchanged when no word can take one. */
export function withTypo(text: string, random: () => number): string {
  const words = [...text.matchAll(WORD)].filter((m) => new Set(m[0]).size > 1);
  if (words.length === 0) return text;
  const word = words[Math.floor(random() * words.length)] as RegExpExecArray;
  const letters = word[0];
  const swaps = [...letters.slice(1)].flatMap((letter, i) => (letter !== letters[i] ? [i] : []));
  const at = swaps[Math.floor(random() * swaps.length)] as number;
  const swapped = letters.slice(0, at) + letters[at + 1] + letters[at] + letters.slice(at + 2);
  const start = word.index;
  return text.slice(0, start) + swapped + text.slice(start + letters.length);
}

/** Each text with one typo (withTypo), from one seeded sequence. */
export function withTypos<T extends { text: string }>(rows: readonly T[], seed = TYPO_SEED): T[] {
  const random = seededRandom(seed);
  return rows.map((row) => ({ ...row, text: withTypo(row.text, random) }));
}
