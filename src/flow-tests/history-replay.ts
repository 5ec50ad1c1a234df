/**
 * What a server does not send over the chat: the events of each turn, read from its history (the admin
 * API), and the variables, which it does not expose at all. Those are computed by replaying each turn
 * in this process, in lockstep, through the engine on the same flow version, its intent blocks
 * answered exactly as the server's history says they were (the same intent and confidence, a no-match,
 * an error). The engine is deterministic, so the replay's variables are the server's; a replay that
 * takes another path than the history (a server running another version of the engine) is an error
 * rather than wrong variables.
 */
import { z } from 'zod';
import type { Classification, ClassificationNeeded, CompiledFlow, HistoryEvent } from '../engine/index.ts';
import type { AdminClient } from './admin-client.ts';
import { enteredBlocks, type IntentEvent, isIntentEvent } from './branches.ts';
import { EngineDriver, type TestClassifier } from './engine-driver.ts';
import type { ObservedTurn } from './observed.ts';

/** Only what is read; a server of a later version may add event types and fields. */
const conversationSchema = z.object({
  events: z.array(z.looseObject({ seq: z.int(), type: z.string(), data: z.record(z.string(), z.unknown()) })),
});

/** A conversation's history, read turn by turn. */
export class ServerHistory {
  readonly #admin: AdminClient;
  readonly #path: string;
  #seen = 0;

  constructor(admin: AdminClient, conversationId: string) {
    this.#admin = admin;
    this.#path = `/api/conversations/${encodeURIComponent(conversationId)}`;
  }

  /**
   * The events stored since the last call. Called once the bot's turn has ended (`waiting` or `end`),
   * they are the whole turn: the server stores a turn's events before the frames that reveal them.
   */
  async sinceLastCall(): Promise<HistoryEvent[]> {
    const { body } = await this.#admin.get(this.#path, 'the conversation history');
    const parsed = conversationSchema.safeParse(body);
    if (!parsed.success)
      throw new Error(`the server's answer to GET ${this.#path} is not a conversation history`);
    const fresh = parsed.data.events.filter((event) => event.seq > this.#seen);
    this.#seen = Math.max(this.#seen, ...fresh.map((event) => event.seq));
    return fresh as unknown as HistoryEvent[];
  }
}

/** The server's answer as the classifier's, so that the replayed engine takes the branch the server took. */
function answerOf(event: IntentEvent): Classification {
  const outcome = { provider: event.data.provider, latencyMs: 0, cached: false, fallback: false };
  switch (event.type) {
    case 'intent.detected':
      // The server's confidence passed the block's threshold there; with no provider default it passes here too.
      return {
        ...outcome,
        kind: 'match',
        intent: event.data.intent,
        confidence: event.data.confidence,
        defaultMinConfidence: 0,
      };
    case 'intent.no_match':
      return {
        ...outcome,
        kind: 'no_match',
        ...(event.data.confidence === undefined ? {} : { confidence: event.data.confidence }),
      };
    case 'intent.error':
      return { ...outcome, kind: 'error', code: event.data.code, message: event.data.message };
  }
}

/** Answers the replay's classifications with the server's, in order, and says when the two disagree. */
class HistoryAnswers implements TestClassifier {
  #pending: IntentEvent[] = [];

  set(events: readonly IntentEvent[]): void {
    this.#pending = [...events];
  }

  get unused(): number {
    return this.#pending.length;
  }

  async classify(request: ClassificationNeeded): Promise<Classification> {
    const event = this.#pending.shift();
    if (event?.data.blockId !== request.blockId) {
      throw new ReplayDivergence(
        `the replay classifies at block "${request.blockId}", the server ${event ? `at "${event.data.blockId}"` : 'no more'}`,
      );
    }
    return answerOf(event);
  }
}

export class ReplayDivergence extends Error {
  override name = 'ReplayDivergence';

  constructor(detail: string) {
    super(
      `the variables cannot be computed: replaying the turn here does not follow the server's history (${detail}); is the server running another version of chatflow?`,
    );
  }
}

/** One server conversation's twin in this process, one turn behind it at most. */
export class LockstepReplay {
  readonly #answers = new HistoryAnswers();
  readonly #engine: EngineDriver;

  constructor(flow: CompiledFlow) {
    this.#engine = new EngineDriver(flow, this.#answers);
  }

  /** The opening turn whose events are `events`; the variables after it. */
  start(events: readonly HistoryEvent[]): Promise<Record<string, string>> {
    return this.#replay(events, () => this.#engine.start());
  }

  /** The turn `text` started, whose events are `events`; the variables after it. */
  send(text: string, events: readonly HistoryEvent[]): Promise<Record<string, string>> {
    return this.#replay(events, () => this.#engine.send({ text }));
  }

  async #replay(
    events: readonly HistoryEvent[],
    turn: () => Promise<ObservedTurn>,
  ): Promise<Record<string, string>> {
    this.#answers.set(events.filter(isIntentEvent));
    const replayed = await turn();
    const expected = enteredBlocks(events);
    if (replayed.blocks.join('\n') !== expected.join('\n')) {
      throw new ReplayDivergence(
        `blocks entered here: ${replayed.blocks.join(' → ') || '(none)'}; on the server: ${expected.join(' → ') || '(none)'}`,
      );
    }
    if (this.#answers.unused > 0)
      throw new ReplayDivergence(`${this.#answers.unused} classification(s) left over`);
    return replayed.vars;
  }
}
