/**
 * Runs a conversation through the engine in this process: no server, no store, no network. Every
 * intent block is answered by the offline classifier (whatever provider the block asks for: a test
 * run never calls an LLM), or by the step's pinned answer. The classifier is trained once per flow.
 */
import {
  type Classification,
  type ClassificationNeeded,
  type CompiledFlow,
  type ConversationState,
  compileFlow,
  type EngineEvent,
  type HistoryEvent,
  initialState,
  intentDefinitions,
  step,
} from '../engine/index.ts';
import type { Flow } from '../flow/types.ts';
import { turnEventsOf } from './branches.ts';
import type { IntentAnswer } from './format.ts';
import type { ConversationDriver, ObservedTurn, TurnInput } from './observed.ts';

/** What answers the classifications that are not pinned. */
export interface TestClassifier {
  classify(request: ClassificationNeeded): Promise<Classification>;
}

/** The provider name pinned answers carry. */
export const PINNED_PROVIDER = 'pinned';

/** Any version number: the flow under test is not stored anywhere. */
const TEST_FLOW_VERSION = 1;

function pinnedResult(answer: IntentAnswer): Classification {
  const outcome = { provider: PINNED_PROVIDER, latencyMs: 0, cached: false, fallback: false };
  return answer === null
    ? { ...outcome, kind: 'no_match' }
    : { ...outcome, kind: 'match', intent: answer, confidence: 1, defaultMinConfidence: 0 };
}

export class EngineDriver implements ConversationDriver {
  readonly #flow: CompiledFlow;
  readonly #classifier: TestClassifier;
  #state: ConversationState = initialState(TEST_FLOW_VERSION);

  constructor(flow: CompiledFlow, classifier: TestClassifier) {
    this.#flow = flow;
    this.#classifier = classifier;
  }

  start(): Promise<ObservedTurn> {
    return this.#turn({ type: 'start' }, []);
  }

  send(input: TurnInput): Promise<ObservedTurn> {
    return this.#turn({ type: 'user_message', text: input.text }, input.pinned ?? []);
  }

  async close(): Promise<void> {}

  /** step → perform the classification it waits on → step, as the server's runtime does, without a store. */
  async #turn(first: EngineEvent, pinned: readonly IntentAnswer[]): Promise<ObservedTurn> {
    const history: HistoryEvent[] = [];
    let classifications = 0;
    let event: EngineEvent | undefined = first;
    while (event) {
      const result = step(this.#flow, this.#state, event);
      // A test file cannot make the engine refuse an event: the runner never sends after the end.
      if (!result.ok) throw new Error(`the engine refused a ${event.type} event: ${result.error.message}`);
      this.#state = result.state;
      event = undefined;
      for (const effect of result.effects) {
        if (effect.type === 'history') history.push(effect.event);
        if (effect.type !== 'classify') continue;
        const answer = pinned[Math.min(classifications, pinned.length - 1)];
        classifications += 1;
        const request = effect.request;
        event = {
          type: 'classified',
          blockId: request.blockId,
          result: answer !== undefined ? pinnedResult(answer) : await this.#classifier.classify(request),
        };
      }
    }
    return this.#observe(history);
  }

  #observe(history: readonly HistoryEvent[]): ObservedTurn {
    const { blocks, classifications } = turnEventsOf(history, this.#flow.flow);
    // In ObservedTurn's order: the --json transcript prints the fields so.
    return {
      bot: history.flatMap((event) =>
        event.type === 'message.bot'
          ? [{ text: event.data.text, ...(event.data.options ? { options: event.data.options } : {}) }]
          : [],
      ),
      classifications,
      at: this.#state.phase === 'ended' ? null : this.#state.blockId,
      ended: this.#state.phase === 'ended',
      vars: { ...this.#state.variables },
      blocks,
    };
  }
}

/** The flow compiled and its intent blocks' names, for a classifier to prepare. */
export function compileForTests(flow: Flow): {
  compiled: CompiledFlow;
  intentBlocks: { blockId: string; intents: ReturnType<typeof intentDefinitions> }[];
} {
  return {
    compiled: compileFlow(flow, TEST_FLOW_VERSION),
    intentBlocks: flow.blocks.flatMap((block) =>
      block.type === 'intent' ? [{ blockId: block.id, intents: intentDefinitions(block) }] : [],
    ),
  };
}
