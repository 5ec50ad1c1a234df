/**
 * A list kept in sessionStorage with the conversation it belongs to, so a reload finds it again (the
 * transcript shown, the frames recorded for "Save as test"). Another conversation's list reads as empty.
 */

interface Stored<T> {
  conversationId: string;
  items: T[];
}

export class SessionList<T> {
  readonly #key: string;
  /** Older items are dropped past this many (sessionStorage is small). */
  readonly #max: number;
  #conversationId: string | null = null;
  #items: T[] = [];

  constructor(key: string, max: number) {
    this.#key = key;
    this.#max = max;
  }

  /** The items stored for this conversation (empty for another one). */
  load(conversationId: string): T[] {
    try {
      const stored = JSON.parse(sessionStorage.getItem(this.#key) ?? 'null') as Stored<T> | null;
      this.#items =
        stored?.conversationId === conversationId && Array.isArray(stored.items) ? stored.items : [];
    } catch {
      this.#items = [];
    }
    this.#conversationId = conversationId;
    return this.#items;
  }

  get items(): readonly T[] {
    return this.#items;
  }

  add(item: T): void {
    this.#items.push(item);
    if (this.#items.length > this.#max) this.#items.splice(0, this.#items.length - this.#max);
    if (this.#conversationId === null) return;
    const stored: Stored<T> = { conversationId: this.#conversationId, items: this.#items };
    try {
      sessionStorage.setItem(this.#key, JSON.stringify(stored));
    } catch {
      // Storage full: the chat goes on; only a reload would lose the older items.
    }
  }

  clear(): void {
    this.#conversationId = null;
    this.#items = [];
    sessionStorage.removeItem(this.#key);
  }
}
