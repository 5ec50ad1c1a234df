/**
 * A synthetic intent block as large as the flow limits allow in practice: `intents` intents of
 * `examples` examples each, made of pseudo-words from a seeded generator (same arguments, same
 * texts). Each intent has its own topic words and shares a Zipf-distributed common vocabulary with
 * the others, so the features look like a real flow's: many rare n-grams, a few frequent ones.
 */
import type { IntentDefinition } from '../src/engine/index.ts';
import { seededRandom } from '../src/intent/offline/seeded-random.ts';

const SYLLABLES =
  'ba be bi bo bu ca ce ci co da de di do fa fe fi fo ga ge go ka ke ki ko la le li lo lu ma me mi mo mu na ne ni no pa pe pi po ra re ri ro ru sa se si so ta te ti to va ve vi vo za ze zo'.split(
    ' ',
  );
const COMMON_WORDS = 3_000;
const TOPIC_WORDS = 6;

function word(random: () => number): string {
  const syllables = 2 + Math.floor(random() * 3);
  let text = '';
  for (let i = 0; i < syllables; i++) text += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
  return text;
}

export function syntheticIntents(intents: number, examples: number, seed = 1): IntentDefinition[] {
  const random = seededRandom(seed);
  const common = Array.from({ length: COMMON_WORDS }, () => word(random));
  // Zipf: the k-th common word is drawn with probability ∝ 1/k.
  const zipf = () => common[Math.floor(COMMON_WORDS ** random()) - 1] as string;
  return Array.from({ length: intents }, (_, i) => {
    const topic = Array.from({ length: TOPIC_WORDS }, () => word(random));
    const texts = Array.from({ length: examples }, () => {
      const words = [topic[Math.floor(random() * TOPIC_WORDS)] as string];
      const length = 6 + Math.floor(random() * 4);
      while (words.length < length)
        words.push(random() < 0.3 ? (topic[Math.floor(random() * TOPIC_WORDS)] as string) : zipf());
      return words.join(' ');
    });
    return { id: `intent_${i}`, description: `${topic[0]} ${topic[1]} ${zipf()}`, examples: texts };
  });
}

/** A valid flow with `blocks` such intent blocks in a row (each one's intents lead to the next). */
export function syntheticFlow(blocks: number, intents: number, examples: number): Record<string, unknown> {
  const flowBlocks: Record<string, unknown>[] = [
    { id: 'ask_0', type: 'wait', saveAs: 'text', next: 'route_0' },
  ];
  for (let b = 0; b < blocks; b++) {
    const next = b + 1 < blocks ? `ask_${b + 1}` : 'done';
    flowBlocks.push({
      id: `route_${b}`,
      type: 'intent',
      input: '{{text}}',
      intents: syntheticIntents(intents, examples, b + 1).map((intent) => ({ ...intent, next })),
      noMatch: `ask_${b}`,
    });
    if (b + 1 < blocks)
      flowBlocks.push({ id: `ask_${b + 1}`, type: 'wait', saveAs: 'text', next: `route_${b + 1}` });
  }
  flowBlocks.push({ id: 'done', type: 'end', text: 'Done.' });
  return { formatVersion: 1, name: 'Synthetic intents', start: 'ask_0', blocks: flowBlocks };
}
