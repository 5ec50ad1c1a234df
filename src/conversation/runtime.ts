/**
 * The conversation runtime: starts and resumes conversations, keeps the live ones (one actor each),
 * hands a conversation over to a new channel on resume (the old one is told `taken_over`), and drains
 * in-flight turns on shutdown. It speaks to channels through an Outbox, in domain events only.
 */

import { initialState, loadState } from '../engine/index.ts';
import type { IntentClassifier } from '../intent/port.ts';
import type { Store } from '../store/store.ts';
import { Conversation, type ConversationDeps } from './conversation.ts';
import type { FlowCatalog } from './flow-catalog.ts';
import type { ConversationObserver } from './observer.ts';
import type { FailureCode, Outbox } from './outbox.ts';
import { missedMessages } from './replay.ts';
import { hashToken, newConversationId, newResumeToken, tokenMatches } from './tokens.ts';

export interface RuntimeOptions {
  store: Store;
  catalog: FlowCatalog;
  classifier: IntentClassifier;
  intentTimeoutMs: number;
  now?: () => Date;
  onError?: (err: unknown, context: Record<string, unknown>) => void;
  /** This instance just took a conversation over with `epoch`: other instances must let go of older claims. */
  onClaimed?: (conversationId: string, epoch: number) => void;
  /** Told about each turn, classification and history write (metrics). */
  observer?: ConversationObserver;
}

/** `TAKEN_OVER`: a newer resume of the same conversation won the race; the channel is treated as evicted. */
export type OpenResult =
  | { ok: true; conversation: Conversation }
  | { ok: false; code: FailureCode | 'TAKEN_OVER' };

/** Resumes of one conversation in progress here, and the newest epoch claimed (here or elsewhere) meanwhile. */
interface ClaimsInProgress {
  count: number;
  newestEpoch: number;
}

export class ConversationRuntime {
  private readonly live = new Map<string, Conversation>();
  private readonly claiming = new Map<string, ClaimsInProgress>();
  private readonly deps: ConversationDeps;
  private readonly options: RuntimeOptions;
  private draining = false;

  constructor(options: RuntimeOptions) {
    this.options = options;
    this.deps = {
      store: options.store,
      classifier: options.classifier,
      intentTimeoutMs: options.intentTimeoutMs,
      now: options.now ?? (() => new Date()),
      onError: (err, conversationId, during) => options.onError?.(err, { conversationId, during }),
      ...(options.observer ? { observer: options.observer } : {}),
      acceptingMessages: () => !this.draining,
    };
  }

  get liveCount(): number {
    return this.live.size;
  }

  /**
   * Starts a new conversation on the current flow; its events go to `outbox`. `userId`: the external
   * user id the embedding site signed (checked by the channel), stored with the conversation.
   */
  async start(outbox: Outbox, options: { userId?: string } = {}): Promise<OpenResult> {
    if (this.draining) return { ok: false, code: 'SERVER_SHUTTING_DOWN' };
    let flow: Awaited<ReturnType<FlowCatalog['current']>>;
    try {
      flow = await this.options.catalog.current();
    } catch (err) {
      this.options.onError?.(err, { during: 'loading the current flow' });
      return {
        ok: false,
        code:
          err instanceof Error && err.name === 'FlowUnavailableError'
            ? 'FLOW_UNAVAILABLE'
            : 'STORE_UNAVAILABLE',
      };
    }
    const id = newConversationId();
    const resumeToken = newResumeToken();
    const conversation = new Conversation({
      id,
      flow,
      state: initialState(flow.version),
      persisted: false,
      resumeTokenHash: hashToken(resumeToken),
      epoch: 1,
      deps: this.deps,
      ...(options.userId === undefined ? {} : { userId: options.userId }),
    });
    this.track(conversation);
    conversation.attach(outbox);
    outbox.emit([{ type: 'opened', conversationId: id, resumeToken, flowVersion: flow.version }]);
    void conversation.enqueue({ type: 'start' });
    return { ok: true, conversation };
  }

  /**
   * Resumes a stored conversation on this channel. Unknown id and wrong token get the same answer, so
   * the refusal tells nothing about which conversations exist. The channel that held the conversation
   * until now (here, or on another instance) is told `taken_over`: the claim bumps the conversation's
   * epoch, which fences every later write of the previous holder. With `afterSeq` (the last event seq
   * the client saw), the bot messages stored after it are replayed before the turn goes on.
   */
  async resume(
    conversationId: string,
    resumeToken: string,
    outbox: Outbox,
    afterSeq?: number,
  ): Promise<OpenResult> {
    if (this.draining) return { ok: false, code: 'SERVER_SHUTTING_DOWN' };
    const claims = this.claimsOf(conversationId);
    claims.count++;
    try {
      const record = await this.options.store.getConversation(conversationId);
      if (!record || !tokenMatches(resumeToken, record.resumeTokenHash))
        return { ok: false, code: 'RESUME_REFUSED' };
      if (record.status === 'ended') {
        // Its last turn may have been stored but never shown: show it before saying it has ended.
        outbox.emit(await missedMessages(this.options.store, conversationId, afterSeq));
        return { ok: false, code: 'CONVERSATION_ENDED' };
      }
      const flow = await this.options.catalog.version(record.flowVersion);
      await this.evict(conversationId);
      const claimed = await this.options.store.claimConversation(conversationId);
      if (!claimed) return { ok: false, code: 'RESUME_REFUSED' };
      if (claimed.status === 'ended') return { ok: false, code: 'CONVERSATION_ENDED' };
      // Read after the claim, which fences the previous holder: nothing more can be stored meanwhile.
      const missed = await missedMessages(this.options.store, conversationId, afterSeq);
      const loaded = loadState(claimed.state);
      if (!loaded.ok) throw new Error(`conversation ${conversationId}: ${loaded.error}`);
      const conversation = new Conversation({
        id: conversationId,
        flow,
        state: loaded.state,
        persisted: true,
        resumeTokenHash: claimed.resumeTokenHash,
        epoch: claimed.epoch,
        deps: this.deps,
      });
      if (!this.hold(conversation, claims)) return { ok: false, code: 'TAKEN_OVER' };
      this.options.onClaimed?.(conversationId, claimed.epoch);
      conversation.attach(outbox);
      outbox.emit([{ type: 'opened', conversationId, flowVersion: flow.version, resumed: true }, ...missed]);
      void conversation.enqueue({ type: 'resume' });
      return { ok: true, conversation };
    } catch (err) {
      this.options.onError?.(err, { conversationId, during: 'resume' });
      return { ok: false, code: 'STORE_UNAVAILABLE' };
    } finally {
      if (--claims.count === 0) this.claiming.delete(conversationId);
    }
  }

  /**
   * Another instance claimed the conversation with `epoch`. Only a claim at least as new as ours may
   * evict ours; a resume still in progress here remembers it, so that its own (older) claim gives way.
   */
  superseded(conversationId: string, epoch: number): void {
    const claims = this.claiming.get(conversationId);
    if (claims) claims.newestEpoch = Math.max(claims.newestEpoch, epoch);
    const local = this.live.get(conversationId);
    if (local && local.epoch <= epoch) void this.evict(conversationId);
  }

  /**
   * Keeps a freshly claimed conversation unless a newer claim won meanwhile; evicts an older holder.
   * Synchronous on purpose: with no await between the comparison and `live.set`, every later claim
   * (here or announced by another instance) sees this one and compares against its epoch.
   */
  private hold(conversation: Conversation, claims: ClaimsInProgress): boolean {
    claims.newestEpoch = Math.max(claims.newestEpoch, conversation.epoch);
    const held = this.live.get(conversation.id);
    if (claims.newestEpoch > conversation.epoch || (held && held.epoch > conversation.epoch)) return false;
    if (held) void this.evict(conversation.id);
    this.track(conversation);
    return true;
  }

  private claimsOf(conversationId: string): ClaimsInProgress {
    let claims = this.claiming.get(conversationId);
    if (!claims) {
      claims = { count: 0, newestEpoch: 0 };
      this.claiming.set(conversationId, claims);
    }
    return claims;
  }

  /**
   * Lets go of a conversation held here (its channel is told `taken_over`); resolves once what it was running has
   * finished, so a resume here continues from everything it wrote.
   */
  async evict(conversationId: string): Promise<void> {
    const local = this.live.get(conversationId);
    if (!local) return;
    local.evict();
    await local.idle();
    this.forget(local);
  }

  /** The channel went away: the conversation keeps processing what it has queued, then leaves memory. */
  release(conversation: Conversation, outbox: Outbox): void {
    conversation.detach(outbox);
    void conversation.idle().then(() => this.forget(conversation));
  }

  /**
   * Stops starting or resuming conversations and accepting messages (each is refused with a
   * failure before it starts), and waits (up to `timeoutMs`) for the turns already under way.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.draining = true;
    const settled = Promise.all([...this.live.values()].map((c) => c.idle())).then(() => true);
    const timeout = new Promise<boolean>((resolve) => setTimeout(resolve, timeoutMs, false).unref());
    return Promise.race([settled, timeout]);
  }

  private track(conversation: Conversation): void {
    this.live.set(conversation.id, conversation);
  }

  private forget(conversation: Conversation): void {
    if (!conversation.attached && !conversation.busy && this.live.get(conversation.id) === conversation) {
      this.live.delete(conversation.id);
    }
  }
}
