/**
 * Read side of conversation history for the admin API. No HTTP, no SQL: pages and result values.
 */
import {
  type ConversationSummary,
  InvalidCursorError,
  type Store,
  type StoredEvent,
} from '../store/store.ts';

export const CONVERSATION_PAGE = { min: 1, max: 200, default: 50 } as const;

export type ConversationPage =
  | { ok: true; conversations: ConversationSummary[]; nextCursor: string | null }
  | { ok: false; reason: 'invalid_cursor' };

export interface ConversationHistory extends ConversationSummary {
  events: StoredEvent[];
}

export interface HistoryService {
  list(options: { limit: number; cursor?: string }): Promise<ConversationPage>;
  get(id: string): Promise<ConversationHistory | null>;
  /** Deletes the conversation and its history; false when there is no such conversation. */
  delete(id: string): Promise<boolean>;
  /** Deletes every conversation of this user id; how many. */
  deleteUser(userId: string): Promise<number>;
}

/** Exactly the four public fields, whatever else an adapter keeps on its rows. */
function publicEvent(event: StoredEvent): StoredEvent {
  // The cast restores the type/data correlation that destructuring loses; the values are unchanged.
  return { seq: event.seq, type: event.type, at: event.at, data: event.data } as StoredEvent;
}

export function createHistoryService(options: { store: Store }): HistoryService {
  const { store } = options;

  async function list(page: { limit: number; cursor?: string }): Promise<ConversationPage> {
    try {
      const result = await store.listConversations(page);
      return { ok: true, conversations: result.items, nextCursor: result.nextCursor };
    } catch (err) {
      if (err instanceof InvalidCursorError) return { ok: false, reason: 'invalid_cursor' };
      throw err;
    }
  }

  async function get(id: string): Promise<ConversationHistory | null> {
    const conversation = await store.getConversation(id);
    if (conversation === null) return null;
    const events = await store.getEvents(id);
    // Only the public summary: the state, the token hash and the ownership epoch stay inside.
    const { id: conversationId, flowVersion, status, startedAt, updatedAt } = conversation;
    return {
      id: conversationId,
      flowVersion,
      status,
      startedAt,
      updatedAt,
      eventCount: events.length,
      events: events.map(publicEvent),
    };
  }

  return {
    list,
    get,
    delete: (id) => store.deleteConversation(id),
    deleteUser: (userId) => store.deleteUserConversations(userId),
  };
}
