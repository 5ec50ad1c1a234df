import type { Block } from '../flow/types.ts';
import type { Classification, ClassifyRequest } from './classification.ts';
import type { CompiledFlow } from './compile.ts';
import type { EndReason, HistoryEvent } from './history.ts';
import type { ConversationState } from './state.ts';

/** What can happen to a conversation. */
export type EngineEvent =
  | { type: 'start' }
  | { type: 'user_message'; text: string; clientMessageId?: string }
  | { type: 'classified'; blockId: string; result: Classification }
  /** A client reconnected: re-announce where the conversation stands (and re-ask a lost classification). */
  | { type: 'resume' };

/** A classification the runtime must perform; its result comes back as a `classified` event. */
export type ClassificationNeeded = Omit<ClassifyRequest, 'signal'>;

/**
 * Effects the runtime performs for the engine, outside it (a classification today; an HTTP call, a
 * generated answer or a timer later): the last effect of a step, whose outcome the runtime feeds back
 * as the next event. Adding one: a case here, its key in PERFORMED, and a performer in the runtime.
 */
export type PerformedEffect = { type: 'classify'; request: ClassificationNeeded };

/** What the runtime must do, in order. History events are stored before anything they reveal is sent. */
export type Effect =
  | { type: 'history'; event: HistoryEvent }
  | { type: 'wait'; blockId: string }
  | { type: 'end'; reason: EndReason }
  | PerformedEffect;

export type StepErrorCode =
  | 'CONVERSATION_ENDED'
  | 'NOT_WAITING'
  | 'ALREADY_STARTED'
  | 'NOT_STARTED'
  | 'UNEXPECTED_CLASSIFICATION';

export type StepResult =
  | { ok: true; state: ConversationState; effects: Effect[] }
  | { ok: false; error: { code: StepErrorCode; message: string } };

/** Where a block sends the turn next. */
export type Outcome = { kind: 'goto'; target: string } | { kind: 'stop' };

/** The turn being built by one step: a private draft of the state plus the effects so far. */
export interface Turn {
  readonly flow: CompiledFlow;
  readonly state: ConversationState;
  readonly effects: Effect[];
}

export type Executor<B extends Block> = (block: B, turn: Turn) => Outcome;
