export { type CompiledFlow, compileFlow } from './compile.ts';
export type { EndReason, HistoryEvent, HistoryEventType } from './history.ts';
export { runTurn, type TurnPorts, type TurnResult } from './run-turn.ts';
export { type ConversationState, initialState, type Phase } from './state.ts';
export { step } from './step.ts';
export type { ClassificationNeeded, Effect, EngineEvent, StepErrorCode, StepResult } from './types.ts';
