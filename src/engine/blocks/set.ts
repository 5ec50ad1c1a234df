import type { SetBlock } from '../../flow/types.ts';
import { goto, render, setVariable } from '../turn.ts';
import type { Executor } from '../types.ts';

/** All values are rendered first, then assigned: `{a: "{{b}}", b: "{{a}}"}` swaps. */
export const enterSet: Executor<SetBlock> = (block, turn) => {
  const rendered = Object.entries(block.values).map(
    ([name, template]) => [name, render(turn, template)] as const,
  );
  for (const [name, value] of rendered) setVariable(turn, name, value);
  return goto(block.next);
};
