/**
 * What the chat records of its conversation for "Save as test": the bot's messages with their quick
 * replies, the user's messages (typed or clicked), where the bot waits, the end. Kept in sessionStorage
 * with the conversation, like the transcript, so a reload or a resume goes on with the same record.
 */
import { SessionList } from '../chat/session-list.ts';
import type { Recorded } from './conversion.ts';

const RECORDING_KEY = 'chatflow.chat.recording';
/** Room for a test conversation's 500 steps, several frames each. */
const MAX_RECORDED = 5000;

export interface RecordedConversation {
  conversationId: string;
  flowVersion: number;
  recorded: readonly Recorded[];
}

export class ChatRecorder {
  readonly #list = new SessionList<Recorded>(RECORDING_KEY, MAX_RECORDED);
  #conversation: { id: string; flowVersion: number } | null = null;

  /** The `conversation` frame: a new conversation starts an empty record, a resumed one goes on with its own. */
  conversation(id: string, flowVersion: number, resumed: boolean): void {
    if (!resumed) this.#list.clear();
    this.#list.load(id);
    this.#conversation = { id, flowVersion };
  }

  clear(): void {
    this.#list.clear();
    this.#conversation = null;
  }

  user(text: string, clicked: boolean): void {
    this.#list.add(clicked ? { kind: 'user', text, click: true } : { kind: 'user', text });
  }

  bot(text: string, options: readonly string[] = []): void {
    this.#list.add(options.length > 0 ? { kind: 'bot', text, options: [...options] } : { kind: 'bot', text });
  }

  /** Every resume repeats the `waiting` frame: recorded once. */
  waiting(blockId: string): void {
    const last = this.#list.items.at(-1);
    if (last?.kind !== 'waiting' || last.blockId !== blockId) this.#list.add({ kind: 'waiting', blockId });
  }

  ended(): void {
    if (this.#list.items.at(-1)?.kind !== 'ended') this.#list.add({ kind: 'ended' });
  }

  unsent(): void {
    this.#list.add({ kind: 'unsent' });
  }

  /** The conversation recorded so far; null before its first frame. */
  get current(): RecordedConversation | null {
    const conversation = this.#conversation;
    if (conversation === null || this.#list.items.length === 0) return null;
    return {
      conversationId: conversation.id,
      flowVersion: conversation.flowVersion,
      recorded: [...this.#list.items],
    };
  }
}
