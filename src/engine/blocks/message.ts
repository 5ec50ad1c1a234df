import type { MessageBlock } from '../../flow/types.ts';
import { goto, render, sendMessage } from '../turn.ts';
import type { Executor } from '../types.ts';

export const enterMessage: Executor<MessageBlock> = (block, turn) => {
  sendMessage(turn, block.id, render(turn, block.text), block.options);
  return goto(block.next);
};
