/**
 * One live conversation: an actor with a mailbox. Inputs are processed strictly one turn at a time, in
 * arrival order; the effects of each engine step are stored (one transaction) before any frame that
 * reveals them is sent, so nothing a user saw can be missing from the history after a crash.
 */
import type { CompiledFlow } from '../engine/compile.ts';
import type { HistoryEvent } from '../engine/history.ts';
import type { Classification } from '../engine/index.ts';
import { runTurn } from '../engine/run-turn.ts';
import type { ConversationState } from '../engine/state.ts';
import type { Effect, EngineEvent, StepErrorCode } from '../engine/types.ts';
import type { IntentClassifier } from '../intent/port.ts';
import type { Store } from '../store/store.ts';
import { errorFrame, type FrameErrorCode, type FrameSink, type ServerFrame } from './frames.ts';
import type { ConversationObserver } from './observer.ts';
import { messageFrame, replyTo } from './replay.ts';

export const TAKEN_OVER = { code: 4409, reason: 'resumed elsewhere' } as const;

export interface ConversationDeps {
  store: Store;
  classifier: IntentClassifier;
  /** Bounds one classification end to end (INTENT_TIMEOUT_MS). */
  intentTimeoutMs: number;
  now: () => Date;
  /** A store write failed, or (a bug) a turn threw: logged; the conversation and the process go on. */
  onError: (err: unknown, conversationId: string, during: string) => void;
  /** Told the duration of each turn, classification and write (metrics). */
  observer?: ConversationObserver;
  /** False once the server is shutting down: new user messages are then refused before they start. */
  acceptingMessages: () => boolean;
}

/**
 * How storing a turn went: every segment stored, none (nothing happened: the message can be sent again),
 * or the first only (the message is stored, its reply is not: the turn was interrupted).
 */
type TurnOutcome = 'completed' | 'not_stored' | 'interrupted' | 'stopped';

const secondsSince = (startedMs: number) => (performance.now() - startedMs) / 1_000;

type Input = EngineEvent & { type: 'start' | 'user_message' | 'resume' };

const STEP_ERRORS: Record<StepErrorCode, FrameErrorCode> = {
  CONVERSATION_ENDED: 'CONVERSATION_ENDED',
  NOT_WAITING: 'NOT_WAITING',
  ALREADY_STARTED: 'NOT_WAITING',
  NOT_STARTED: 'NOT_WAITING',
  UNEXPECTED_CLASSIFICATION: 'NOT_WAITING',
};

/**
 * The frame that shows an effect to the client, if any (most history events are not shown). `seq` is
 * the stored seq of the effect when it is a history event.
 */
function frameOf(effect: Effect, seq: number): ServerFrame | null {
  switch (effect.type) {
    case 'history':
      return effect.event.type === 'message.bot' ? messageFrame(effect.event.data, seq) : null;
    case 'classify':
      return { type: 'typing' };
    case 'wait':
      return { type: 'waiting', blockId: effect.blockId };
    case 'end':
      return { type: 'end' };
    default:
      return null;
  }
}

const historyOf = (effects: readonly Effect[]): HistoryEvent[] =>
  effects.flatMap((effect) => (effect.type === 'history' ? [effect.event] : []));

export class Conversation {
  readonly id: string;
  readonly flow: CompiledFlow;
  private state: ConversationState;
  private persisted: boolean;
  private readonly resumeTokenHash: string;
  /** Ownership epoch (fencing token): our writes are refused once another socket claimed the conversation. */
  readonly epoch: number;
  private evicted = false;
  private readonly deps: ConversationDeps;
  private sink: FrameSink | null = null;
  private readonly mailbox: Input[] = [];
  private running: Promise<void> | null = null;
  /** A store failure cut the last turn after its first segment: finish it before the next message. */
  private interrupted = false;
  /** The seq of the last event this conversation stored (set by every successful write). */
  private lastSeq = 0;

  constructor(init: {
    id: string;
    flow: CompiledFlow;
    state: ConversationState;
    persisted: boolean;
    resumeTokenHash: string;
    epoch: number;
    deps: ConversationDeps;
  }) {
    this.id = init.id;
    this.flow = init.flow;
    this.state = init.state;
    this.persisted = init.persisted;
    this.resumeTokenHash = init.resumeTokenHash;
    this.epoch = init.epoch;
    this.deps = init.deps;
  }

  get phase() {
    return this.state.phase;
  }

  /** Frames now go to `sink`; the previous holder, if any, is returned so the caller can close it. */
  attach(sink: FrameSink): FrameSink | null {
    const previous = this.sink;
    this.sink = sink;
    return previous === sink ? null : previous;
  }

  detach(sink: FrameSink): void {
    if (this.sink === sink) this.sink = null;
  }

  get attached(): boolean {
    return this.sink !== null;
  }

  get busy(): boolean {
    return this.running !== null;
  }

  get isEvicted(): boolean {
    return this.evicted;
  }

  /**
   * Another socket (here or on another instance) took the conversation over: close ours with 4409 and
   * process nothing more. What was already running finishes; its writes are fenced if it is too late.
   */
  evict(): void {
    this.evicted = true;
    this.mailbox.length = 0;
    const sink = this.sink;
    this.sink = null;
    sink?.close(TAKEN_OVER.code, TAKEN_OVER.reason);
  }

  /** Queues an input; resolves when the mailbox is empty again. */
  enqueue(input: Input): Promise<void> {
    if (this.evicted) return this.idle();
    if (input.type === 'user_message' && !this.deps.acceptingMessages()) {
      // Refused before it starts: a turn begun now could be cut by the sockets closing at shutdown.
      this.send(errorFrame('SERVER_SHUTTING_DOWN'));
      return this.idle();
    }
    this.mailbox.push(input);
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Resolves once every queued input has been processed. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    for (let next = this.mailbox.shift(); next; next = this.mailbox.shift()) {
      const started = performance.now();
      try {
        await this.process(next);
      } catch (err) {
        // Nothing here should throw; if something does, this turn is lost but the queue keeps moving.
        this.deps.onError(err, this.id, `processing ${next.type}`);
        this.send(errorFrame('NOT_WAITING', 'the message could not be processed; reconnect to resume'));
      }
      this.deps.observer?.turn?.(next.type, secondsSince(started));
    }
  }

  private send(frame: ServerFrame): void {
    this.sink?.send(frame);
  }

  private async process(input: Input): Promise<void> {
    if (this.interrupted && input.type === 'user_message') {
      // The engine is still at the interrupted intent block: resuming re-runs its classification.
      const recovery = await this.runAndStore({ type: 'resume' });
      // 'not_stored' has already said STORE_UNAVAILABLE, which is true of this message too.
      if (recovery === 'not_stored') return;
      if (recovery === 'interrupted') return this.send(errorFrame('STORE_UNAVAILABLE'));
    }
    await this.runAndStore(input);
  }

  /** Runs one turn, storing each segment before showing it; says how far the storing got. */
  private async runAndStore(input: Input): Promise<TurnOutcome> {
    let segments = 0;
    let outcome: TurnOutcome = 'completed';
    const clientMessageId = input.type === 'user_message' ? input.clientMessageId : undefined;
    const result = await runTurn(this.flow, this.state, input, {
      classify: (request) => this.classify(request),
      onSegment: async (segment) => {
        const first = segments++ === 0;
        const events = historyOf(segment.effects);
        const stored = await this.store(events, segment.state, first ? clientMessageId : undefined);
        if (stored !== 'ok') {
          outcome = 'stopped';
          if (stored === 'duplicate' && clientMessageId) {
            this.send({ type: 'ack', clientMessageId, duplicate: true });
            await this.replayReplyTo(clientMessageId);
          } else if (stored === 'fenced') {
            this.evict();
          } else {
            outcome = this.storeFailed(first);
          }
          return false;
        }
        this.state = segment.state;
        let seq = this.lastSeq - events.length; // the store numbered this segment's events from here
        for (const effect of segment.effects) {
          if (effect.type === 'history') seq += 1;
          const frame = frameOf(effect, seq);
          if (frame) this.send(frame);
        }
        if (segment.state.phase === 'ended') this.sink?.close(1000, 'conversation ended');
        return true;
      },
    });
    if (!result.ok) this.send(errorFrame(STEP_ERRORS[result.error.code]));
    if (outcome === 'completed') this.interrupted = false;
    return outcome;
  }

  /** Tells the client the truth about a failed write: nothing stored, or the message without its reply. */
  private storeFailed(first: boolean): TurnOutcome {
    if (!first) {
      this.interrupted = true;
      this.send(errorFrame('TURN_INTERRUPTED'));
      return 'interrupted';
    }
    this.send(errorFrame('STORE_UNAVAILABLE'));
    // A conversation that could not even be created cannot be resumed: end the socket.
    if (!this.persisted) this.sink?.close(1011, 'storage unavailable');
    return 'not_stored';
  }

  /** A resent message was stored before: its reply may never have reached the client, so send it again. */
  private async replayReplyTo(clientMessageId: string): Promise<void> {
    try {
      for (const frame of await replyTo(this.deps.store, this.id, clientMessageId)) this.send(frame);
    } catch (err) {
      this.deps.onError(err, this.id, 'reading a reply to replay');
      this.send(errorFrame('STORE_UNAVAILABLE', 'the reply could not be read; send the message again'));
    }
  }

  private async classify(request: Parameters<IntentClassifier['classify']>[0]): Promise<Classification> {
    const started = this.deps.now().getTime();
    const timer = performance.now();
    try {
      const result = await this.deps.classifier.classify({
        ...request,
        signal: AbortSignal.timeout(this.deps.intentTimeoutMs),
      });
      this.deps.observer?.classified?.(result.provider, result.kind, secondsSince(timer));
      return result;
    } catch (err) {
      this.deps.observer?.classified?.('unknown', 'error', secondsSince(timer));
      // The port promises never to reject; if one does anyway, the conversation still goes on.
      return {
        kind: 'error',
        code: 'PROVIDER_ERROR',
        message: err instanceof Error ? err.message : 'classifier failed',
        provider: 'unknown',
        latencyMs: this.deps.now().getTime() - started,
        cached: false,
        fallback: false,
      };
    }
  }

  private async store(
    events: HistoryEvent[],
    state: ConversationState,
    clientMessageId: string | undefined,
  ): Promise<'ok' | 'duplicate' | 'fenced' | 'failed'> {
    const at = this.deps.now().toISOString();
    const status = state.phase === 'ended' ? 'ended' : 'active';
    const started = performance.now();
    const observe = (operation: 'create' | 'append') =>
      this.deps.observer?.storeWrite?.(operation, secondsSince(started));
    try {
      if (!this.persisted) {
        await this.deps.store.createConversation(
          {
            id: this.id,
            flowVersion: this.flow.version,
            resumeTokenHash: this.resumeTokenHash,
            state,
            status,
            at,
          },
          events,
        );
        observe('create');
        this.persisted = true;
        this.lastSeq = events.length;
        return 'ok';
      }
      const written = await this.deps.store.appendTurn({
        conversationId: this.id,
        events,
        state,
        status,
        at,
        epoch: this.epoch,
        ...(clientMessageId ? { clientMessageId } : {}),
      });
      observe('append');
      if (written.ok) {
        this.lastSeq = written.lastSeq;
        return 'ok';
      }
      return written.reason === 'not_found' ? 'failed' : written.reason;
    } catch (err) {
      observe(this.persisted ? 'append' : 'create');
      this.deps.onError(err, this.id, 'store write');
      return 'failed';
    }
  }
}
