/**
 * The engine: a pure step from (flow, state, event) to (state, effects). No I/O, clock or randomness.
 * Failures are values: a step that cannot apply returns `{ ok: false, error }` and changes nothing.
 */
import { ENGINE_LIMITS } from '../flow/limits.ts';
import type { Block } from '../flow/types.ts';
import { enterCondition } from './blocks/condition.ts';
import { enterEnd } from './blocks/end.ts';
import { enterIntent, resolveIntent } from './blocks/intent.ts';
import { enterMessage } from './blocks/message.ts';
import { enterSet } from './blocks/set.ts';
import { enterWait } from './blocks/wait.ts';
import type { CompiledFlow } from './compile.ts';
import { byName, type ConversationState } from './state.ts';
import { endConversation, record, remember, setVariable } from './turn.ts';
import type { EngineEvent, Outcome, StepResult, Turn } from './types.ts';

function enter(block: Block, turn: Turn): Outcome {
  record(turn, { type: 'block.entered', data: { blockId: block.id, blockType: block.type } });
  switch (block.type) {
    case 'message':
      return enterMessage(block, turn);
    case 'wait':
      return enterWait(block, turn);
    case 'intent':
      return enterIntent(block, turn);
    case 'condition':
      return enterCondition(block, turn);
    case 'set':
      return enterSet(block, turn);
    case 'end':
      return enterEnd(block, turn);
    default: {
      const unknown: never = block;
      throw new Error(`unknown block type ${JSON.stringify(unknown)}`);
    }
  }
}

/** Follows transitions until a block stops the turn, with a step guard as defence in depth. */
function run(turn: Turn, outcome: Outcome): void {
  let steps = 0;
  while (outcome.kind === 'goto') {
    const block = turn.flow.blocks.get(outcome.target);
    if (!block) return void endConversation(turn, 'missing_block');
    if (++steps > ENGINE_LIMITS.maxStepsPerTurn) return void endConversation(turn, 'step_limit');
    outcome = enter(block, turn);
  }
}

/** A private copy of the state; its maps by name are prototype-less whatever the state was read from. */
function draft(flow: CompiledFlow, state: ConversationState): Turn {
  const copy = structuredClone(state);
  copy.variables = byName(copy.variables);
  copy.noMatchCounts = byName(copy.noMatchCounts);
  return { flow, effects: [], state: copy };
}

const fail = (code: Extract<StepResult, { ok: false }>['error']['code'], message: string): StepResult => ({
  ok: false,
  error: { code, message },
});

export function step(flow: CompiledFlow, state: ConversationState, event: EngineEvent): StepResult {
  if (state.phase === 'ended') return fail('CONVERSATION_ENDED', 'the conversation has ended');
  const turn = draft(flow, state);
  switch (event.type) {
    case 'start': {
      if (state.phase !== 'new') return fail('ALREADY_STARTED', 'the conversation has already started');
      record(turn, { type: 'conversation.started', data: { flowVersion: state.flowVersion } });
      run(turn, { kind: 'goto', target: flow.flow.start });
      break;
    }
    case 'user_message': {
      const block = state.blockId === null ? undefined : flow.blocks.get(state.blockId);
      if (state.phase !== 'waiting' || block?.type !== 'wait') {
        return fail('NOT_WAITING', 'the bot is not waiting for a message');
      }
      const { text, clientMessageId } = event;
      record(turn, { type: 'message.user', data: { text, ...(clientMessageId ? { clientMessageId } : {}) } });
      setVariable(turn, 'lastMessage', text);
      remember(turn, 'user', text);
      if (block.saveAs) setVariable(turn, block.saveAs, text);
      run(turn, { kind: 'goto', target: block.next });
      break;
    }
    case 'resume': {
      const block = state.blockId === null ? undefined : flow.blocks.get(state.blockId);
      if (state.phase === 'new' || !block) return fail('NOT_STARTED', 'the conversation has not started');
      record(turn, { type: 'conversation.resumed', data: {} });
      if (block.type === 'intent') enterIntent(block, turn);
      else if (block.type === 'wait') enterWait(block, turn);
      break;
    }
    case 'classified': {
      const block = flow.blocks.get(event.blockId);
      if (state.phase !== 'classifying' || state.blockId !== event.blockId || block?.type !== 'intent') {
        return fail('UNEXPECTED_CLASSIFICATION', `no classification is pending for block "${event.blockId}"`);
      }
      run(turn, resolveIntent(block, turn, event.result));
      break;
    }
  }
  return { ok: true, state: turn.state, effects: turn.effects };
}
