/**
 * The embedded default store: one SQLite file through node:sqlite (synchronous, in-process).
 *
 * Every statement is prepared once at open. Every write of several rows runs in one BEGIN IMMEDIATE
 * transaction, which also makes each compare-and-set (If-Match, next seq) atomic against other
 * connections to the same file. Because node:sqlite is synchronous, each method runs to completion
 * before the next starts on this connection: concurrent calls in one process are serialised.
 * Every method goes through `#call`, so a database that cannot be used (locked past busy_timeout,
 * I/O error, disk full, closed) rejects with StoreUnavailableError, as the PostgreSQL store does.
 */
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { HistoryEvent } from '../../engine/index.ts';
import { decodeAuditCursor, decodeCursor, encodeAuditCursor, encodeCursor } from '../cursor.ts';
import { secureDataDir, secureFile } from '../file-modes.ts';
import type {
  ActivateResult,
  AdminTokenRecord,
  AppendResult,
  AuditEntry,
  ConversationRecord,
  ConversationStatus,
  ConversationSummary,
  CreateFlowVersionResult,
  ExpiryCriteria,
  FlowTestsRecord,
  FlowVersionMeta,
  FlowVersionRecord,
  NewAdminToken,
  NewAuditEntry,
  NewConversation,
  Page,
  Store,
  StoredBotMessage,
  StoredEvent,
  TurnWrite,
} from '../store.ts';
import { toStoreError } from './errors.ts';
import { GroupCommit, type GroupCommitStats } from './group-commit.ts';
import { runMigrations } from './migrations.ts';
import { SqliteReplayQueries } from './replay-queries.ts';
import { integerColumn, jsonColumn, nullableIntegerColumn, type Row, textColumn } from './rows.ts';
import { inImmediateTransaction } from './transaction.ts';

/** The database file inside DATA_DIR. */
export const SQLITE_FILE_NAME = 'chatflow.db';

export const SQLITE_LIMITS = {
  /** How long a write waits for another connection's lock (another process on the same file) before failing. */
  busyTimeoutMs: 5_000,
  /** Largest page `listConversations` serves; the HTTP layer allows fewer (contract: 1–200). */
  maxPageSize: 1_000,
} as const;

export interface SqliteSettings {
  journalMode: string;
  /** 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
  synchronous: number;
  foreignKeys: boolean;
  busyTimeoutMs: number;
}

export interface SqliteStoreOptions {
  dataDir: string;
  /**
   * Group commit (default on): history writes arriving in the same event-loop turn share one
   * transaction, hence one fsync (see group-commit.ts). Off: one transaction per write.
   */
  groupCommit?: boolean;
  /** Overrides SQLITE_LIMITS.busyTimeoutMs (tests shorten it). */
  busyTimeoutMs?: number;
}

/** Opens (creating if needed) `<dataDir>/chatflow.db`, sets the pragmas, and runs pending migrations. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  await secureDataDir(options.dataDir);
  const file = join(options.dataDir, SQLITE_FILE_NAME);
  // 0600 before SQLite opens it: the -wal and -shm files it creates then get the same mode.
  await secureFile(file, { create: true });
  for (const suffix of ['-wal', '-shm']) await secureFile(`${file}${suffix}`, { create: false });
  const db = new DatabaseSync(file, {
    timeout: options.busyTimeoutMs ?? SQLITE_LIMITS.busyTimeoutMs,
    enableForeignKeyConstraints: true,
  });
  try {
    // WAL: readers never block the writer. synchronous=FULL: a commit is on disk (WAL fsynced) before
    // COMMIT returns, so what a client was shown survives power loss, not only a process crash.
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = FULL');
    db.exec('PRAGMA foreign_keys = ON');
    runMigrations(db);
    return new SqliteStore(db, { groupCommit: options.groupCommit ?? true });
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The events hold a user message: the conversation is no longer "unanswered" (expiry). */
function answers(events: readonly HistoryEvent[]): boolean {
  return events.some((event) => event.type === 'message.user');
}

function toStatus(value: string): ConversationStatus {
  if (value === 'active' || value === 'ended') return value;
  throw new TypeError(`column status: unexpected value ${JSON.stringify(value)}`);
}

function toFlowVersionMeta(row: Row): FlowVersionMeta {
  return {
    version: integerColumn(row, 'version'),
    name: textColumn(row, 'name'),
    createdAt: textColumn(row, 'created_at'),
  };
}

function toFlowVersionRecord(row: Row): FlowVersionRecord {
  return { ...toFlowVersionMeta(row), raw: textColumn(row, 'raw') };
}

function toFlowTests(row: Row): FlowTestsRecord {
  return {
    flowVersion: integerColumn(row, 'flow_version'),
    raw: textColumn(row, 'raw'),
    createdAt: textColumn(row, 'created_at'),
  };
}

/** A version number a row can have: a positive integer (anything else finds nothing). */
const isVersionNumber = (value: number) => Number.isSafeInteger(value) && value > 0;

function toConversationSummary(row: Row): ConversationSummary {
  return {
    id: textColumn(row, 'id'),
    flowVersion: integerColumn(row, 'flow_version'),
    status: toStatus(textColumn(row, 'status')),
    startedAt: textColumn(row, 'started_at'),
    updatedAt: textColumn(row, 'updated_at'),
    eventCount: integerColumn(row, 'event_count'),
  };
}

function toStoredEvent(row: Row): StoredEvent {
  // The store keeps what the engine wrote; the (type, data) pairing was checked on the way in.
  return {
    seq: integerColumn(row, 'seq'),
    type: textColumn(row, 'type'),
    data: jsonColumn(row, 'data'),
    at: textColumn(row, 'at'),
  } as StoredEvent;
}

const SUMMARY_COLUMNS = 'id, flow_version, status, started_at, updated_at, event_count';
const AUDIT_COLUMNS = 'id, at, actor, address, action, route, target';

function toAdminToken(row: Row): AdminTokenRecord {
  const scopes = jsonColumn(row, 'scopes');
  if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) {
    throw new TypeError('column scopes: not a JSON array of strings');
  }
  return { name: textColumn(row, 'name'), scopes, createdAt: textColumn(row, 'created_at') };
}

function toAuditEntry(row: Row): AuditEntry {
  const target = row.target;
  if (target !== null && typeof target !== 'string') throw new TypeError('column target: not text');
  return {
    id: integerColumn(row, 'id'),
    at: textColumn(row, 'at'),
    actor: textColumn(row, 'actor'),
    address: textColumn(row, 'address'),
    action: textColumn(row, 'action'),
    route: textColumn(row, 'route'),
    target,
  };
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly #db: DatabaseSync;
  readonly #sql: Record<
    | 'ping'
    | 'currentVersion'
    | 'maxVersion'
    | 'versionExists'
    | 'insertVersion'
    | 'setCurrent'
    | 'getVersion'
    | 'getCurrentVersion'
    | 'listVersions'
    | 'insertTests'
    | 'testsInEffect'
    | 'insertConversation'
    | 'getConversation'
    | 'bumpEpoch'
    | 'eventCount'
    | 'insertEvent'
    | 'recordClientMessageId'
    | 'updateConversation'
    | 'getEvents'
    | 'firstPage'
    | 'pageAfter'
    | 'markAnswered'
    | 'userConversations'
    | 'unansweredBefore'
    | 'inactiveBefore'
    | 'deleteEvents'
    | 'deleteClientMessageIds'
    | 'deleteConversation'
    | 'insertToken'
    | 'listTokens'
    | 'findToken'
    | 'deleteToken'
    | 'insertAudit'
    | 'auditFirstPage'
    | 'auditPageAfter',
    StatementSync
  >;

  /** Batches history writes (createConversation, appendTurn); absent when group commit is off. */
  readonly #group: GroupCommit | undefined;

  readonly #replay: SqliteReplayQueries;

  constructor(db: DatabaseSync, options: { groupCommit?: boolean } = {}) {
    this.#db = db;
    this.#group = options.groupCommit === false ? undefined : new GroupCommit(db);
    this.#replay = new SqliteReplayQueries(db, toStoredEvent);
    const prepare = (sql: string) => db.prepare(sql);
    this.#sql = {
      ping: prepare('SELECT 1 AS ok'),
      currentVersion: prepare('SELECT current_version FROM flow_pointer WHERE id = 1'),
      maxVersion: prepare('SELECT COALESCE(MAX(version), 0) AS version FROM flow_versions'),
      versionExists: prepare('SELECT 1 AS found FROM flow_versions WHERE version = ?'),
      insertVersion: prepare(
        'INSERT INTO flow_versions (version, name, raw, created_at) VALUES (?, ?, ?, ?)',
      ),
      setCurrent: prepare('UPDATE flow_pointer SET current_version = ? WHERE id = 1'),
      getVersion: prepare('SELECT version, name, raw, created_at FROM flow_versions WHERE version = ?'),
      getCurrentVersion: prepare(
        `SELECT v.version, v.name, v.raw, v.created_at
           FROM flow_pointer p JOIN flow_versions v ON v.version = p.current_version
          WHERE p.id = 1`,
      ),
      listVersions: prepare('SELECT version, name, created_at FROM flow_versions ORDER BY version DESC'),
      insertTests: prepare('INSERT INTO flow_tests (flow_version, raw, created_at) VALUES (?, ?, ?)'),
      testsInEffect: prepare(
        `SELECT flow_version, raw, created_at FROM flow_tests
          WHERE flow_version <= ? ORDER BY flow_version DESC, id DESC LIMIT 1`,
      ),
      insertConversation: prepare(
        `INSERT INTO conversations
           (id, flow_version, status, state, resume_token_hash, started_at, updated_at, event_count,
            user_id, answered)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      getConversation: prepare(
        `SELECT ${SUMMARY_COLUMNS}, state, resume_token_hash, epoch, user_id FROM conversations WHERE id = ?`,
      ),
      bumpEpoch: prepare('UPDATE conversations SET epoch = epoch + 1 WHERE id = ?'),
      eventCount: prepare('SELECT event_count, epoch FROM conversations WHERE id = ?'),
      insertEvent: prepare(
        'INSERT INTO events (conversation_id, seq, type, data, at) VALUES (?, ?, ?, ?, ?)',
      ),
      recordClientMessageId: prepare(
        `INSERT INTO client_message_ids (conversation_id, client_message_id) VALUES (?, ?)
         ON CONFLICT DO NOTHING`,
      ),
      updateConversation: prepare(
        'UPDATE conversations SET state = ?, status = ?, updated_at = ?, event_count = ? WHERE id = ?',
      ),
      getEvents: prepare('SELECT seq, type, data, at FROM events WHERE conversation_id = ? ORDER BY seq'),
      firstPage: prepare(
        `SELECT ${SUMMARY_COLUMNS} FROM conversations ORDER BY started_at DESC, id DESC LIMIT ?`,
      ),
      pageAfter: prepare(
        `SELECT ${SUMMARY_COLUMNS} FROM conversations
          WHERE (started_at, id) < (?, ?)
          ORDER BY started_at DESC, id DESC LIMIT ?`,
      ),
      markAnswered: prepare('UPDATE conversations SET answered = 1 WHERE id = ? AND answered = 0'),
      userConversations: prepare('SELECT id FROM conversations WHERE user_id = ?'),
      unansweredBefore: prepare(
        'SELECT id FROM conversations WHERE answered = 0 AND updated_at < ? ORDER BY updated_at LIMIT ?',
      ),
      inactiveBefore: prepare(
        'SELECT id FROM conversations WHERE updated_at < ? ORDER BY updated_at LIMIT ?',
      ),
      deleteEvents: prepare('DELETE FROM events WHERE conversation_id = ?'),
      deleteClientMessageIds: prepare('DELETE FROM client_message_ids WHERE conversation_id = ?'),
      deleteConversation: prepare('DELETE FROM conversations WHERE id = ?'),
      insertToken: prepare(
        `INSERT INTO admin_tokens (name, token_hash, scopes, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
      ),
      listTokens: prepare('SELECT name, scopes, created_at FROM admin_tokens ORDER BY name'),
      findToken: prepare('SELECT name, scopes, created_at FROM admin_tokens WHERE token_hash = ?'),
      deleteToken: prepare('DELETE FROM admin_tokens WHERE name = ?'),
      insertAudit: prepare(
        `INSERT INTO audit_log (at, actor, address, action, route, target) VALUES (?, ?, ?, ?, ?, ?)
         RETURNING id`,
      ),
      auditFirstPage: prepare(`SELECT ${AUDIT_COLUMNS} FROM audit_log ORDER BY id DESC LIMIT ?`),
      auditPageAfter: prepare(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?`),
    };
  }

  /** Runs a method's body; failures about the database's state become StoreUnavailableError. */
  async #call<T>(work: () => T | Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toStoreError(error);
    }
  }

  ping(): Promise<void> {
    return this.#call(() => {
      this.#sql.ping.get();
    });
  }

  /** The settings this connection actually runs with (per-connection pragmas), for tests and startup logs. */
  settings(): SqliteSettings {
    // A pragma answers one row of one column (not always named after the pragma: busy_timeout → timeout).
    const pragma = (name: string) => Object.values(this.#db.prepare(`PRAGMA ${name}`).get() ?? {})[0];
    return {
      journalMode: String(pragma('journal_mode')),
      synchronous: Number(pragma('synchronous')),
      foreignKeys: pragma('foreign_keys') === 1,
      busyTimeoutMs: Number(pragma('busy_timeout')),
    };
  }

  async close(): Promise<void> {
    // Idempotent: shutdown paths may close twice. Writes still queued for a group commit go in first.
    if (!this.#db.isOpen) return;
    this.#group?.flush();
    this.#db.close();
  }

  /** History writes and the transactions they took (group commit batches them), for tests and the bench. */
  writeStats(): GroupCommitStats {
    return this.#group?.stats() ?? { transactions: this.#ungrouped, writes: this.#ungrouped };
  }

  #ungrouped = 0;

  /** A history write: batched with the others of this event-loop turn, or a transaction of its own. */
  #historyWrite<T>(work: () => T): Promise<T> {
    if (this.#group) return this.#group.run(work);
    this.#ungrouped += 1;
    return Promise.resolve(inImmediateTransaction(this.#db, work));
  }

  createFlowVersion(input: {
    raw: string;
    name: string;
    at: string;
    ifMatch?: number | null;
  }): Promise<CreateFlowVersionResult> {
    return this.#call(() =>
      inImmediateTransaction(this.#db, (): CreateFlowVersionResult => {
        const current = this.#current();
        if (input.ifMatch !== undefined && input.ifMatch !== current) {
          return { ok: false, reason: 'version_conflict', current };
        }
        const version = integerColumn(this.#sql.maxVersion.get() ?? {}, 'version') + 1;
        this.#sql.insertVersion.run(version, input.name, input.raw, input.at);
        this.#sql.setCurrent.run(version);
        return { ok: true, version: { version, name: input.name, createdAt: input.at } };
      }),
    );
  }

  getCurrentFlowVersion(): Promise<FlowVersionRecord | null> {
    return this.#call(() => {
      const row = this.#sql.getCurrentVersion.get();
      return row ? toFlowVersionRecord(row) : null;
    });
  }

  getFlowVersion(version: number): Promise<FlowVersionRecord | null> {
    return this.#call(() => {
      const row = this.#sql.getVersion.get(version);
      return row ? toFlowVersionRecord(row) : null;
    });
  }

  listFlowVersions(): Promise<{ current: number | null; versions: FlowVersionMeta[] }> {
    return this.#call(() => {
      // One read transaction, so the pointer and the list come from the same snapshot.
      this.#db.exec('BEGIN');
      try {
        return { current: this.#current(), versions: this.#sql.listVersions.all().map(toFlowVersionMeta) };
      } finally {
        this.#db.exec('COMMIT');
      }
    });
  }

  activateFlowVersion(version: number, ifMatch?: number): Promise<ActivateResult> {
    return this.#call(() =>
      inImmediateTransaction(this.#db, (): ActivateResult => {
        if (this.#sql.versionExists.get(version) === undefined) return { ok: false, reason: 'not_found' };
        const current = this.#current();
        if (ifMatch !== undefined && ifMatch !== current) {
          return { ok: false, reason: 'version_conflict', current };
        }
        this.#sql.setCurrent.run(version);
        return { ok: true };
      }),
    );
  }

  putFlowTests(input: { flowVersion: number; raw: string; at: string }): Promise<FlowTestsRecord | null> {
    return this.#call(() => {
      if (!isVersionNumber(input.flowVersion)) return null;
      return inImmediateTransaction(this.#db, () => {
        if (this.#sql.versionExists.get(input.flowVersion) === undefined) return null;
        this.#sql.insertTests.run(input.flowVersion, input.raw, input.at);
        return { flowVersion: input.flowVersion, raw: input.raw, createdAt: input.at };
      });
    });
  }

  getFlowTests(flowVersion: number): Promise<FlowTestsRecord | null> {
    return this.#call(() => {
      if (!isVersionNumber(flowVersion)) return null;
      const row = this.#sql.testsInEffect.get(flowVersion);
      return row ? toFlowTests(row) : null;
    });
  }

  createConversation(conversation: NewConversation, events: readonly HistoryEvent[]): Promise<void> {
    return this.#call(() =>
      this.#historyWrite(() => {
        this.#sql.insertConversation.run(
          conversation.id,
          conversation.flowVersion,
          conversation.status,
          JSON.stringify(conversation.state ?? null),
          conversation.resumeTokenHash,
          conversation.at,
          conversation.at,
          events.length,
          conversation.userId ?? null,
          answers(events) ? 1 : 0,
        );
        this.#insertEvents(conversation.id, 0, events, conversation.at);
      }),
    );
  }

  getConversation(id: string): Promise<ConversationRecord | null> {
    return this.#call(() => this.#readConversation(id));
  }

  claimConversation(id: string): Promise<ConversationRecord | null> {
    return this.#call(() =>
      inImmediateTransaction(this.#db, () => {
        this.#sql.bumpEpoch.run(id);
        return this.#readConversation(id);
      }),
    );
  }

  #readConversation(id: string): ConversationRecord | null {
    const row = this.#sql.getConversation.get(id);
    if (!row) return null;
    return {
      ...toConversationSummary(row),
      state: jsonColumn(row, 'state'),
      resumeTokenHash: textColumn(row, 'resume_token_hash'),
      epoch: integerColumn(row, 'epoch'),
      userId: row.user_id === null ? null : textColumn(row, 'user_id'),
    };
  }

  appendTurn(write: TurnWrite): Promise<AppendResult> {
    return this.#call(() =>
      this.#historyWrite((): AppendResult => {
        const row = this.#sql.eventCount.get(write.conversationId);
        if (!row) return { ok: false, reason: 'not_found' };
        if (write.epoch !== undefined && write.epoch !== integerColumn(row, 'epoch')) {
          return { ok: false, reason: 'fenced' };
        }
        if (write.clientMessageId !== undefined) {
          const recorded = this.#sql.recordClientMessageId.run(write.conversationId, write.clientMessageId);
          // Nothing has been written when we return here, so committing the empty transaction is harmless.
          if (recorded.changes === 0) return { ok: false, reason: 'duplicate' };
        }
        const lastSeq = this.#insertEvents(
          write.conversationId,
          integerColumn(row, 'event_count'),
          write.events,
          write.at,
        );
        this.#sql.updateConversation.run(
          JSON.stringify(write.state ?? null),
          write.status,
          write.at,
          lastSeq,
          write.conversationId,
        );
        if (answers(write.events)) this.#sql.markAnswered.run(write.conversationId);
        return { ok: true, lastSeq };
      }),
    );
  }

  getEvents(conversationId: string): Promise<StoredEvent[]> {
    return this.#call(() => this.#sql.getEvents.all(conversationId).map(toStoredEvent));
  }

  listConversations(options: { limit: number; cursor?: string }): Promise<Page<ConversationSummary>> {
    return this.#call(() => {
      const { limit } = options;
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > SQLITE_LIMITS.maxPageSize) {
        throw new RangeError(`limit must be an integer from 1 to ${SQLITE_LIMITS.maxPageSize}`);
      }
      // One row more than asked tells whether another page exists without a COUNT.
      const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
      const rows = after
        ? this.#sql.pageAfter.all(after.startedAt, after.id, limit + 1)
        : this.#sql.firstPage.all(limit + 1);
      const items = rows.slice(0, limit).map(toConversationSummary);
      const last = items.at(-1);
      const nextCursor =
        rows.length > limit && last ? encodeCursor({ startedAt: last.startedAt, id: last.id }) : null;
      return { items, nextCursor };
    });
  }

  createAdminToken(token: NewAdminToken): Promise<boolean> {
    return this.#call(
      () =>
        this.#sql.insertToken.run(token.name, token.tokenHash, JSON.stringify(token.scopes), token.createdAt)
          .changes === 1,
    );
  }

  listAdminTokens(): Promise<AdminTokenRecord[]> {
    return this.#call(() => this.#sql.listTokens.all().map(toAdminToken));
  }

  findAdminToken(tokenHash: string): Promise<AdminTokenRecord | null> {
    return this.#call(() => {
      const row = this.#sql.findToken.get(tokenHash);
      return row ? toAdminToken(row) : null;
    });
  }

  revokeAdminToken(name: string): Promise<boolean> {
    return this.#call(() => this.#sql.deleteToken.run(name).changes === 1);
  }

  appendAudit(entry: NewAuditEntry): Promise<number> {
    return this.#call(() =>
      integerColumn(
        this.#sql.insertAudit.get(
          entry.at,
          entry.actor,
          entry.address,
          entry.action,
          entry.route,
          entry.target,
        ) ?? {},
        'id',
      ),
    );
  }

  listAudit(options: { limit: number; cursor?: string }): Promise<Page<AuditEntry>> {
    return this.#call(() => {
      const { limit } = options;
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > SQLITE_LIMITS.maxPageSize) {
        throw new RangeError(`limit must be an integer from 1 to ${SQLITE_LIMITS.maxPageSize}`);
      }
      const after = options.cursor === undefined ? undefined : decodeAuditCursor(options.cursor);
      const rows =
        after === undefined
          ? this.#sql.auditFirstPage.all(limit + 1)
          : this.#sql.auditPageAfter.all(after, limit + 1);
      const items = rows.slice(0, limit).map(toAuditEntry);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > limit && last ? encodeAuditCursor(last.id) : null };
    });
  }

  async getBotMessagesAfter(
    conversationId: string,
    afterSeq: number,
    limit: number,
  ): Promise<StoredBotMessage[]> {
    return this.#call(() => this.#replay.botMessagesAfter(conversationId, afterSeq, limit));
  }

  async getReplyTo(
    conversationId: string,
    clientMessageId: string,
    limit: number,
  ): Promise<StoredBotMessage[]> {
    return this.#call(() => this.#replay.replyTo(conversationId, clientMessageId, limit));
  }

  deleteConversation(id: string): Promise<boolean> {
    return this.#call(() => inImmediateTransaction(this.#db, () => this.#delete([id]) > 0));
  }

  deleteUserConversations(userId: string): Promise<number> {
    return this.#call(() =>
      inImmediateTransaction(this.#db, () =>
        this.#delete(this.#sql.userConversations.all(userId).map((row) => textColumn(row, 'id'))),
      ),
    );
  }

  deleteExpiredConversations(criteria: ExpiryCriteria): Promise<number> {
    return this.#call(() => {
      const { limit } = criteria;
      if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('limit must be an integer ≥ 1');
      return inImmediateTransaction(this.#db, () => {
        const ids = new Set<string>();
        const collect = (rows: readonly Row[]) => {
          for (const row of rows) if (ids.size < limit) ids.add(textColumn(row, 'id'));
        };
        if (criteria.unansweredBefore !== undefined) {
          collect(this.#sql.unansweredBefore.all(criteria.unansweredBefore, limit));
        }
        if (criteria.inactiveBefore !== undefined && ids.size < limit) {
          collect(this.#sql.inactiveBefore.all(criteria.inactiveBefore, limit));
        }
        return this.#delete([...ids]);
      });
    });
  }

  /** Deletes these conversations with their histories; returns how many existed. Call inside a transaction. */
  #delete(ids: readonly string[]): number {
    let deleted = 0;
    for (const id of ids) {
      this.#sql.deleteEvents.run(id);
      this.#sql.deleteClientMessageIds.run(id);
      deleted += Number(this.#sql.deleteConversation.run(id).changes);
    }
    return deleted;
  }

  #current(): number | null {
    const row = this.#sql.currentVersion.get();
    return row ? nullableIntegerColumn(row, 'current_version') : null;
  }

  /** Inserts events with seq lastSeq+1, lastSeq+2, …; returns the new last seq. Call inside a transaction. */
  #insertEvents(
    conversationId: string,
    lastSeq: number,
    events: readonly HistoryEvent[],
    at: string,
  ): number {
    let seq = lastSeq;
    for (const event of events) {
      seq += 1;
      this.#sql.insertEvent.run(conversationId, seq, event.type, JSON.stringify(event.data), at);
    }
    return seq;
  }
}
