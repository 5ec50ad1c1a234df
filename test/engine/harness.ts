/** A small test harness: a conversation driven through runTurn with a scripted classifier. */
import { compileFlow } from '../../src/engine/compile.ts';
import type { HistoryEvent } from '../../src/engine/history.ts';
import type { Classification } from '../../src/engine/index.ts';
import { runTurn } from '../../src/engine/run-turn.ts';
import { type ConversationState, initialState } from '../../src/engine/state.ts';
import type { ClassificationNeeded, Effect, EngineEvent } from '../../src/engine/types.ts';
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
    const result = await runTurn(this.flow, this.state, event, {
      classify: async (request) => {
        this.requests.push(request);
        return this.script(request);
      },
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
