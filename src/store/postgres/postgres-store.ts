/**
 * The PostgreSQL store (node-postgres Pool), for several instances sharing one database.
 *
 * Same behaviour as the SQLite store, made safe across processes by the database itself: every write
 * of several rows is one transaction; compare-and-sets (If-Match) lock the current-version pointer row
 * and the next seq is read from the conversation row locked FOR UPDATE, so concurrent writers on any
 * instance queue behind each other instead of racing. Failures of the database are rejected promises
 * (StoreUnavailableError when it is unreachable), never a crash: every connection has an error listener.
 */
import { Client, type Pool } from 'pg';
import type { HistoryEvent } from '../../engine/index.ts';
import { decodeAuditCursor, decodeCursor, encodeAuditCursor, encodeCursor } from '../cursor.ts';
import { SchemaTooNewError } from '../migration.ts';
import type {
  ActivateResult,
  AdminTokenRecord,
  AppendResult,
  AuditEntry,
  ConversationRecord,
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
import { InvalidCursorError, StoreUnavailableError } from '../store.ts';
import { type ConnectionOptions, clientConfig, createPool, validateConnectionOptions } from './connection.ts';
import { toStoreError } from './errors.ts';
import { PostgresGroupCommit, type PostgresGroupCommitStats } from './group-commit.ts';
import { POSTGRES_LIMITS, type PostgresLimits } from './limits.ts';
import { runMigrations } from './migrations.ts';
import { PostgresNotifications } from './notifications.ts';
import { botMessagesAfter, replyTo } from './replay-queries.ts';
import {
  isIsoTimestamp,
  isStorableInteger,
  isStorableKey,
  timestampParam,
  toAdminToken,
  toAuditEntry,
  toConversationRecord,
  toConversationSummary,
  toFlowTests,
  toFlowVersionMeta,
  toFlowVersionRecord,
  toStoredEvent,
} from './rows.ts';
import { inTransaction, poolQuery, type Query } from './transaction.ts';

export interface PostgresStoreOptions {
  /** DATABASE_URL: postgres://user:password@host:port/database */
  url: string;
  /** Keep the tables in this schema (created if missing) instead of the server's default search_path. */
  schema?: string;
  /** Told about connection failures that no call saw (idle pool connections, the LISTEN connection), for logging. */
  onConnectionError?: (error: Error) => void;
  /** Overrides of POSTGRES_LIMITS. */
  limits?: Partial<PostgresLimits>;
}

export interface PostgresSettings {
  statementTimeout: string;
  idleInTransactionSessionTimeout: string;
  schema: string;
  applicationName: string;
}

/** Connects, runs pending migrations (under an advisory lock), and returns the store on a fresh pool. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  validateConnectionOptions(options);
  const connection: ConnectionOptions = {
    url: options.url,
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    limits: { ...POSTGRES_LIMITS, ...options.limits },
    onConnectionError: options.onConnectionError ?? (() => {}),
  };
  await migrate(connection);
  return new PostgresStore(connection);
}

/** Migrations get their own connection, without the pool's short timeouts: they may wait for another instance. */
async function migrate(connection: ConnectionOptions): Promise<void> {
  const client = new Client({
    ...clientConfig(connection),
    statement_timeout: connection.limits.migrationStatementTimeoutMs,
    query_timeout: 0,
  });
  client.on('error', () => {}); // a dead connection also fails the pending query, which is what we report
  try {
    await client.connect();
    await runMigrations(client, connection.schema === undefined ? {} : { schema: connection.schema });
  } catch (error) {
    throw error instanceof SchemaTooNewError ? error : toStoreError(error);
  } finally {
    await client.end().catch(() => {});
  }
}

interface SerialisedEvents {
  types: string[];
  data: string[];
}

/** JSON text of each event, made before any connection is taken: a value that cannot be serialised fails here. */
function serialiseEvents(events: readonly HistoryEvent[]): SerialisedEvents {
  return {
    types: events.map((event) => event.type),
    data: events.map((event) => JSON.stringify(event.data)),
  };
}

function serialiseState(state: unknown): string {
  return JSON.stringify(state ?? null);
}

/** Inserts events with seq lastSeq+1, lastSeq+2, … in one statement; returns the new last seq. */
async function insertEvents(
  query: Query,
  conversationId: string,
  lastSeq: number,
  events: SerialisedEvents,
  at: string,
): Promise<number> {
  if (events.types.length === 0) return lastSeq;
  await query(
    `INSERT INTO events (conversation_id, seq, type, data, at)
     SELECT $1::text, $2::integer + e.ordinal, e.type, e.data::json, $5::timestamptz
       FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS e (type, data, ordinal)`,
    [conversationId, lastSeq, events.types, events.data, at],
  );
  return lastSeq + events.types.length;
}

/** Locks the current-version pointer row until the transaction ends; returns the current version. */
async function lockPointer(query: Query): Promise<number | null> {
  const { rows } = await query<{ current_version: number | null }>(
    'SELECT current_version FROM flow_pointer WHERE id = 1 FOR UPDATE',
  );
  return rows[0]?.current_version ?? null;
}

const SUMMARY_COLUMNS = 'id, flow_version, status, started_at, updated_at, event_count';

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly notifications: PostgresNotifications;
  readonly #pool: Pool;
  readonly #query: Query;
  readonly #limits: PostgresLimits;
  readonly #group: PostgresGroupCommit;
  #closing: Promise<void> | null = null;

  constructor(connection: ConnectionOptions) {
    this.#pool = createPool(connection);
    this.#query = poolQuery(this.#pool);
    this.#limits = connection.limits;
    this.#group = new PostgresGroupCommit(this.#pool);
    this.notifications = new PostgresNotifications(connection, this.#query);
  }

  async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StoreUnavailableError(`PostgreSQL did not answer within ${this.#limits.pingTimeoutMs} ms`),
          ),
        this.#limits.pingTimeoutMs,
      );
    });
    try {
      // race() also handles a late rejection of the query after the deadline won.
      await Promise.race([this.#query('SELECT 1'), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The session settings the pool's connections actually run with, for tests and startup logs. */
  async settings(): Promise<PostgresSettings> {
    const { rows } = await this.#query<PostgresSettings>(
      `SELECT current_setting('statement_timeout') AS "statementTimeout",
              current_setting('idle_in_transaction_session_timeout') AS "idleInTransactionSessionTimeout",
              current_schema() AS schema,
              current_setting('application_name') AS "applicationName"`,
    );
    const settings = rows[0];
    if (!settings) throw new TypeError('settings query returned no row');
    return settings;
  }

  async close(): Promise<void> {
    // Idempotent, and concurrent callers share one shutdown.
    // Appends still queued for a group commit go in first.
    this.#closing ??= this.#group
      .flush()
      .then(() => this.notifications.close())
      .then(() => this.#pool.end());
    await this.#closing;
  }

  async createFlowVersion(input: {
    raw: string;
    name: string;
    at: string;
    ifMatch?: number | null;
  }): Promise<CreateFlowVersionResult> {
    const at = timestampParam(input.at);
    return inTransaction(this.#pool, async (query): Promise<CreateFlowVersionResult> => {
      const current = await lockPointer(query);
      if (input.ifMatch !== undefined && input.ifMatch !== current) {
        return { ok: false, reason: 'version_conflict', current };
      }
      const { rows } = await query<{ version: number }>(
        `INSERT INTO flow_versions (version, name, raw, created_at)
         SELECT COALESCE(MAX(version), 0) + 1, $1::json, $2::text, $3::timestamptz FROM flow_versions
         RETURNING version`,
        [JSON.stringify(input.name), input.raw, at],
      );
      const version = rows[0]?.version;
      if (version === undefined) throw new TypeError('INSERT … RETURNING returned no row');
      await query('UPDATE flow_pointer SET current_version = $1 WHERE id = 1', [version]);
      return { ok: true, version: { version, name: input.name, createdAt: at } };
    });
  }

  async getCurrentFlowVersion(): Promise<FlowVersionRecord | null> {
    const { rows } = await this.#query(
      `SELECT v.version, v.name, v.raw, v.created_at
         FROM flow_pointer p JOIN flow_versions v ON v.version = p.current_version
        WHERE p.id = 1`,
    );
    return rows[0] ? toFlowVersionRecord(rows[0]) : null;
  }

  async getFlowVersion(version: number): Promise<FlowVersionRecord | null> {
    if (!isStorableInteger(version)) return null;
    const { rows } = await this.#query(
      'SELECT version, name, raw, created_at FROM flow_versions WHERE version = $1',
      [version],
    );
    return rows[0] ? toFlowVersionRecord(rows[0]) : null;
  }

  async listFlowVersions(): Promise<{ current: number | null; versions: FlowVersionMeta[] }> {
    // One statement, so the pointer and the list come from the same snapshot.
    const { rows } = await this.#query<{ current_version: number | null; version: number | null }>(
      `SELECT p.current_version, v.version, v.name, v.created_at
         FROM flow_pointer p LEFT JOIN flow_versions v ON true
        WHERE p.id = 1
        ORDER BY v.version DESC`,
    );
    return {
      current: rows[0]?.current_version ?? null,
      versions: rows.filter((row) => row.version !== null).map(toFlowVersionMeta),
    };
  }

  async activateFlowVersion(version: number, ifMatch?: number): Promise<ActivateResult> {
    if (!isStorableInteger(version)) return { ok: false, reason: 'not_found' };
    return inTransaction(this.#pool, async (query): Promise<ActivateResult> => {
      const current = await lockPointer(query);
      const found = await query('SELECT 1 FROM flow_versions WHERE version = $1', [version]);
      if (found.rowCount === 0) return { ok: false, reason: 'not_found' };
      if (ifMatch !== undefined && ifMatch !== current) {
        return { ok: false, reason: 'version_conflict', current };
      }
      await query('UPDATE flow_pointer SET current_version = $1 WHERE id = 1', [version]);
      return { ok: true };
    });
  }

  async putFlowTests(input: {
    flowVersion: number;
    raw: string;
    at: string;
  }): Promise<FlowTestsRecord | null> {
    const at = timestampParam(input.at);
    if (!isStorableInteger(input.flowVersion)) return null;
    // Versions are never deleted, so the existence check and the insert need no lock between them.
    const { rows } = await this.#query(
      `INSERT INTO flow_tests (flow_version, raw, created_at)
       SELECT version, $2::text, $3::timestamptz FROM flow_versions WHERE version = $1
       RETURNING flow_version, raw, created_at`,
      [input.flowVersion, input.raw, at],
    );
    return rows[0] ? toFlowTests(rows[0]) : null;
  }

  async getFlowTests(flowVersion: number): Promise<FlowTestsRecord | null> {
    // Any positive integer asks (bigint: above the largest version, the newest tests are in effect).
    if (!Number.isSafeInteger(flowVersion) || flowVersion < 1) return null;
    const { rows } = await this.#query(
      `SELECT flow_version, raw, created_at FROM flow_tests
        WHERE flow_version <= $1::bigint ORDER BY flow_version DESC, id DESC LIMIT 1`,
      [flowVersion],
    );
    return rows[0] ? toFlowTests(rows[0]) : null;
  }

  async createConversation(conversation: NewConversation, events: readonly HistoryEvent[]): Promise<void> {
    const at = timestampParam(conversation.at);
    const state = serialiseState(conversation.state);
    const serialised = serialiseEvents(events);
    await inTransaction(this.#pool, async (query) => {
      await query(
        `INSERT INTO conversations
           (id, flow_version, status, state, resume_token_hash, started_at, updated_at, event_count,
            user_id, answered)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9)`,
        [
          conversation.id,
          conversation.flowVersion,
          conversation.status,
          state,
          conversation.resumeTokenHash,
          at,
          events.length,
          conversation.userId ?? null,
          serialised.types.includes('message.user'),
        ],
      );
      await insertEvents(query, conversation.id, 0, serialised, at);
    });
  }

  async getConversation(id: string): Promise<ConversationRecord | null> {
    if (!isStorableKey(id)) return null;
    const { rows } = await this.#query(
      `SELECT ${SUMMARY_COLUMNS}, state, resume_token_hash, epoch, user_id FROM conversations WHERE id = $1`,
      [id],
    );
    return rows[0] ? toConversationRecord(rows[0]) : null;
  }

  async claimConversation(id: string): Promise<ConversationRecord | null> {
    if (!isStorableKey(id)) return null;
    const { rows } = await this.#query(
      `UPDATE conversations SET epoch = epoch + 1 WHERE id = $1
       RETURNING ${SUMMARY_COLUMNS}, state, resume_token_hash, epoch, user_id`,
      [id],
    );
    return rows[0] ? toConversationRecord(rows[0]) : null;
  }

  async appendTurn(write: TurnWrite): Promise<AppendResult> {
    if (!isStorableKey(write.conversationId)) return { ok: false, reason: 'not_found' };
    const events = serialiseEvents(write.events);
    // Batched with the other appends of this event-loop turn: one transaction (see group-commit.ts).
    return this.#group.append({
      conversationId: write.conversationId,
      epoch: write.epoch ?? null,
      clientMessageId:
        write.clientMessageId === undefined ? null : Buffer.from(write.clientMessageId, 'utf8'),
      state: serialiseState(write.state),
      status: write.status,
      at: timestampParam(write.at),
      types: events.types,
      data: events.data,
      answers: events.types.includes('message.user'),
    });
  }

  /** Appends and the transactions they took (group commit batches them), for tests and the bench. */
  writeStats(): PostgresGroupCommitStats {
    return this.#group.stats();
  }

  async getEvents(conversationId: string): Promise<StoredEvent[]> {
    if (!isStorableKey(conversationId)) return [];
    const { rows } = await this.#query(
      'SELECT seq, type, data, at FROM events WHERE conversation_id = $1 ORDER BY seq',
      [conversationId],
    );
    return rows.map(toStoredEvent);
  }

  async getBotMessagesAfter(
    conversationId: string,
    afterSeq: number,
    limit: number,
  ): Promise<StoredBotMessage[]> {
    return botMessagesAfter(this.#query, conversationId, afterSeq, limit);
  }

  async getReplyTo(
    conversationId: string,
    clientMessageId: string,
    limit: number,
  ): Promise<StoredBotMessage[]> {
    return replyTo(this.#query, conversationId, clientMessageId, limit);
  }

  async listConversations(options: { limit: number; cursor?: string }): Promise<Page<ConversationSummary>> {
    const { limit } = options;
    const { maxPageSize } = this.#limits;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > maxPageSize) {
      throw new RangeError(`limit must be an integer from 1 to ${maxPageSize}`);
    }
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    // Our cursors carry a stored timestamp and id; anything else would be a database error, not a page.
    if (after && (!isIsoTimestamp(after.startedAt) || !isStorableKey(after.id))) {
      throw new InvalidCursorError('cursor is not one this server issued');
    }
    // One row more than asked tells whether another page exists without a COUNT.
    const { rows } = after
      ? await this.#query(
          `SELECT ${SUMMARY_COLUMNS} FROM conversations
            WHERE (started_at, id) < ($1::timestamptz, $2)
            ORDER BY started_at DESC, id DESC LIMIT $3`,
          [after.startedAt, after.id, limit + 1],
        )
      : await this.#query(
          `SELECT ${SUMMARY_COLUMNS} FROM conversations ORDER BY started_at DESC, id DESC LIMIT $1`,
          [limit + 1],
        );
    const items = rows.slice(0, limit).map(toConversationSummary);
    const last = items.at(-1);
    const nextCursor =
      rows.length > limit && last ? encodeCursor({ startedAt: last.startedAt, id: last.id }) : null;
    return { items, nextCursor };
  }

  async deleteConversation(id: string): Promise<boolean> {
    if (!isStorableKey(id)) return false;
    return (await this.#deleteWhere('id = $1', [id])) > 0;
  }

  async deleteUserConversations(userId: string): Promise<number> {
    if (!isStorableKey(userId)) return 0;
    return this.#deleteWhere('user_id = $1', [userId]);
  }

  async deleteExpiredConversations(criteria: ExpiryCriteria): Promise<number> {
    const { limit } = criteria;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('limit must be an integer ≥ 1');
    const unanswered =
      criteria.unansweredBefore === undefined ? null : timestampParam(criteria.unansweredBefore);
    const inactive = criteria.inactiveBefore === undefined ? null : timestampParam(criteria.inactiveBefore);
    if (unanswered === null && inactive === null) return 0;
    // Each criterion is its own index scan (the partial index of unanswered ones, the activity index).
    // A row a turn is writing right now is skipped (SKIP LOCKED): a later sweep takes it.
    return this.#deleteWhere(
      `id IN (
         (SELECT id FROM conversations
           WHERE $1::timestamptz IS NOT NULL AND NOT answered AND updated_at < $1::timestamptz
           ORDER BY updated_at LIMIT $3)
         UNION
         (SELECT id FROM conversations
           WHERE $2::timestamptz IS NOT NULL AND updated_at < $2::timestamptz
           ORDER BY updated_at LIMIT $3)
       )`,
      [unanswered, inactive, limit],
      { limit: '$3', skipLocked: true },
    );
  }

  /**
   * Deletes the conversations matching `where`, their events and idempotency records, in one
   * transaction; returns how many. The conversation rows are locked first (in id order, as appends lock
   * them), so no turn can add an event meanwhile; each DELETE after that is a statement of its own,
   * hence sees everything committed before the lock was granted.
   */
  #deleteWhere(
    where: string,
    values: unknown[],
    options: { limit?: string; skipLocked?: boolean } = {},
  ): Promise<number> {
    return inTransaction(this.#pool, async (query) => {
      const { rows } = await query<{ id: string }>(
        `SELECT id FROM conversations WHERE ${where} ORDER BY id
         ${options.limit ? `LIMIT ${options.limit}` : ''} FOR UPDATE${options.skipLocked ? ' SKIP LOCKED' : ''}`,
        values,
      );
      const ids = rows.map((row) => row.id);
      if (ids.length === 0) return 0;
      await query('DELETE FROM events WHERE conversation_id = ANY($1::text[])', [ids]);
      await query('DELETE FROM client_message_ids WHERE conversation_id = ANY($1::text[])', [ids]);
      const deleted = await query('DELETE FROM conversations WHERE id = ANY($1::text[])', [ids]);
      return deleted.rowCount ?? 0;
    });
  }

  async createAdminToken(token: NewAdminToken): Promise<boolean> {
    if (!isStorableKey(token.name) || !token.scopes.every(isStorableKey)) {
      throw new RangeError('a token name or scope cannot contain U+0000');
    }
    const { rowCount } = await this.#query(
      `INSERT INTO admin_tokens (name, token_hash, scopes, created_at) VALUES ($1, $2, $3::text[], $4)
       ON CONFLICT DO NOTHING`,
      [token.name, token.tokenHash, token.scopes, timestampParam(token.createdAt)],
    );
    return rowCount === 1;
  }

  async listAdminTokens(): Promise<AdminTokenRecord[]> {
    const { rows } = await this.#query('SELECT name, scopes, created_at FROM admin_tokens ORDER BY name');
    return rows.map(toAdminToken);
  }

  async findAdminToken(tokenHash: string): Promise<AdminTokenRecord | null> {
    if (!isStorableKey(tokenHash)) return null;
    const { rows } = await this.#query(
      'SELECT name, scopes, created_at FROM admin_tokens WHERE token_hash = $1',
      [tokenHash],
    );
    return rows[0] ? toAdminToken(rows[0]) : null;
  }

  async revokeAdminToken(name: string): Promise<boolean> {
    if (!isStorableKey(name)) return false;
    const { rowCount } = await this.#query('DELETE FROM admin_tokens WHERE name = $1', [name]);
    return rowCount === 1;
  }

  async appendAudit(entry: NewAuditEntry): Promise<number> {
    // Route and target come from the request: U+0000 (which TEXT refuses) is kept visible as U+FFFD.
    const text = (value: string) => value.replaceAll('\u0000', '\ufffd');
    const { rows } = await this.#query<{ id: string }>(
      `INSERT INTO audit_log (at, actor, address, action, route, target) VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING id`,
      [
        timestampParam(entry.at),
        text(entry.actor),
        text(entry.address),
        text(entry.action),
        text(entry.route),
        entry.target === null ? null : text(entry.target),
      ],
    );
    const id = Number(rows[0]?.id);
    if (!Number.isSafeInteger(id)) throw new TypeError('INSERT … RETURNING returned no id');
    return id;
  }

  async listAudit(options: { limit: number; cursor?: string }): Promise<Page<AuditEntry>> {
    const { limit } = options;
    const { maxPageSize } = this.#limits;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > maxPageSize) {
      throw new RangeError(`limit must be an integer from 1 to ${maxPageSize}`);
    }
    const after = options.cursor === undefined ? undefined : decodeAuditCursor(options.cursor);
    const columns = 'id, at, actor, address, action, route, target';
    const { rows } =
      after === undefined
        ? await this.#query(`SELECT ${columns} FROM audit_log ORDER BY id DESC LIMIT $1`, [limit + 1])
        : await this.#query(`SELECT ${columns} FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2`, [
            after,
            limit + 1,
          ]);
    const items = rows.slice(0, limit).map(toAuditEntry);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeAuditCursor(last.id) : null };
  }
}
