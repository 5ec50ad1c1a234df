/**
 * The storage port. One interface, two adapters (sqlite/ and postgres/), one contract suite
 * (test/store/contract.ts) run against both. Nothing here assumes a particular database:
 * every method is async, ids are strings, timestamps ISO-8601 strings, and each method that
 * writes several rows does so atomically.
 */
import type { HistoryEvent } from '../engine/index.ts';

export interface FlowVersionMeta {
  version: number;
  name: string;
  createdAt: string;
}

export interface FlowVersionRecord extends FlowVersionMeta {
  /** The document exactly as uploaded. */
  raw: string;
}

/** A conversation-test file stored with a flow version (docs/admin-api.md, Conversation tests). */
export interface FlowTestsRecord {
  /** The version it was stored for. */
  flowVersion: number;
  /** The file exactly as uploaded. */
  raw: string;
  createdAt: string;
}

export type CreateFlowVersionResult =
  | { ok: true; version: FlowVersionMeta }
  | { ok: false; reason: 'version_conflict'; current: number | null };

export type ActivateResult =
  | { ok: true }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'version_conflict'; current: number | null };

export type ConversationStatus = 'active' | 'ended';

export interface ConversationSummary {
  id: string;
  flowVersion: number;
  status: ConversationStatus;
  startedAt: string;
  updatedAt: string;
  eventCount: number;
}

export interface ConversationRecord extends ConversationSummary {
  /** The engine's serialised state (opaque JSON to the store). */
  state: unknown;
  resumeTokenHash: string;
  /**
   * Ownership epoch, a fencing token: 1 at creation, incremented by every `claimConversation`. A turn
   * written with an older epoch is refused, so an instance that lost the conversation to a resume
   * elsewhere can never write into it again.
   */
  epoch: number;
  /** The signed external user id given at connect (null when none was given). */
  userId: string | null;
}

export type StoredEvent = HistoryEvent & {
  seq: number;
  at: string;
};

/** A stored `message.bot` event: what a client is shown again when it missed it (resume replay). */
export type StoredBotMessage = Extract<StoredEvent, { type: 'message.bot' }>;

export interface NewConversation {
  id: string;
  flowVersion: number;
  resumeTokenHash: string;
  state: unknown;
  status: ConversationStatus;
  at: string;
  /** The external user id the embedding site signed at connect; erasure by user finds it. */
  userId?: string;
}

export interface TurnWrite {
  conversationId: string;
  /** Events to append, in order; the store assigns seq (1, 2, … with no gaps per conversation). */
  events: readonly HistoryEvent[];
  state: unknown;
  status: ConversationStatus;
  at: string;
  /** When set, the write is refused as a duplicate if this id was already recorded for the conversation. */
  clientMessageId?: string;
  /** When set, the write is refused as `fenced` unless this is still the conversation's epoch. */
  epoch?: number;
}

export type AppendResult =
  | { ok: true; lastSeq: number }
  | { ok: false; reason: 'duplicate' | 'not_found' | 'fenced' };

/**
 * What the janitor deletes in one batch: conversations with no user message whose last activity is
 * before `unansweredBefore`, and conversations whose last activity is before `inactiveBefore`. Each
 * criterion is off when absent. `limit` (≥ 1) bounds the conversations deleted by one call.
 */
export interface ExpiryCriteria {
  unansweredBefore?: string;
  inactiveBefore?: string;
  limit: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Handles one notification's payload; must not throw (a throw is caught and dropped). */
export type NotificationHandler = (payload: string) => void;

/**
 * Cross-instance messages (PostgreSQL LISTEN/NOTIFY), e.g. "flow activated" so every instance drops
 * its cached flow. Delivery is at most once: a message sent while a listener's connection is down is
 * lost, which is why `onReconnect` exists — treat it as "you may have missed messages".
 */
export interface StoreNotifications {
  /**
   * Subscribes to `channel` (lowercase letters, digits and `_`). Resolves once LISTEN is in force;
   * rejects, leaving nothing subscribed, when the database cannot be reached now. After a lost
   * connection the subscription is re-established by itself, then `onReconnect` is called.
   * Resolves to the function that unsubscribes.
   */
  listen(
    channel: string,
    onMessage: NotificationHandler,
    onReconnect?: () => void,
  ): Promise<() => Promise<void>>;
  /** Sends `payload` to every listener of `channel` on every instance (this one included). */
  notify(channel: string, payload: string): Promise<void>;
}

/** A named admin-API token as stored: only the SHA-256 hash of the secret is kept. */
export interface AdminTokenRecord {
  name: string;
  /** The scopes it grants (strings: the store does not interpret them). */
  scopes: string[];
  createdAt: string;
}

export interface NewAdminToken extends AdminTokenRecord {
  /** hex SHA-256 of the secret. */
  tokenHash: string;
}

/** One entry of the audit log: who did what, from where, when. */
export interface AuditEntry {
  /** Increasing with every entry (the page order). */
  id: number;
  at: string;
  /** The token's name, or "admin" for the bootstrap ADMIN_TOKEN. */
  actor: string;
  /** The client address (after TRUST_PROXY). */
  address: string;
  /** e.g. `flow.upload`, `history.read`, `token.create`. */
  action: string;
  /** Method and path of the request, e.g. `POST /api/flow/versions/3/activate`. */
  route: string;
  /** What the action was about (a version, a conversation id, a token name), or null. */
  target: string | null;
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Present when instances can message each other through the database (PostgreSQL); absent on SQLite. */
  readonly notifications?: StoreNotifications;
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;

  /**
   * Stores a new immutable version and makes it current; with ifMatch, only if `ifMatch` is current
   * (compare-and-set; `null`: only if no version is current yet).
   */
  createFlowVersion(input: {
    raw: string;
    name: string;
    at: string;
    ifMatch?: number | null;
  }): Promise<CreateFlowVersionResult>;
  getCurrentFlowVersion(): Promise<FlowVersionRecord | null>;
  getFlowVersion(version: number): Promise<FlowVersionRecord | null>;
  listFlowVersions(): Promise<{ current: number | null; versions: FlowVersionMeta[] }>;
  activateFlowVersion(version: number, ifMatch?: number): Promise<ActivateResult>;
  /**
   * Stores a test file for a stored flow version; a later one for the same version supersedes it (the
   * earlier rows stay, like flow versions). Null, nothing stored, when the version does not exist.
   */
  putFlowTests(input: { flowVersion: number; raw: string; at: string }): Promise<FlowTestsRecord | null>;
  /**
   * The tests in effect for `flowVersion`: the newest stored for the highest version ≤ it that has any,
   * so a new flow version is checked by the tests of the one before until tests are stored for it, and a
   * rolled-back version by its own. Null when there are none, or `flowVersion` is not a positive integer.
   */
  getFlowTests(flowVersion: number): Promise<FlowTestsRecord | null>;

  /** Creates the conversation and appends its first events, atomically. */
  createConversation(conversation: NewConversation, events: readonly HistoryEvent[]): Promise<void>;
  getConversation(id: string): Promise<ConversationRecord | null>;
  /** Takes ownership: increments the epoch and returns the record as of that moment (null if unknown). */
  claimConversation(id: string): Promise<ConversationRecord | null>;
  /** Appends the events of one turn and saves the state, atomically. */
  appendTurn(write: TurnWrite): Promise<AppendResult>;
  getEvents(conversationId: string): Promise<StoredEvent[]>;
  /**
   * What a client that saw every event up to `afterSeq` missed: the `message.bot` events with a larger
   * seq, oldest first. At most `limit` of them, the newest ones, so a capped list still ends where the
   * conversation is. `afterSeq` is an integer ≥ 0 and `limit` ≥ 1 (else RangeError).
   */
  getBotMessagesAfter(conversationId: string, afterSeq: number, limit: number): Promise<StoredBotMessage[]>;
  /**
   * The reply to the user message recorded with `clientMessageId`: the `message.bot` events after that
   * `message.user` event and before the next one, oldest first (at most `limit`, the newest). Empty
   * when no user message with that id is stored.
   */
  getReplyTo(conversationId: string, clientMessageId: string, limit: number): Promise<StoredBotMessage[]>;
  /** Newest first. `cursor` is opaque, from a previous page; a bad cursor throws InvalidCursorError. */
  listConversations(options: { limit: number; cursor?: string }): Promise<Page<ConversationSummary>>;

  /** Deletes the conversation with its whole history, atomically. False when no such conversation. */
  deleteConversation(id: string): Promise<boolean>;
  /** Deletes every conversation stored with this user id, with their histories; returns how many. */
  deleteUserConversations(userId: string): Promise<number>;
  /**
   * Deletes at most `criteria.limit` expired conversations (see ExpiryCriteria), oldest activity first,
   * with their histories, in one transaction; returns how many. Call again until it returns < limit.
   */
  deleteExpiredConversations(criteria: ExpiryCriteria): Promise<number>;
  /** Stores a named token; false (nothing written) when the name is taken. */
  createAdminToken(token: NewAdminToken): Promise<boolean>;
  /** Every named token, by name. */
  listAdminTokens(): Promise<AdminTokenRecord[]>;
  /** The token whose secret hashes to `tokenHash`, or null. */
  findAdminToken(tokenHash: string): Promise<AdminTokenRecord | null>;
  /** Deletes the named token; false when there was none. */
  revokeAdminToken(name: string): Promise<boolean>;
  /** Appends one audit entry; resolves to its id. */
  appendAudit(entry: NewAuditEntry): Promise<number>;
  /** Newest first. `cursor` is opaque, from a previous page; a bad cursor throws InvalidCursorError. */
  listAudit(options: { limit: number; cursor?: string }): Promise<Page<AuditEntry>>;
}

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

/** DATABASE_URL (or another storage setting) is not usable; the message never repeats a password. */
export class StoreConfigError extends Error {
  override readonly name = 'StoreConfigError';
}

/** The database cannot be reached (down, restarting, connection lost or timed out); retrying later may work. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}
