/** Test flows: long runs of blocks (the step limit), names of Object.prototype members. */

export type Block = Record<string, unknown> & { id: string; next?: string };

/** `count` message blocks m0 → m1 → … (or another prefix) then `last` (an end block unless given). */
export function messageChain(count: number, last: Block = { id: 'bye', type: 'end' }, prefix = 'm'): Block[] {
  const blocks: Block[] = Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${i}`,
    type: 'message',
    text: `line ${i}`,
    next: i + 1 < count ? `${prefix}${i + 1}` : last.id,
  }));
  return [...blocks, last];
}

export const flowDocument = (blocks: Block[], start = blocks[0]?.id ?? 'm0') => ({
  formatVersion: 1,
  name: 'long',
  start,
  blocks,
});

/** Variables `toString` and `constructor`, and an intent block whose id is `constructor`. */
export const NAMES_FLOW = {
  formatVersion: 1,
  name: 'names',
  start: 'ask',
  blocks: [
    { id: 'ask', type: 'wait', saveAs: 'toString', next: 'check' },
    {
      id: 'check',
      type: 'condition',
      cases: [{ if: { var: 'constructor', exists: true }, next: 'constructor' }],
      else: 'first',
    },
    { id: 'first', type: 'set', values: { constructor: '{{toString}}' }, next: 'noted' },
    { id: 'noted', type: 'message', text: 'noted {{constructor}}', next: 'ask' },
    {
      id: 'constructor',
      type: 'intent',
      intents: [
        {
          id: 'weather',
          description: 'the weather forecast',
          examples: ['will it rain', 'how hot is it'],
          next: 'ask',
        },
        {
          id: 'travel',
          description: 'travel offers',
          examples: ['a cheap flight', 'book a trip'],
          next: 'ask',
        },
      ],
      noMatch: 'sorry',
      maxNoMatch: 2,
      onMaxNoMatch: 'bye',
    },
    { id: 'sorry', type: 'message', text: 'sorry, {{toString}}?', next: 'ask' },
    { id: 'bye', type: 'end', text: 'bye; first was {{constructor}} [{{valueOf}}]' },
  ],
};
