/**
 * The chat's side of the WebSocket protocol (docs/websocket-protocol.md): one conversation, kept across
 * socket drops and page reloads by its id and resume token in sessionStorage. A dropped socket is
 * reconnected with growing delays and resumed from the last bot message shown (the server replays the
 * ones missed); a message whose turn had not finished is sent again with the same clientMessageId,
 * which the server never processes twice (it replays the reply instead).
 */
import type { ServerFrame } from '../../../src/ws/protocol.ts';
import { chatUrl, isNewMessage, parseResume, type Resume, resumeFrame } from './resume.ts';

const RESUME_KEY = 'chatflow.chat.resume';
/** Delays before each reconnection attempt; after the last one the user is asked to reconnect. */
const RECONNECT_DELAYS_MS = [250, 500, 1000, 2000, 4000, 8000, 8000, 8000];

const CLOSE_ENDED = 1000;
const CLOSE_RESUME_REFUSED = 4401;
/** No message for the server's idle timeout: not reconnected on its own, or an idle tab would never let go. */
const CLOSE_IDLE = 4408;
const CLOSE_TAKEN_OVER = 4409;
/** Our own close code (4000–4999 are the application's): "reconnect and resume". */
const CLOSE_RECONNECT = 4000;

export type BotMessage = Omit<Extract<ServerFrame, { type: 'message' }>, 'type'>;

export type ChatStatus =
  | 'connecting'
  | 'waiting' // the bot waits for the user
  | 'busy' // the bot is working on a turn
  | 'reconnecting'
  | 'offline' // gave up reconnecting; the user may try again
  | 'elsewhere' // the conversation was resumed in another tab
  | 'ended';

export interface ChatListener {
  status(status: ChatStatus): void;
  conversation(info: { conversationId: string; flowVersion: number; resumed: boolean }): void;
  botMessage(message: BotMessage): void;
  typing(): void;
  block(blockId: string): void;
  /** The bot waits for the user at this block (the `waiting` frame). */
  waiting(blockId: string): void;
  /** The server refused the last message (rate limit, too long…): it took no turn. */
  unsent(): void;
  /** A sentence for the user (errors shown politely). */
  notice(text: string, kind: 'info' | 'error'): void;
}

const POLITE_ERRORS: Record<string, string> = {
  RATE_LIMITED: 'You are sending messages very quickly. Please wait a moment and try again.',
  TEXT_TOO_LONG: 'That message is too long for the bot. Please shorten it.',
  INVALID_MESSAGE: 'That message could not be sent. Please type some text.',
  STORE_UNAVAILABLE: 'The server could not save your message. Please send it again.',
  FLOW_UNAVAILABLE: 'No flow is published yet, so there is no bot to talk to.',
  NOT_WAITING: 'The bot lost track of the conversation. Reconnecting…',
  SERVER_SHUTTING_DOWN: 'The server is restarting. Reconnecting…',
  RESUME_REFUSED: 'The previous conversation could not be resumed, so a new one has started.',
  CONVERSATION_ENDED: 'That conversation has already ended.',
};

function readResume(): Resume | null {
  try {
    return parseResume(sessionStorage.getItem(RESUME_KEY));
  } catch {
    return null; // storage unavailable
  }
}

function writeResume(resume: Resume): void {
  try {
    sessionStorage.setItem(RESUME_KEY, JSON.stringify(resume));
  } catch {
    // Storage full or unavailable: a reload then starts over; the live conversation goes on.
  }
}

function isFrame(value: unknown): value is ServerFrame {
  return (
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
  );
}

export class ChatConnection {
  readonly #listener: ChatListener;
  #socket: WebSocket | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #attempt = 0;
  #ended = false;
  /** The message whose turn has not finished yet (sent again after a resume). */
  #pending: { text: string; clientMessageId: string } | null = null;

  constructor(listener: ChatListener) {
    this.#listener = listener;
  }

  get conversationId(): string | null {
    return readResume()?.conversationId ?? null;
  }

  /** Resumes the stored conversation if there is one, else starts a new one. */
  start(): void {
    this.#ended = false;
    this.#attempt = 0;
    this.#open();
  }

  /** Leaves the current conversation (it stays in the history) and starts a new one. */
  restart(): void {
    this.#forget();
    this.#pending = null;
    this.#drop();
    this.start();
  }

  /** Sends a user message; false when there is no open conversation to send it on. */
  send(text: string): boolean {
    const socket = this.#socket;
    if (this.#ended || socket === null || socket.readyState !== WebSocket.OPEN) return false;
    this.#pending = { text, clientMessageId: crypto.randomUUID() };
    socket.send(JSON.stringify({ type: 'message', ...this.#pending }));
    this.#listener.status('busy');
    return true;
  }

  #forget(): void {
    sessionStorage.removeItem(RESUME_KEY);
  }

  /** Closes the socket without reacting to its close event. */
  #drop(): void {
    clearTimeout(this.#timer);
    const socket = this.#socket;
    this.#socket = null;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.close(1000);
    }
  }

  #open(): void {
    clearTimeout(this.#timer);
    const resume = readResume();
    this.#listener.status(this.#attempt === 0 ? 'connecting' : 'reconnecting');
    const socket = new WebSocket(chatUrl(location.href, resume));
    this.#socket = socket;
    // The resume goes in the first frame, not in the URL that proxies and access logs record.
    if (resume) socket.onopen = () => socket.send(JSON.stringify(resumeFrame(resume)));
    socket.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      let frame: unknown;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return; // the server only sends JSON; anything else is ignored rather than shown
      }
      if (isFrame(frame)) this.#onFrame(frame);
    };
    socket.onclose = (event) => {
      if (this.#socket === socket) this.#onClose(event.code);
    };
  }

  #onFrame(frame: ServerFrame): void {
    const listener = this.#listener;
    switch (frame.type) {
      case 'conversation':
        this.#attempt = 0;
        if (frame.resumeToken !== undefined) {
          writeResume({ conversationId: frame.conversationId, resumeToken: frame.resumeToken });
        }
        listener.conversation({
          conversationId: frame.conversationId,
          flowVersion: frame.flowVersion,
          resumed: frame.resumed === true,
        });
        // A message sent just before the drop: harmless to repeat (same clientMessageId).
        if (frame.resumed && this.#pending)
          this.#socket?.send(JSON.stringify({ type: 'message', ...this.#pending }));
        return;
      case 'message':
        if (this.#shown(frame.seq)) {
          listener.botMessage(frame);
          listener.block(frame.blockId);
        }
        return;
      case 'typing':
        listener.typing();
        return;
      case 'waiting':
        this.#pending = null;
        listener.block(frame.blockId);
        listener.waiting(frame.blockId);
        listener.status('waiting');
        return;
      case 'end':
        this.#finish();
        return;
      case 'ack':
        // Our message sent again after a drop had arrived the first time: its answer went with the old socket.
        if (this.#pending?.clientMessageId === frame.clientMessageId) {
          this.#pending = null;
          listener.notice('Your last message had reached the bot before the connection dropped.', 'info');
        }
        return;
      case 'error':
        this.#onError(frame.code);
        return;
    }
  }

  #onError(code: string): void {
    const text = POLITE_ERRORS[code] ?? `Something went wrong (${code}).`;
    this.#listener.notice(text, code === 'RESUME_REFUSED' ? 'info' : 'error');
    if (code === 'RESUME_REFUSED') this.#forget();
    if (code === 'CONVERSATION_ENDED') this.#finish();
    // The server lost the thread of the turn: a resume puts it back at its wait block.
    if (code === 'NOT_WAITING') this.#socket?.close(CLOSE_RECONNECT);
    if (code === 'RATE_LIMITED' || code === 'TEXT_TOO_LONG' || code === 'STORE_UNAVAILABLE') {
      this.#pending = null;
      this.#listener.unsent();
      this.#listener.status('waiting');
    }
  }

  /** True for a message not shown yet, whose seq is then remembered for the next resume. */
  #shown(seq: number | undefined): boolean {
    const resume = readResume();
    if (!isNewMessage(seq, resume?.lastSeq)) return false;
    if (resume && seq !== undefined) writeResume({ ...resume, lastSeq: seq });
    return true;
  }

  #finish(): void {
    this.#ended = true;
    this.#pending = null;
    this.#forget();
    this.#listener.status('ended');
  }

  #onClose(code: number): void {
    this.#socket = null;
    if (this.#ended) return;
    if (code === CLOSE_ENDED) {
      this.#finish();
      return;
    }
    if (code === CLOSE_RESUME_REFUSED) {
      this.#pending = null;
      this.start(); // the stored conversation is forgotten: this starts a new one
      return;
    }
    if (code === CLOSE_TAKEN_OVER) {
      this.#listener.status('elsewhere');
      return;
    }
    if (code === CLOSE_IDLE) {
      this.#listener.notice(
        'Disconnected after a long pause. Reconnect to go on with the conversation.',
        'info',
      );
      this.#listener.status('offline');
      return;
    }
    const delay = RECONNECT_DELAYS_MS[this.#attempt];
    if (delay === undefined) {
      this.#listener.status('offline');
      return;
    }
    this.#attempt += 1;
    this.#listener.status('reconnecting');
    this.#timer = setTimeout(() => this.#open(), delay);
  }
}
