/**
 * Text normalisation shared by training, classification and the certain-match shortcut, so that
 * "Will it RAIN tomorrow?" and "will it rain tomorrow" are the same text.
 */
import { OFFLINE_LIMITS } from './limits.ts';

const APOSTROPHES = /['’ʼ`´]/gu;
const DIGIT = /\p{Nd}/gu;
const NOT_WORD = /[^\p{L}\p{N}\p{M}]+/gu;

/** The first `max` code points of `text` (never splits a surrogate pair). */
export function truncateCodePoints(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = 0;
  let count = 0;
  while (end < text.length && count < max) {
    const code = text.codePointAt(end) ?? 0;
    end += code > 0xffff ? 2 : 1;
    count++;
  }
  return text.slice(0, end);
}

/** Strips accents from Latin letters only ("café" → "cafe"); marks that carry meaning in other scripts stay. */
function foldLatinAccents(text: string): string {
  return text
    .normalize('NFD')
    .replace(/(\p{Script=Latin})\p{M}+/gu, '$1')
    .normalize('NFC');
}

/**
 * Lowercase, Unicode NFKC, accents folded on Latin letters, apostrophes dropped ("don't" → "dont"),
 * punctuation → space, spaces collapsed. Input is first truncated to OFFLINE_LIMITS.maxInputChars.
 */
export function canonicalText(text: string): string {
  const bounded = truncateCodePoints(text, OFFLINE_LIMITS.maxInputChars);
  return foldLatinAccents(bounded.normalize('NFKC').toLowerCase())
    .replace(APOSTROPHES, '')
    .replace(NOT_WORD, ' ')
    .trim();
}

/**
 * The text the classifier's features are read from: canonicalText with every digit → "0" (numbers
 * rarely carry the intent).
 */
export function featureText(text: string): string {
  return canonicalText(text).replace(DIGIT, '0');
}

/** Words of a normalised text. */
export function tokenize(normalized: string): string[] {
  return normalized.length === 0 ? [] : normalized.split(' ');
}
