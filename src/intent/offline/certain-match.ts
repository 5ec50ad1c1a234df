/**
 * The "certain match" index: texts that name one intent beyond doubt, so that `auto` mode can skip
 * the LLM. A text is certain when, after normalisation down to word stems, it equals
 * - an example of exactly one intent, or
 * - a quick-reply label the user was just offered, when that label itself equals the id, the
 *   description or an example of exactly one intent.
 * A text that leads to two different intents is never certain.
 */
import { stemmer } from 'stemmer';
import type { IntentDefinition } from '../classifier.ts';
import { OFFLINE_LIMITS } from './limits.ts';
import { canonicalText, tokenize, truncateCodePoints } from './normalize.ts';

/** Digits are kept (a "2 tickets" example must not match "3 tickets"); word forms are folded to stems. */
export function matchKey(text: string): string {
  return tokenize(canonicalText(text)).map(stemmer).join(' ');
}

export interface CertainMatchIndex {
  /** Key → ids of the intents that have it as an example. */
  readonly examples: Map<string, Set<string>>;
  /** Key → ids of the intents that have it as id, description or example (for quick-reply labels). */
  readonly labels: Map<string, Set<string>>;
}

function addKey(index: Map<string, Set<string>>, text: string, intentId: string): void {
  const key = matchKey(text);
  if (key === '') return;
  const ids = index.get(key);
  if (ids) ids.add(intentId);
  else index.set(key, new Set([intentId]));
}

export function buildCertainMatchIndex(intents: readonly IntentDefinition[]): CertainMatchIndex {
  const examples = new Map<string, Set<string>>();
  const labels = new Map<string, Set<string>>();
  for (const intent of intents) {
    for (const example of (intent.examples ?? []).slice(0, OFFLINE_LIMITS.maxExamplesPerIntent)) {
      addKey(examples, example, intent.id);
      addKey(labels, example, intent.id);
    }
    addKey(labels, intent.id, intent.id);
    addKey(labels, intent.description, intent.id);
  }
  return { examples, labels };
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
  const candidates = new Set(index.examples.get(key));
  if (quickReplies.some((label) => matchKey(label) === key)) {
    for (const id of index.labels.get(key) ?? []) candidates.add(id);
  }
  if (candidates.size !== 1) return undefined;
  return candidates.values().next().value;
}
