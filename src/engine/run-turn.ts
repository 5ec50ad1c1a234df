/**
 * Drives one turn to its end: steps the engine and performs its `classify` effects through the
 * injected classifier port, feeding each result back as an event. `onSegment` sees the effects of
 * each step before the next begins, so the runtime can store history before showing it.
 */
import type { Classification } from './classification.ts';
import type { CompiledFlow } from './compile.ts';
import type { ConversationState } from './state.ts';
import { step } from './step.ts';
import type { ClassificationNeeded, Effect, EngineEvent, StepResult } from './types.ts';

export type TurnResult =
  | Extract<StepResult, { ok: false }>
  | { ok: true; state: ConversationState; effects: Effect[]; stopped: boolean };

export interface TurnPorts {
  classify(request: ClassificationNeeded): Promise<Classification>;
  /** Returning false stops the turn there (e.g. the store refused the segment as a duplicate). */
  onSegment?(segment: {
    state: ConversationState;
    effects: Effect[];
  }): Promise<boolean | undefined> | boolean | undefined;
}

export async function runTurn(
  flow: CompiledFlow,
  state: ConversationState,
  event: EngineEvent,
  ports: TurnPorts,
): Promise<TurnResult> {
  const effects: Effect[] = [];
  let current = state;
  let next: EngineEvent | undefined = event;
  while (next) {
    const result = step(flow, current, next);
    if (!result.ok) return result;
    if ((await ports.onSegment?.(result)) === false)
      return { ok: true, state: current, effects, stopped: true };
    effects.push(...result.effects);
    current = result.state;
    const last = result.effects.at(-1);
    next =
      last?.type === 'classify'
        ? { type: 'classified', blockId: last.request.blockId, result: await ports.classify(last.request) }
        : undefined;
  }
  return { ok: true, state: current, effects, stopped: false };
}
