/**
 * One WebSocket connection: frame checks, rate limit, backpressure, and the link to its conversation.
 * It is the conversation's Outbox: it turns the runtime's domain events into frames and close codes,
 * and sends each batch (what one stored segment of a turn reveals) in one socket write.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Conversation } from '../conversation/conversation.ts';
import type { Outbox, OutboxEvent } from '../conversation/outbox.ts';
import type { ConversationRuntime } from '../conversation/runtime.ts';
import type { AddressEntry } from './address-limits.ts';
import { WS_FIXED_LIMITS, type WsLimits } from './limits.ts';
import { CLOSE_CODES, errorFrame, parseClientFrame, type ServerFrame, type UserMessage } from './protocol.ts';
import { RateLimiter } from './rate-limit.ts';

export const CLOSE_REASONS = {
  takenOver: 'resumed elsewhere',
  ended: 'conversation ended',
  storageUnavailable: 'storage unavailable',
  deleted: 'conversation deleted',
} as const;

/** The frame that shows a domain event to the client (none for a takeover: the socket just closes). */
function frameOf(event: OutboxEvent): ServerFrame | null {
  switch (event.type) {
    case 'opened': {
      const { conversationId, resumeToken, flowVersion, resumed } = event;
      return {
        type: 'conversation',
        conversationId,
        ...(resumeToken ? { resumeToken } : {}),
        flowVersion,
        ...(resumed ? { resumed } : {}),
      };
    }
    case 'bot_message': {
      const { messageId, text, blockId, options } = event.message;
      return {
        type: 'message',
        id: messageId,
        text,
        blockId,
        ...(options ? { options } : {}),
        seq: event.seq,
        ...(event.replayed ? { replayed: event.replayed } : {}),
      };
    }
    case 'typing':
      return { type: 'typing' };
    case 'waiting':
      return { type: 'waiting', blockId: event.blockId };
    case 'ended':
      return { type: 'end' };
    case 'duplicate':
      return { type: 'ack', clientMessageId: event.clientMessageId, duplicate: true };
    case 'failed':
      return errorFrame(event.code, event.message);
    case 'taken_over':
      return null;
  }
}

/** The close code a domain event calls for, after its frame. */
function closeOf(event: OutboxEvent): { code: number; reason: string } | null {
  if (event.type === 'ended') return { code: CLOSE_CODES.normal, reason: CLOSE_REASONS.ended };
  if (event.type === 'taken_over') return { code: CLOSE_CODES.takenOver, reason: CLOSE_REASONS.takenOver };
  if (event.type === 'failed' && event.code === 'CONVERSATION_DELETED')
    return { code: CLOSE_CODES.normal, reason: CLOSE_REASONS.deleted };
  if (event.type === 'failed' && event.fatal)
    return { code: CLOSE_CODES.internalError, reason: CLOSE_REASONS.storageUnavailable };
  return null;
}

export class Session implements Outbox {
  private readonly socket: WebSocket;
  /** The TCP socket under `socket`: corked while a batch is written, so the batch leaves in one write. */
  private readonly transport: Duplex;
  private readonly limits: WsLimits;
  private readonly rate: RateLimiter;
  private conversation: Conversation | null = null;
  /** Messages that arrived before the conversation was ready (resume loads from the store). */
  private pending: UserMessage[] | null = [];
  private closed = false;
  private readonly runtime: ConversationRuntime;
  /** The client's address (TRUST_PROXY decides whether X-Forwarded-For is believed): the runtime may read it. */
  readonly clientAddress: string;
  /** The counters shared by every socket of the client's address. */
  readonly client: AddressEntry;
  /** performance.now() of the last frame the client sent (or of the connection): the idle timeout counts from it. */
  private lastFrameAt = performance.now();
  alive = true;

  constructor(
    socket: WebSocket,
    transport: Duplex,
    limits: WsLimits,
    runtime: ConversationRuntime,
    clientAddress: string,
    client: AddressEntry,
  ) {
    this.socket = socket;
    this.transport = transport;
    this.limits = limits;
    this.runtime = runtime;
    this.clientAddress = clientAddress;
    this.client = client;
    this.rate = new RateLimiter(limits.ratePerSec, limits.rateBurst);
  }

  emit(events: readonly OutboxEvent[]): void {
    if (events.length === 0) return;
    this.transport.cork();
    try {
      for (const event of events) this.show(event);
    } finally {
      this.transport.uncork();
    }
  }

  /** One domain event on the wire: its frame, then its close if the conversation is over for this socket. */
  private show(event: OutboxEvent): void {
    const frame = frameOf(event);
    if (frame) this.send(frame);
    const close = closeOf(event);
    if (close) this.close(close.code, close.reason);
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

  /**
   * Called every heartbeat interval: a peer that did not answer the last ping is gone; one that sent no
   * message for WS_IDLE_TIMEOUT_MS is closed (4408), however well it answers pings.
   */
  heartbeat(now: number): void {
    if (!this.alive) {
      this.socket.terminate();
      return;
    }
    if (this.limits.idleTimeoutMs > 0 && now - this.lastFrameAt >= this.limits.idleTimeoutMs) {
      this.close(CLOSE_CODES.idle, 'idle timeout');
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
    this.lastFrameAt = performance.now();
    if (isBinary) {
      this.close(CLOSE_CODES.unsupportedData, 'binary frames are not supported');
      return;
    }
    const decision = this.rate.take();
    if (decision === 'flooding') {
      this.close(CLOSE_CODES.policyViolation, 'rate limit exceeded repeatedly');
      return;
    }
    // Then the rate shared by every socket of the client's address: more sockets do not mean more messages.
    if (decision === 'limited' || !this.client.takeMessage()) {
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
