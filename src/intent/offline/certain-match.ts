/**
 * The "certain match" index: texts that name one intent beyond doubt, so that `auto` mode can skip
 * the LLM. A text is certain when, after normalisation down to word stems, it equals
 * - an example of exactly one intent, or
 * - a quick-reply label the user was just offered, when that label itself equals the id, the
 *   description or an example of exactly one intent.
 * A text that leads to two different intents is never certain.
 */
import { stemmer } from 'stemmer';
import type { IntentDefinition } from '../../engine/index.ts';
import { OFFLINE_LIMITS } from './limits.ts';
import { canonicalText, tokenize, truncateCodePoints } from './normalize.ts';

/** Digits are kept (a "2 tickets" example must not match "3 tickets"); word forms are folded to stems. */
export function matchKey(text: string): string {
  return tokenize(canonicalText(text)).map(stemmer).join(' ');
}

/** Index value of a key that leads to two different intents. */
const AMBIGUOUS = -1;

/** Keys map to an intent's index (not a set of ids): one number per key, whatever the flow's size. */
export interface CertainMatchIndex {
  readonly intentIds: readonly string[];
  /** Key → the one intent that has it as an example, or AMBIGUOUS. */
  readonly examples: Map<string, number>;
  /** Key → the one intent that has it as id, description or example (for quick-reply labels), or AMBIGUOUS. */
  readonly labels: Map<string, number>;
}

function addKey(index: Map<string, number>, text: string, intent: number): void {
  const key = matchKey(text);
  if (key === '') return;
  const found = index.get(key);
  index.set(key, found === undefined || found === intent ? intent : AMBIGUOUS);
}

export function buildCertainMatchIndex(intents: readonly IntentDefinition[]): CertainMatchIndex {
  const examples = new Map<string, number>();
  const labels = new Map<string, number>();
  intents.forEach((intent, i) => {
    for (const example of (intent.examples ?? []).slice(0, OFFLINE_LIMITS.maxExamplesPerIntent)) {
      addKey(examples, example, i);
      addKey(labels, example, i);
    }
    addKey(labels, intent.id, i);
    addKey(labels, intent.description, i);
  });
  return { intentIds: intents.map((intent) => intent.id), examples, labels };
}

/** The one intent the text names beyond doubt, or undefined. */
export function findCertainIntent(
  index: CertainMatchIndex,
  text: string,
  quickReplies: readonly string[] = [],
): string | undefined {
  // Keys are built from truncated text: a longer text is never an exact match.
  if (truncateCodePoints(text, OFFLINE_LIMITS.maxInputChars) !== text) return undefined;
  const key = matchKey(text);
  if (key === '') return undefined;
  // A key's example intents are among its label intents: with a clicked label, the labels decide.
  const offered = quickReplies.some((label) => matchKey(label) === key);
  const found = (offered ? index.labels : index.examples).get(key);
  return found === undefined || found === AMBIGUOUS ? undefined : index.intentIds[found];
}
