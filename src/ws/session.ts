/** One WebSocket connection: frame checks, rate limit, backpressure, and the link to its conversation. */
import type { WebSocket } from 'ws';
import type { Conversation } from '../conversation/conversation.ts';
import { errorFrame, type FrameSink, type ServerFrame } from '../conversation/frames.ts';
import { CLOSE_CODES, type ConversationRuntime } from '../conversation/runtime.ts';
import { WS_FIXED_LIMITS, type WsLimits } from './limits.ts';
import { parseClientFrame, type UserMessage } from './protocol.ts';
import { RateLimiter } from './rate-limit.ts';

export class Session implements FrameSink {
  private readonly socket: WebSocket;
  private readonly limits: WsLimits;
  private readonly rate: RateLimiter;
  private conversation: Conversation | null = null;
  /** Messages that arrived before the conversation was ready (resume loads from the store). */
  private pending: UserMessage[] | null = [];
  private closed = false;
  private readonly runtime: ConversationRuntime;
  alive = true;

  constructor(socket: WebSocket, limits: WsLimits, runtime: ConversationRuntime) {
    this.socket = socket;
    this.limits = limits;
    this.runtime = runtime;
    this.rate = new RateLimiter(limits.ratePerSec, limits.rateBurst);
  }

  send(frame: ServerFrame): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > WS_FIXED_LIMITS.maxBufferedBytes) {
      // The client is not reading. Its history is stored; it can resume once it catches up.
      this.socket.terminate();
      return;
    }
    this.socket.send(JSON.stringify(frame));
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) {
      this.socket.close(code, reason);
    }
  }

  /** Called every heartbeat interval: a peer that did not answer the last ping is gone. */
  heartbeat(): void {
    if (!this.alive) {
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  /** The conversation is ready: deliver what arrived meanwhile, in order. */
  bind(conversation: Conversation): void {
    if (this.closed) {
      // The socket went away while the conversation was loading.
      this.runtime.release(conversation, this);
      return;
    }
    this.conversation = conversation;
    const waiting = this.pending ?? [];
    this.pending = null;
    for (const message of waiting) this.deliver(message);
  }

  /** The socket closed. */
  unbind(): void {
    this.closed = true;
    if (this.conversation) this.runtime.release(this.conversation, this);
    this.conversation = null;
  }

  onFrame(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (isBinary) {
      this.close(CLOSE_CODES.unsupportedData, 'binary frames are not supported');
      return;
    }
    const decision = this.rate.take();
    if (decision === 'flooding') {
      this.close(CLOSE_CODES.policyViolation, 'rate limit exceeded repeatedly');
      return;
    }
    if (decision === 'limited') {
      this.send(errorFrame('RATE_LIMITED'));
      return;
    }
    const parsed = parseClientFrame(String(data), this.limits.maxTextChars);
    if (!parsed.ok) {
      this.send(errorFrame(parsed.code, parsed.message));
      return;
    }
    if (this.pending) {
      if (this.pending.length >= WS_FIXED_LIMITS.maxPendingFrames) this.send(errorFrame('RATE_LIMITED'));
      else this.pending.push(parsed.message);
      return;
    }
    this.deliver(parsed.message);
  }

  private deliver(message: UserMessage): void {
    void this.conversation?.enqueue({ type: 'user_message', ...message });
  }
}
