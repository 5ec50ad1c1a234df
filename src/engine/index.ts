/**
 * The engine's public face: the pure step, and the types a runtime and its adapters (intent/, store/)
 * exchange with it. Everything outside engine/ imports from here.
 */
export { intentDefinitions } from './blocks/intent.ts';
export type {
  Classification,
  ClassifyRequest,
  ContextMessage,
  FallbackReason,
  IntentDefinition,
  IntentErrorCode,
} from './classification.ts';
export { type CompiledFlow, compileFlow } from './compile.ts';
export type { EndReason, FallbackFrom, HistoryEvent, HistoryEventType } from './history.ts';
export { awaitedEffect } from './performed.ts';
export { type ConversationState, initialState, loadState, type Phase, STATE_VERSION } from './state.ts';
export { step } from './step.ts';
export type {
  ClassificationNeeded,
  Effect,
  EngineEvent,
  PerformedEffect,
  StepErrorCode,
  StepResult,
} from './types.ts';
