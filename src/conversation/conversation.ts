/**
 * One live conversation: an actor with a mailbox. Inputs are processed strictly one turn at a time, in
 * arrival order. A turn is one straight loop: step the engine → store the segment (one transaction) →
 * emit what it reveals → perform the effect the engine waits on → step with its result. Storing comes
 * before emitting, so nothing a user saw can be missing from the history after a crash.
 */
import {
  awaitedEffect,
  type Classification,
  type ClassificationNeeded,
  type CompiledFlow,
  type ConversationState,
  type Effect,
  type EngineEvent,
  type HistoryEvent,
  type PerformedEffect,
  type StepErrorCode,
  step,
} from '../engine/index.ts';
import type { IntentClassifier } from '../intent/port.ts';
import type { Store } from '../store/store.ts';
import type { ConversationObserver } from './observer.ts';
import type { FailureCode, Outbox, OutboxEvent } from './outbox.ts';
import { replyTo } from './replay.ts';

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
 * the first ones only (the message is stored, its reply is not: the turn was interrupted), or stopped
 * (a duplicate message, or a newer holder fenced the write).
 */
type TurnOutcome = 'completed' | 'not_stored' | 'interrupted' | 'stopped';

/** `deleted`: the conversation is no longer stored (erased by an admin, or expired by the janitor). */
type WriteOutcome = 'ok' | 'duplicate' | 'fenced' | 'deleted' | 'failed';

const secondsSince = (startedMs: number) => (performance.now() - startedMs) / 1_000;

type Input = EngineEvent & { type: 'start' | 'user_message' | 'resume' };

const STEP_ERRORS: Record<StepErrorCode, FailureCode> = {
  CONVERSATION_ENDED: 'CONVERSATION_ENDED',
  NOT_WAITING: 'NOT_WAITING',
  ALREADY_STARTED: 'NOT_WAITING',
  NOT_STARTED: 'NOT_WAITING',
  UNEXPECTED_CLASSIFICATION: 'NOT_WAITING',
};

/**
 * What an effect shows the client, if anything (most history events are not shown). `seq` is the
 * stored seq of the effect when it is a history event.
 */
function shown(effect: Effect, seq: number): OutboxEvent | null {
  switch (effect.type) {
    case 'history':
      return effect.event.type === 'message.bot'
        ? { type: 'bot_message', message: effect.event.data, seq }
        : null;
    case 'classify':
      return { type: 'typing' };
    case 'wait':
      return { type: 'waiting', blockId: effect.blockId };
    case 'end':
      return { type: 'ended' };
    default:
      return null;
  }
}

const historyOf = (effects: readonly Effect[]): HistoryEvent[] =>
  effects.flatMap((effect) => (effect.type === 'history' ? [effect.event] : []));

/** The store keeps a message's clientMessageId with the write that records it, to spot a resend. */
const clientMessageIdOf = (events: readonly HistoryEvent[]): string | undefined =>
  events.find((event) => event.type === 'message.user')?.data.clientMessageId;

export class Conversation {
  readonly id: string;
  readonly flow: CompiledFlow;
  private state: ConversationState;
  private persisted: boolean;
  /** Needed only to create the stored conversation: dropped once it exists (memory per idle conversation). */
  private resumeTokenHash: string | null;
  /** The signed external user id, stored with the conversation when it is created. */
  private userId: string | undefined;
  /** Ownership epoch (fencing token): our writes are refused once another channel claimed the conversation. */
  readonly epoch: number;
  private evicted = false;
  private readonly deps: ConversationDeps;
  private outbox: Outbox | null = null;
  /** The address of the channel that last held the conversation (kept after it goes: a turn may still run). */
  private clientAddress: string | undefined;
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
    userId?: string;
  }) {
    this.id = init.id;
    this.flow = init.flow;
    this.state = init.state;
    this.persisted = init.persisted;
    this.resumeTokenHash = init.persisted ? null : init.resumeTokenHash;
    this.userId = init.persisted ? undefined : init.userId;
    this.epoch = init.epoch;
    this.deps = init.deps;
  }

  /** Events now go to `outbox`. */
  attach(outbox: Outbox): void {
    this.outbox = outbox;
    this.clientAddress = outbox.clientAddress;
  }

  detach(outbox: Outbox): void {
    if (this.outbox === outbox) this.outbox = null;
  }

  get attached(): boolean {
    return this.outbox !== null;
  }

  get busy(): boolean {
    return this.running !== null;
  }

  /**
   * Another channel (here or on another instance) took the conversation over: tell ours and process
   * nothing more. What was already running finishes; its writes are fenced if it is too late.
   */
  evict(): void {
    this.evicted = true;
    this.mailbox.length = 0;
    const outbox = this.outbox;
    this.outbox = null;
    outbox?.emit([{ type: 'taken_over' }]);
  }

  /** Queues an input; resolves when the mailbox is empty again. */
  enqueue(input: Input): Promise<void> {
    if (this.evicted) return this.idle();
    if (input.type === 'user_message' && !this.deps.acceptingMessages()) {
      // Refused before it starts: a turn begun now could be cut by the channels closing at shutdown.
      this.fail('SERVER_SHUTTING_DOWN');
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
        this.fail('NOT_WAITING', { message: 'the message could not be processed; reconnect to resume' });
      }
      this.deps.observer?.turn?.(next.type, secondsSince(started));
    }
  }

  private emit(events: readonly OutboxEvent[]): void {
    if (events.length > 0) this.outbox?.emit(events);
  }

  private fail(code: FailureCode, details: { message?: string; fatal?: true } = {}): void {
    this.emit([{ type: 'failed', code, ...details }]);
  }

  private async process(input: Input): Promise<void> {
    if (this.interrupted && input.type === 'user_message') {
      // The engine is still at the interrupted intent block: resuming re-runs its classification.
      const recovery = await this.runTurn({ type: 'resume' });
      // 'not_stored' has already said STORE_UNAVAILABLE, which is true of this message too.
      if (recovery === 'not_stored') return;
      if (recovery === 'interrupted') return this.fail('STORE_UNAVAILABLE');
    }
    await this.runTurn(input);
  }

  /** One turn: step → store → emit → perform → step, until the engine waits on no effect. */
  private async runTurn(input: Input): Promise<TurnOutcome> {
    let event: EngineEvent | undefined = input;
    for (let segment = 0; event; segment++) {
      const result = step(this.flow, this.state, event);
      if (!result.ok) {
        this.fail(STEP_ERRORS[result.error.code]);
        break;
      }
      const events = historyOf(result.effects);
      const written = await this.store(events, result.state);
      if (written !== 'ok') return this.stopped(written, events, segment);
      this.state = result.state;
      this.emit(this.reveal(result.effects, events.length));
      const awaited = awaitedEffect(result.effects);
      event = awaited && (await this.perform(awaited));
    }
    this.interrupted = false;
    return 'completed';
  }

  /** What a stored segment shows, numbered from the seq the store gave its first event. */
  private reveal(effects: readonly Effect[], stored: number): OutboxEvent[] {
    let seq = this.lastSeq - stored;
    const revealed: OutboxEvent[] = [];
    for (const effect of effects) {
      if (effect.type === 'history') seq += 1;
      const event = shown(effect, seq);
      if (event) revealed.push(event);
    }
    return revealed;
  }

  /** The effect the engine waits on, performed; its outcome is the engine's next event. */
  private async perform(effect: PerformedEffect): Promise<EngineEvent> {
    switch (effect.type) {
      case 'classify':
        return {
          type: 'classified',
          blockId: effect.request.blockId,
          result: await this.classify(effect.request),
        };
    }
  }

  /** A segment was not stored: say why, and how much of the turn the history now holds. */
  private async stopped(
    written: Exclude<WriteOutcome, 'ok'>,
    events: readonly HistoryEvent[],
    segment: number,
  ): Promise<TurnOutcome> {
    const clientMessageId = clientMessageIdOf(events);
    if (written === 'duplicate' && clientMessageId) {
      this.emit([{ type: 'duplicate', clientMessageId }]);
      await this.replayReplyTo(clientMessageId);
    } else if (written === 'fenced') {
      this.evict();
    } else if (written === 'deleted') {
      // Erased or expired while it was open: nothing more can be stored, so nothing more is processed.
      this.evicted = true;
      this.mailbox.length = 0;
      this.fail('CONVERSATION_DELETED', { fatal: true });
    } else {
      return this.storeFailed(segment);
    }
    return 'stopped';
  }

  /** Tells the client the truth about a failed write: nothing stored, or the message without its reply. */
  private storeFailed(segment: number): TurnOutcome {
    if (segment > 0) {
      this.interrupted = true;
      this.fail('TURN_INTERRUPTED');
      return 'interrupted';
    }
    // A conversation that could not even be created cannot be resumed: the channel closes.
    this.fail('STORE_UNAVAILABLE', this.persisted ? {} : { fatal: true });
    return 'not_stored';
  }

  /** A resent message was stored before: its reply may never have reached the client, so send it again. */
  private async replayReplyTo(clientMessageId: string): Promise<void> {
    try {
      this.emit(await replyTo(this.deps.store, this.id, clientMessageId));
    } catch (err) {
      this.deps.onError(err, this.id, 'reading a reply to replay');
      this.fail('STORE_UNAVAILABLE', { message: 'the reply could not be read; send the message again' });
    }
  }

  private async classify(request: ClassificationNeeded): Promise<Classification> {
    const started = this.deps.now().getTime();
    const timer = performance.now();
    try {
      const clientAddress = this.clientAddress;
      const result = await this.deps.classifier.classify({
        ...request,
        signal: AbortSignal.timeout(this.deps.intentTimeoutMs),
        caller: { conversationId: this.id, ...(clientAddress === undefined ? {} : { clientAddress }) },
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

  private async store(events: HistoryEvent[], state: ConversationState): Promise<WriteOutcome> {
    const at = this.deps.now().toISOString();
    const status = state.phase === 'ended' ? 'ended' : 'active';
    const started = performance.now();
    const observe = (operation: 'create' | 'append') =>
      this.deps.observer?.storeWrite?.(operation, secondsSince(started));
    try {
      if (!this.persisted && this.resumeTokenHash !== null) {
        await this.deps.store.createConversation(
          {
            id: this.id,
            flowVersion: this.flow.version,
            resumeTokenHash: this.resumeTokenHash,
            state,
            status,
            at,
            ...(this.userId === undefined ? {} : { userId: this.userId }),
          },
          events,
        );
        observe('create');
        this.persisted = true;
        this.resumeTokenHash = null;
        this.userId = undefined;
        this.lastSeq = events.length;
        return 'ok';
      }
      const clientMessageId = clientMessageIdOf(events);
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
      return written.reason === 'not_found' ? 'deleted' : written.reason;
    } catch (err) {
      observe(this.persisted ? 'append' : 'create');
      this.deps.onError(err, this.id, 'store write');
      return 'failed';
    }
  }
}
