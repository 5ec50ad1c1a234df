/**
 * The WebSocket protocol, both directions (docs/websocket-protocol.md): the frames the server sends,
 * its `error` codes with their messages, its close codes, and the client frames, parsed and checked
 * here so the rest of the server sees only valid messages. The playground (web/src) imports these types.
 */
import { z } from 'zod';

/** Server → client frames. */
export type ServerFrame =
  | {
      type: 'conversation';
      conversationId: string;
      resumeToken?: string;
      flowVersion: number;
      resumed?: true;
    }
  | {
      type: 'message';
      id: string;
      text: string;
      blockId: string;
      options?: string[];
      /** The seq of its `message.bot` event in the history: a resume's `lastSeq`. */
      seq: number;
      /** Sent again: the client may have missed it. */
      replayed?: true;
    }
  | { type: 'typing' }
  | { type: 'waiting'; blockId: string }
  | { type: 'end' }
  | { type: 'ack'; clientMessageId: string; duplicate: true }
  | { type: 'error'; code: FrameErrorCode; message: string };

/** Every `error` frame code, in one place (docs/websocket-protocol.md lists them; a test keeps the two in sync). */
export const FRAME_ERRORS = {
  INVALID_JSON: 'the frame is not valid JSON',
  UNKNOWN_TYPE: 'unknown frame type',
  INVALID_MESSAGE:
    'a message frame needs a non-empty "text" string (and an optional "clientMessageId" string)',
  TEXT_TOO_LONG: 'the text is longer than the limit',
  RATE_LIMITED: 'too many messages; slow down',
  RESUME_REFUSED: 'this conversation cannot be resumed',
  INVALID_LAST_SEQ: 'lastSeq must be an integer ≥ 0: the seq of the last message frame seen',
  CONVERSATION_ENDED: 'the conversation has ended',
  STORE_UNAVAILABLE: 'storage is unavailable; the message was not processed, please send it again',
  TURN_INTERRUPTED:
    'storage failed part-way through the turn: your message is stored but its reply is not; the reply comes with your next message or when you reconnect, do not send the message again',
  FLOW_UNAVAILABLE: 'no flow is available to start a conversation',
  NOT_WAITING: 'the bot is not waiting for a message; reconnect to resume',
  SERVER_SHUTTING_DOWN: 'the server is shutting down; nothing was processed: reconnect to resume',
  CONVERSATION_DELETED:
    'this conversation was deleted (erased, or expired unanswered); nothing was processed: connect again to start a new one',
} as const;

export type FrameErrorCode = keyof typeof FRAME_ERRORS;

export const errorFrame = (code: FrameErrorCode, message: string = FRAME_ERRORS[code]): ServerFrame => ({
  type: 'error',
  code,
  message,
});

/** WebSocket close codes the server uses (docs/websocket-protocol.md). */
export const CLOSE_CODES = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  policyViolation: 1008,
  tooBig: 1009,
  internalError: 1011,
  resumeRefused: 4401,
  /** The client sent no message for WS_IDLE_TIMEOUT_MS (answering pings does not count). */
  idle: 4408,
  /** The conversation was resumed on another socket. */
  takenOver: 4409,
} as const;

/**
 * Handshakes refused with plain HTTP before any upgrade: the status, and the JSON body's
 * `{"error":{"code","message"}}` (docs/websocket-protocol.md, Limits; a test keeps the two in sync).
 */
export const HANDSHAKE_REFUSALS = {
  NOT_FOUND: { status: 404, message: 'the WebSocket endpoint is /ws' },
  FORBIDDEN: { status: 403, message: 'this Origin is not allowed' },
  TOO_MANY_HANDSHAKES: {
    status: 429,
    message: 'too many connection attempts from this address; retry after Retry-After seconds',
  },
  TOO_MANY_CONNECTIONS: {
    status: 429,
    message: 'too many open connections from this address; close one first',
  },
  UNAVAILABLE: { status: 503, message: 'the server has no connection slot free; retry later' },
} as const;

export type HandshakeRefusal = keyof typeof HANDSHAKE_REFUSALS;

/** Client → server frames. */

export const PROTOCOL_LIMITS = { maxClientMessageIdChars: 128 } as const;

const messageFrame = z.object({
  type: z.literal('message'),
  text: z.string(),
  clientMessageId: z.string().min(1).max(PROTOCOL_LIMITS.maxClientMessageIdChars).optional(),
});

export type UserMessage = { text: string; clientMessageId?: string };

/**
 * `/ws?resume`: the connection's first frame is the resume, so the token stays out of URLs (which
 * proxies and access logs record). Same meaning as the query form: `lastSeq` asks for a replay.
 */
export type ResumeFrame = { type: 'resume'; conversationId: string; resumeToken: string; lastSeq?: number };

/** The query flag of a connection whose first frame is a `resume` frame. */
export const RESUME_BY_FRAME_FLAG = 'resume';

const resumeFrame = z.object({
  type: z.literal('resume'),
  conversationId: z.string(),
  resumeToken: z.string(),
  lastSeq: z.unknown().optional(),
});

export type ParsedResume =
  | { ok: true; resume: { conversationId: string; resumeToken: string; lastSeq?: number } }
  | { ok: false; code: FrameErrorCode; message?: string };

/**
 * The first frame of a `/ws?resume` connection. A frame that names no conversation or token is
 * refused as a resume with a wrong token is (RESUME_REFUSED: nothing tells which part was wrong).
 */
export function parseResumeFrame(data: string): ParsedResume {
  const read = readFrame(data, 'resume', ' first on /ws?resume');
  if (!read.ok) return read;
  const parsed = resumeFrame.safeParse(read.frame);
  if (!parsed.success) return { ok: false, code: 'RESUME_REFUSED' };
  const { conversationId, resumeToken, lastSeq } = parsed.data;
  if (lastSeq !== undefined && !(Number.isSafeInteger(lastSeq) && (lastSeq as number) >= 0)) {
    return { ok: false, code: 'INVALID_LAST_SEQ' };
  }
  return {
    ok: true,
    resume: { conversationId, resumeToken, ...(lastSeq === undefined ? {} : { lastSeq: lastSeq as number }) },
  };
}

export type ParsedFrame =
  | { ok: true; message: UserMessage }
  | { ok: false; code: FrameErrorCode; message?: string };

const codePoints = (text: string): number => {
  let count = 0;
  for (const _ of text) count++;
  return count;
};

/** The frame as JSON, when it is JSON and of the `expected` type. */
function readFrame(
  data: string,
  expected: 'message' | 'resume',
  where = '',
): { ok: true; frame: unknown } | { ok: false; code: FrameErrorCode; message?: string } {
  let frame: unknown;
  try {
    frame = JSON.parse(data);
  } catch {
    return { ok: false, code: 'INVALID_JSON' };
  }
  const type = typeof frame === 'object' && frame !== null ? (frame as { type?: unknown }).type : undefined;
  if (type !== expected) {
    return {
      ok: false,
      code: 'UNKNOWN_TYPE',
      message: `unknown frame type ${JSON.stringify(type ?? null)}; expected "${expected}"${where}`,
    };
  }
  return { ok: true, frame };
}

export function parseClientFrame(data: string, maxTextChars: number): ParsedFrame {
  const read = readFrame(data, 'message');
  if (!read.ok) return read;
  const parsed = messageFrame.safeParse(read.frame);
  if (!parsed.success || parsed.data.text.trim() === '') return { ok: false, code: 'INVALID_MESSAGE' };
  const { text, clientMessageId } = parsed.data;
  if (text.length > maxTextChars && codePoints(text) > maxTextChars) {
    return {
      ok: false,
      code: 'TEXT_TOO_LONG',
      message: `the text is longer than ${maxTextChars} characters`,
    };
  }
  return { ok: true, message: { text, ...(clientMessageId ? { clientMessageId } : {}) } };
}

/** The resume URL's `lastSeq`: digits only, so "1e3", "-1", "0x10" and "" are refused. */
const LAST_SEQ = /^\d{1,15}$/;

/**
 * `lastSeq` of a resume URL (the `seq` of the last `message` frame the client saw): absent (null) is
 * fine and asks for no replay; anything but an integer ≥ 0 is refused.
 */
export function parseLastSeq(value: string | null): { ok: true; lastSeq?: number } | { ok: false } {
  if (value === null) return { ok: true };
  return LAST_SEQ.test(value) ? { ok: true, lastSeq: Number(value) } : { ok: false };
}
