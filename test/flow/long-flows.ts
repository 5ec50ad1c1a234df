/** Flows with long runs of blocks, to test the step limit (ENGINE_LIMITS.maxStepsPerTurn). */

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
