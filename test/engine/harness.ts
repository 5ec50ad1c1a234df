/** A small test harness: a conversation driven through the engine's steps with a scripted classifier. */
import {
  awaitedEffect,
  type Classification,
  type ClassificationNeeded,
  type CompiledFlow,
  type ConversationState,
  compileFlow,
  type Effect,
  type EngineEvent,
  type HistoryEvent,
  initialState,
  type StepResult,
  step,
} from '../../src/engine/index.ts';
import type { Flow } from '../../src/flow/types.ts';

export type Script = (request: ClassificationNeeded) => Classification;

const base = { provider: 'stub', latencyMs: 3, cached: false, fallback: false } as const;
export const match = (intent: string, confidence = 0.9): Classification => ({
  ...base,
  kind: 'match',
  intent,
  confidence,
  defaultMinConfidence: 0.5,
});
export const noMatch = (confidence?: number): Classification => ({
  ...base,
  kind: 'no_match',
  ...(confidence === undefined ? {} : { confidence }),
});
export const providerError = (): Classification => ({
  ...base,
  kind: 'error',
  code: 'PROVIDER_TIMEOUT',
  message: 'timed out',
});

/** Matches the first intent whose id appears as a word in the text; "boom" fails; else no match. */
export const keywords: Script = (request) => {
  if (/\bboom\b/.test(request.text)) return providerError();
  const hit = request.intents.find((intent) => new RegExp(`\\b${intent.id}\\b`, 'i').test(request.text));
  return hit ? match(hit.id) : noMatch(0.1);
};

/**
 * One whole turn, as the runtime runs it minus storage and frames: step, perform the awaited
 * classification, step with its result, until the turn stops; every step's effects, in order.
 */
export async function runTurn(
  flow: CompiledFlow,
  state: ConversationState,
  event: EngineEvent,
  classify: (request: ClassificationNeeded) => Promise<Classification>,
): Promise<Extract<StepResult, { ok: false }> | { ok: true; state: ConversationState; effects: Effect[] }> {
  const effects: Effect[] = [];
  let current = state;
  for (let next: EngineEvent | undefined = event; next; ) {
    const result = step(flow, current, next);
    if (!result.ok) return result;
    effects.push(...result.effects);
    current = result.state;
    const awaited = awaitedEffect(result.effects);
    next = awaited && {
      type: 'classified',
      blockId: awaited.request.blockId,
      result: await classify(awaited.request),
    };
  }
  return { ok: true, state: current, effects };
}

export const botTexts = (effects: readonly Effect[]) =>
  effects.flatMap((e) => (e.type === 'history' && e.event.type === 'message.bot' ? [e.event.data.text] : []));

export const historyOf = (effects: readonly Effect[]): HistoryEvent[] =>
  effects.flatMap((e) => (e.type === 'history' ? [e.event] : []));

export class Conversation {
  readonly flow;
  state: ConversationState;
  readonly requests: ClassificationNeeded[] = [];
  readonly history: HistoryEvent[] = [];
  last: Effect[] = [];

  readonly script: Script;

  constructor(flow: Flow, script: Script = keywords, version = 1) {
    this.script = script;
    this.flow = compileFlow(flow, version);
    this.state = initialState(version);
  }

  async send(event: EngineEvent): Promise<Effect[]> {
    const result = await runTurn(this.flow, this.state, event, async (request) => {
      this.requests.push(request);
      return this.script(request);
    });
    if (!result.ok) throw new Error(`step failed: ${result.error.code}`);
    // Every intermediate state must survive serialisation (it is stored after every turn).
    this.state = JSON.parse(JSON.stringify(result.state));
    this.last = result.effects;
    this.history.push(...historyOf(result.effects));
    return result.effects;
  }

  start = () => this.send({ type: 'start' });
  say = (text: string) => this.send({ type: 'user_message', text });
}
