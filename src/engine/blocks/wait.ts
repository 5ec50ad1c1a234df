import type { WaitBlock } from '../../flow/types.ts';
import type { Executor } from '../types.ts';

/** Ends the bot's turn; the user's next message resumes at `next` (see step.ts). */
export const enterWait: Executor<WaitBlock> = (block, turn) => {
  turn.state.phase = 'waiting';
  turn.state.blockId = block.id;
  turn.effects.push({ type: 'wait', blockId: block.id });
  return { kind: 'stop' };
};
