import type { EndBlock } from '../../flow/types.ts';
import { endConversation, render, sendMessage } from '../turn.ts';
import type { Executor } from '../types.ts';

export const enterEnd: Executor<EndBlock> = (block, turn) => {
  if (block.text !== undefined) sendMessage(turn, block.id, render(turn, block.text));
  return endConversation(turn, 'end_block');
};
