/**
 * One conversation as a client sees it: every message it sent (with a clientMessageId) and what became
 * of it, read from the frames in order. A message is acknowledged once the bot's turn that answers it
 * ended (`waiting` or `end`) or the server said it already had it (`ack`); an `error` frame refuses it.
 * Whatever was still open when the socket closed is unknown: the client cannot tell. Afterwards the
 * history read through the admin API says which messages, and which bot messages shown, were stored.
 */
import { WebSocket } from 'ws';
import { ChatClient, type Frame } from '../../test/support/ws-client.ts';
import type { Instance } from './harness.ts';

export interface Sent {
  clientMessageId: string;
  sentAt: number;
  outcome: 'pending' | 'acknowledged' | 'refused' | 'unknown';
  /** The `error` code that refused it, and the frame's message. */
  code?: string;
  message?: string;
  settledAt?: number;
  /** The bot messages of the turn that answered it. */
  replies: Frame[];
}

export class Conversation {
  readonly label: string;
  readonly sent: Sent[] = [];
  /** Ids of every bot message shown to the user, over all sockets. */
  readonly shown: string[] = [];
  conversationId = '';
  resumeToken = '';
  chat!: ChatClient;
  #read = 0;

  private constructor(label: string) {
    this.label = label;
  }

  /** Starts a new conversation on `instance` and waits until the bot waits for the user. */
  static async start(instance: Instance, label: string, timeoutMs = 10_000): Promise<Conversation> {
    const conversation = new Conversation(label);
    conversation.chat = await ChatClient.connect(instance.url);
    const frames = await conversation.chat.until(
      (f) => f.some((x) => x.type === 'waiting'),
      'waiting',
      timeoutMs,
    );
    const opened = frames.find((f) => f.type === 'conversation');
    conversation.conversationId = opened?.conversationId;
    conversation.resumeToken = opened?.resumeToken;
    conversation.update();
    return conversation;
  }

  /** Another client of the same conversation (same id and token), with no socket yet: see `resume`. */
  twin(label: string): Conversation {
    const twin = new Conversation(label);
    twin.conversationId = this.conversationId;
    twin.resumeToken = this.resumeToken;
    return twin;
  }

  /** Opens a socket that resumes this conversation on `instance`; does not wait for the answer. */
  async resume(instance: Instance): Promise<ChatClient> {
    this.settleOpen('unknown');
    const query = `?conversationId=${encodeURIComponent(this.conversationId)}&resumeToken=${encodeURIComponent(this.resumeToken)}`;
    this.chat = await ChatClient.connect(instance.url, query);
    this.#read = 0;
    return this.chat;
  }

  get open(): boolean {
    return this.chat?.socket.readyState === WebSocket.OPEN;
  }

  get pending(): number {
    return this.update().filter((s) => s.outcome === 'pending').length;
  }

  /** Sends a message; false (and nothing recorded) when the socket is no longer open. */
  send(text: string, clientMessageId: string): boolean {
    if (!this.open) return false;
    this.sent.push({ clientMessageId, sentAt: performance.now(), outcome: 'pending', replies: [] });
    this.chat.send({ type: 'message', text, clientMessageId });
    return true;
  }

  /** Waits (bounded) until nothing sent is pending any more or the socket closed. */
  async settle(timeoutMs: number): Promise<void> {
    await this.chat
      .until(() => this.pending === 0 || this.chat.closed !== null, 'the replies', timeoutMs)
      .catch(() => {});
    this.update();
  }

  /** Reads the frames not read yet; settles messages in order. Returns every message sent. */
  update(): Sent[] {
    const frames = this.chat.frames;
    for (; this.#read < frames.length; this.#read += 1) this.#apply(frames[this.#read] as Frame);
    if (this.chat.closed) this.settleOpen('unknown');
    return this.sent;
  }

  settleOpen(outcome: 'unknown'): void {
    for (const sent of this.sent) if (sent.outcome === 'pending') sent.outcome = outcome;
  }

  #apply(frame: Frame): void {
    const oldest = this.sent.find((s) => s.outcome === 'pending');
    const now = performance.now();
    if (frame.type === 'message') {
      this.shown.push(String(frame.id));
      oldest?.replies.push(frame);
    } else if ((frame.type === 'waiting' || frame.type === 'end') && oldest) {
      Object.assign(oldest, { outcome: 'acknowledged', settledAt: now });
    } else if (frame.type === 'ack') {
      const target = this.sent.find((s) => s.clientMessageId === frame.clientMessageId) ?? oldest;
      if (target) Object.assign(target, { outcome: 'acknowledged', settledAt: now });
    } else if (frame.type === 'error') {
      // A refusal names its message when the server says which; otherwise it is the oldest one open.
      const target =
        this.sent.find((s) => s.outcome === 'pending' && s.clientMessageId === frame.clientMessageId) ??
        oldest;
      if (target) {
        Object.assign(target, {
          outcome: 'refused',
          code: frame.code,
          message: frame.message,
          settledAt: now,
        });
      }
    }
  }
}

export interface History {
  /** clientMessageIds of the stored user messages. */
  userMessages: Set<string>;
  /** messageIds of the stored bot messages. */
  botMessages: Set<string>;
  // biome-ignore lint/suspicious/noExplicitAny: events as the admin API returns them
  events: { seq: number; type: string; data: any }[];
  /** `seq` is 1, 2, 3… without gaps. */
  gapless: boolean;
}

export async function readHistory(instance: Instance, conversationId: string): Promise<History> {
  const response = await instance.api.get(`/api/conversations/${encodeURIComponent(conversationId)}`);
  if (response.status !== 200)
    throw new Error(`history of ${conversationId}: ${response.status} ${response.text}`);
  const events = response.json.events as History['events'];
  return {
    events,
    userMessages: new Set(
      events.filter((e) => e.type === 'message.user').map((e) => String(e.data.clientMessageId)),
    ),
    botMessages: new Set(events.filter((e) => e.type === 'message.bot').map((e) => String(e.data.messageId))),
    gapless: events.every((e, i) => e.seq === i + 1),
  };
}

export interface Tally {
  acknowledged: number;
  stored: number;
  lost: number;
  /** Bot messages a client was shown that the history does not have. */
  shownMissing: number;
  /** Conversations whose history has a gap in `seq`. */
  gaps: number;
  histories: Map<Conversation, History>;
}

/** Reads every conversation's history from `instance` and counts what was acknowledged and stored. */
export async function tally(instance: Instance, conversations: readonly Conversation[]): Promise<Tally> {
  const result: Tally = {
    acknowledged: 0,
    stored: 0,
    lost: 0,
    shownMissing: 0,
    gaps: 0,
    histories: new Map(),
  };
  for (const conversation of conversations) {
    const history = await readHistory(instance, conversation.conversationId);
    result.histories.set(conversation, history);
    for (const sent of conversation.update()) {
      if (sent.outcome !== 'acknowledged') continue;
      result.acknowledged += 1;
      if (history.userMessages.has(sent.clientMessageId)) result.stored += 1;
      else result.lost += 1;
    }
    result.shownMissing += conversation.shown.filter((id) => !history.botMessages.has(id)).length;
    if (!history.gapless) result.gaps += 1;
  }
  return result;
}

/** The counting columns of a result, and the problems every scenario checks (loss, gaps, lost replies). */
export function verdictOf(t: Tally, problems: string[], notes: string[] = []) {
  const all = [
    ...(t.lost > 0 ? [`${t.lost} acknowledged message(s) not stored`] : []),
    ...(t.shownMissing > 0 ? [`${t.shownMissing} bot message(s) shown but not stored`] : []),
    ...(t.gaps > 0 ? [`${t.gaps} history(ies) with a seq gap`] : []),
    ...problems,
  ];
  return {
    acknowledged: t.acknowledged,
    stored: t.stored,
    lost: t.lost,
    pass: all.length === 0,
    detail: [...all, ...notes].join('; '),
  };
}
