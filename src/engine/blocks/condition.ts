import type { ConditionBlock } from '../../flow/types.ts';
import { evaluateTest } from '../conditions.ts';
import { goto } from '../turn.ts';
import type { Executor } from '../types.ts';

/** The first case whose test holds wins; otherwise `else`. */
export const enterCondition: Executor<ConditionBlock> = (block, turn) => {
  const match = block.cases.find((c) => evaluateTest(c.if, turn.state.variables, turn.flow));
  return goto(match ? match.next : block.else);
};
