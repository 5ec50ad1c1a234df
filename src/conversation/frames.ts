/** Server → client frames of the WebSocket protocol (contract §4, §6). */
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
      /** Sent again: the client may have missed it (see replay.ts). */
      replayed?: true;
    }
  | { type: 'typing' }
  | { type: 'waiting'; blockId: string }
  | { type: 'end' }
  | { type: 'ack'; clientMessageId: string; duplicate: true }
  | { type: 'error'; code: FrameErrorCode; message: string };

/** Every `error` frame code, in one place (the README lists them; a test keeps the two in sync). */
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
} as const;

export type FrameErrorCode = keyof typeof FRAME_ERRORS;

export const errorFrame = (code: FrameErrorCode, message: string = FRAME_ERRORS[code]): ServerFrame => ({
  type: 'error',
  code,
  message,
});

/** Where a conversation's frames go: the socket currently holding it. */
export interface FrameSink {
  send(frame: ServerFrame): void;
  close(code: number, reason: string): void;
}
