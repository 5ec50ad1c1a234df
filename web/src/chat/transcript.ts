/** The lines shown in the chat, kept in sessionStorage with the conversation so a reload shows them again. */

const TRANSCRIPT_KEY = 'chatflow.chat.transcript';
/** Older lines are dropped past this many (sessionStorage is small). */
const MAX_LINES = 300;

export interface Line {
  kind: 'bot' | 'user' | 'notice';
  text: string;
}

interface Stored {
  conversationId: string;
  lines: Line[];
}

export class Transcript {
  #conversationId: string | null = null;
  #lines: Line[] = [];

  /** The lines stored for this conversation (empty for another one). */
  load(conversationId: string): Line[] {
    try {
      const stored = JSON.parse(sessionStorage.getItem(TRANSCRIPT_KEY) ?? 'null') as Stored | null;
      this.#lines =
        stored?.conversationId === conversationId && Array.isArray(stored.lines) ? stored.lines : [];
    } catch {
      this.#lines = [];
    }
    this.#conversationId = conversationId;
    return this.#lines;
  }

  add(line: Line): void {
    this.#lines.push(line);
    if (this.#lines.length > MAX_LINES) this.#lines.splice(0, this.#lines.length - MAX_LINES);
    if (this.#conversationId === null) return;
    const stored: Stored = { conversationId: this.#conversationId, lines: this.#lines };
    try {
      sessionStorage.setItem(TRANSCRIPT_KEY, JSON.stringify(stored));
    } catch {
      // Storage full: the chat goes on; only a reload would lose the older lines.
    }
  }

  clear(): void {
    this.#conversationId = null;
    this.#lines = [];
    sessionStorage.removeItem(TRANSCRIPT_KEY);
  }
}
