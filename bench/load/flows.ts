/** The flows the bench uploads, and the texts its clients send. Generated here: no dataset to download. */
import { seededRandom } from '../../src/intent/offline/seeded-random.ts';

/** wait → message → wait: every turn is one durable write of the user's message and the echo. */
export function plumbingFlow(): string {
  return JSON.stringify({
    formatVersion: 1,
    name: 'Bench: plumbing',
    start: 'ask',
    blocks: [
      { id: 'ask', type: 'wait', saveAs: 'text', next: 'echo' },
      { id: 'echo', type: 'message', text: 'You said: {{text}}', next: 'ask' },
    ],
  });
}

/** Ten intents a bench message names by keyword; the offline classifier or the (fake) LLM picks one. */
export const BENCH_INTENTS = [
  [
    'weather',
    ['will it rain tomorrow', 'how hot is it outside', 'is it sunny today', 'what is the forecast'],
  ],
  [
    'travel',
    ['cheap flights to lisbon', 'book a trip to rome', 'any holiday offers', 'train tickets to paris'],
  ],
  [
    'restaurants',
    ['where can I eat tonight', 'a good pizza place', 'book a table for two', 'best sushi nearby'],
  ],
  [
    'balance',
    ['how much money do I have', 'show my balance', 'what is left on my account', 'my balance please'],
  ],
  ['transfer', ['send money to my sister', 'make a transfer', 'pay my friend back', 'wire funds abroad']],
  ['card', ['my card was stolen', 'block my card', 'I lost my card', 'order a new card']],
  ['hours', ['when are you open', 'opening hours on sunday', 'are you open now', 'what time do you close']],
  ['refund', ['I want my money back', 'refund my order', 'return this item', 'how do refunds work']],
  [
    'delivery',
    ['where is my parcel', 'track my delivery', 'when will my order arrive', 'my package is late'],
  ],
  ['human', ['talk to a person', 'I want an agent', 'let me speak to someone', 'real human please']],
] as const;

/** What the intent flow says when the classification failed: the bench counts that turn as an error. */
export const INTENT_FAILED_TEXT = 'The classifier failed.';

/** wait → intent → message → wait, over BENCH_INTENTS, with the given provider for the block. */
export function intentFlow(provider: 'local' | 'openai'): string {
  const intents = BENCH_INTENTS.map(([id, examples]) => ({
    id,
    description: `The user asks about ${id}`,
    examples,
    next: `say-${id}`,
  }));
  return JSON.stringify({
    formatVersion: 1,
    name: `Bench: intents (${provider})`,
    start: 'ask',
    blocks: [
      { id: 'ask', type: 'wait', saveAs: 'request', next: 'route' },
      {
        id: 'route',
        type: 'intent',
        provider,
        input: '{{request}}',
        intents,
        noMatch: 'sorry',
        onError: 'failed',
      },
      ...BENCH_INTENTS.map(([id]) => ({
        id: `say-${id}`,
        type: 'message',
        text: `About ${id}.`,
        next: 'ask',
      })),
      { id: 'sorry', type: 'message', text: 'Sorry, could you rephrase?', next: 'ask' },
      { id: 'failed', type: 'message', text: INTENT_FAILED_TEXT, next: 'ask' },
    ],
  });
}

/**
 * A user message about one of BENCH_INTENTS, different every time (a sequence number), so neither the
 * LLM answer cache nor the certain-match shortcut answers it: every turn really is classified.
 */
export function intentMessage(client: number, sequence: number): string {
  const [id, examples] = BENCH_INTENTS[(client + sequence) % BENCH_INTENTS.length] ?? BENCH_INTENTS[0];
  const example = examples[sequence % examples.length];
  return JSON.stringify({ type: 'message', text: `${example} ${id} (${client}.${sequence})` });
}

const FILLER = 'i want to please can you my the a for about need help with it this is how do what when'.split(
  ' ',
);
const SYLLABLES = 'ka lo mi nu pe ra si to vu be da fe gi ho ju ko la me ni po'.split(' ');

/**
 * `intents × perIntent` examples: each intent has its own 12 made-up topic words, mixed with common
 * filler words, 4–10 words per example — a vocabulary and overlap like real user phrasings.
 */
export function trainingFlow(intentCount: number, perIntent: number): string {
  const next = seededRandom(42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const word = () => `${pick(SYLLABLES)}${pick(SYLLABLES)}${pick(SYLLABLES)}`;
  const intents = Array.from({ length: intentCount }, (_, i) => {
    const topic = Array.from({ length: 12 }, word);
    const examples = Array.from({ length: perIntent }, () => {
      const length = 4 + Math.floor(next() * 7);
      return Array.from({ length }, () => (next() < 0.45 ? pick(topic) : pick(FILLER))).join(' ');
    });
    return {
      id: `intent-${i}`,
      description: `Topic ${topic.slice(0, 3).join(' ')}`,
      examples,
      next: 'answer',
    };
  });
  return JSON.stringify({
    formatVersion: 1,
    name: `Bench: ${intentCount * perIntent} training examples`,
    start: 'ask',
    blocks: [
      { id: 'ask', type: 'wait', next: 'route' },
      { id: 'route', type: 'intent', provider: 'local', intents, noMatch: 'answer' },
      { id: 'answer', type: 'message', text: 'Noted.', next: 'ask' },
    ],
  });
}
