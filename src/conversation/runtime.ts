/**
 * The conversation runtime: starts and resumes conversations, keeps the live ones (one actor each),
 * hands a conversation over to a new socket on resume (the old one is closed with 4409), and drains
 * in-flight turns on shutdown.
 */

import type { ConversationState } from '../engine/state.ts';
import { initialState } from '../engine/state.ts';
import type { IntentClassifier } from '../intent/classifier.ts';
import type { Store } from '../store/store.ts';
import { Conversation, type ConversationDeps, TAKEN_OVER } from './conversation.ts';
import type { FlowCatalog } from './flow-catalog.ts';
import type { FrameErrorCode, FrameSink } from './frames.ts';
import type { ConversationObserver } from './observer.ts';
import { missedMessages } from './replay.ts';
import { hashToken, newConversationId, newResumeToken, tokenMatches } from './tokens.ts';

export const CLOSE_CODES = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  policyViolation: 1008,
  tooBig: 1009,
  internalError: 1011,
  resumeRefused: 4401,
  takenOver: TAKEN_OVER.code,
} as const;

export interface RuntimeOptions {
  store: Store;
  catalog: FlowCatalog;
  classifier: IntentClassifier;
  intentTimeoutMs: number;
  now?: () => Date;
  onError?: (err: unknown, context: Record<string, unknown>) => void;
  /** This instance just took a conversation over: other instances must let go of it. */
  onClaimed?: (conversationId: string) => void;
  /** Told about each turn, classification and history write (metrics). */
  observer?: ConversationObserver;
}

export type OpenResult = { ok: true; conversation: Conversation } | { ok: false; code: FrameErrorCode };

export class ConversationRuntime {
  private readonly live = new Map<string, Conversation>();
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
    };
  }

  get liveCount(): number {
    return this.live.size;
  }

  /** Starts a new conversation on the current flow; its frames go to `sink`. */
  async start(sink: FrameSink): Promise<OpenResult> {
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
    });
    this.track(conversation);
    conversation.attach(sink);
    sink.send({ type: 'conversation', conversationId: id, resumeToken, flowVersion: flow.version });
    void conversation.enqueue({ type: 'start' });
    return { ok: true, conversation };
  }

  /**
   * Resumes a stored conversation on this socket. Unknown id and wrong token get the same answer, so
   * the refusal tells nothing about which conversations exist. The socket that held the conversation
   * until now (here, or on another instance) is closed with 4409: the claim bumps the conversation's
   * epoch, which fences every later write of the previous holder. With `afterSeq` (the last event seq
   * the client saw), the bot messages stored after it are replayed before the turn goes on.
   */
  async resume(
    conversationId: string,
    resumeToken: string,
    sink: FrameSink,
    afterSeq?: number,
  ): Promise<OpenResult> {
    if (this.draining) return { ok: false, code: 'SERVER_SHUTTING_DOWN' };
    try {
      const record = await this.options.store.getConversation(conversationId);
      if (!record || !tokenMatches(resumeToken, record.resumeTokenHash))
        return { ok: false, code: 'RESUME_REFUSED' };
      if (record.status === 'ended') {
        // Its last turn may have been stored but never shown: show it before saying it has ended.
        for (const frame of await missedMessages(this.options.store, conversationId, afterSeq))
          sink.send(frame);
        return { ok: false, code: 'CONVERSATION_ENDED' };
      }
      await this.evict(conversationId);
      const claimed = await this.options.store.claimConversation(conversationId);
      if (!claimed) return { ok: false, code: 'RESUME_REFUSED' };
      if (claimed.status === 'ended') return { ok: false, code: 'CONVERSATION_ENDED' };
      this.options.onClaimed?.(conversationId);
      const flow = await this.options.catalog.version(claimed.flowVersion);
      // Read before the conversation goes live, so a failed read leaves nothing behind.
      const missed = await missedMessages(this.options.store, conversationId, afterSeq);
      const conversation = new Conversation({
        id: conversationId,
        flow,
        state: claimed.state as ConversationState,
        persisted: true,
        resumeTokenHash: claimed.resumeTokenHash,
        epoch: claimed.epoch,
        deps: this.deps,
      });
      this.track(conversation);
      conversation.attach(sink);
      sink.send({ type: 'conversation', conversationId, flowVersion: flow.version, resumed: true });
      for (const frame of missed) sink.send(frame);
      void conversation.enqueue({ type: 'resume' });
      return { ok: true, conversation };
    } catch (err) {
      this.options.onError?.(err, { conversationId, during: 'resume' });
      return { ok: false, code: 'STORE_UNAVAILABLE' };
    }
  }

  /**
   * Lets go of a conversation held here (its socket gets 4409); resolves once what it was running has
   * finished, so a resume here continues from everything it wrote.
   */
  async evict(conversationId: string): Promise<void> {
    const local = this.live.get(conversationId);
    if (!local) return;
    local.evict();
    await local.idle();
    this.forget(local);
  }

  /** The socket went away: the conversation keeps processing what it has queued, then leaves memory. */
  release(conversation: Conversation, sink: FrameSink): void {
    conversation.detach(sink);
    void conversation.idle().then(() => this.forget(conversation));
  }

  /** Stops starting or resuming conversations and waits (up to `timeoutMs`) for in-flight turns. */
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
