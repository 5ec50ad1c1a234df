/**
 * Schema migrations of the PostgreSQL store.
 *
 * To change the schema, APPEND a migration with the next number; never edit or reorder one that has
 * shipped. A run is one transaction that first takes a transaction-level advisory lock: when several
 * instances start at once, one applies the pending migrations while the others wait on the lock, then
 * find them recorded in `schema_migrations` and apply nothing. PostgreSQL DDL is transactional, so a
 * failing migration leaves the database exactly as it was.
 *
 * Column choices, and why they differ from SQLite:
 * - `raw` is TEXT: the document exactly as uploaded (json/jsonb would re-check or reorder it).
 * - state and event data are `json`, not `jsonb`: jsonb cannot hold "\u0000", which a user can type;
 *   json keeps the text as written (and can still be cast to jsonb for ad-hoc queries).
 * - the flow name is `json` (a JSON string) and a clientMessageId is `bytea` (its UTF-8 bytes): both
 *   come from outside and may contain U+0000, which PostgreSQL TEXT refuses.
 * - timestamps are `timestamptz` (ms precision round-trips; the store returns toISOString() form).
 * - ids sort with COLLATE "C" (byte order), as SQLite does, whatever the database's collation.
 */
import type { ClientBase } from 'pg';
import { escapeIdentifier } from 'pg';
import { type Migration, refuseNewerSchema } from '../migration.ts';

export { type Migration, SchemaTooNewError } from '../migration.ts';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE flow_versions (
        version    integer PRIMARY KEY CHECK (version > 0),
        name       json NOT NULL,
        raw        text NOT NULL,
        created_at timestamptz NOT NULL
      );

      -- One row, always present: the current-version pointer (NULL until the first upload). Writers of
      -- versions lock this row (SELECT ... FOR UPDATE), which serialises If-Match compare-and-sets.
      CREATE TABLE flow_pointer (
        id              integer PRIMARY KEY CHECK (id = 1),
        current_version integer REFERENCES flow_versions (version)
      );
      INSERT INTO flow_pointer (id, current_version) VALUES (1, NULL);

      CREATE TABLE conversations (
        id                text COLLATE "C" PRIMARY KEY,
        flow_version      integer NOT NULL REFERENCES flow_versions (version),
        status            text NOT NULL CHECK (status IN ('active', 'ended')),
        state             json NOT NULL,
        resume_token_hash text NOT NULL,
        started_at        timestamptz NOT NULL,
        updated_at        timestamptz NOT NULL,
        event_count       integer NOT NULL DEFAULT 0 CHECK (event_count >= 0)
      );
      CREATE INDEX conversations_newest_first ON conversations (started_at DESC, id DESC);

      -- Keyed by conversation_id first, so the history could be distributed by it (e.g. Citus).
      CREATE TABLE events (
        conversation_id text COLLATE "C" NOT NULL REFERENCES conversations (id),
        seq             integer NOT NULL CHECK (seq > 0),
        type            text NOT NULL,
        data            json NOT NULL,
        at              timestamptz NOT NULL,
        PRIMARY KEY (conversation_id, seq)
      );

      CREATE TABLE client_message_ids (
        conversation_id   text COLLATE "C" NOT NULL REFERENCES conversations (id),
        client_message_id bytea NOT NULL,
        PRIMARY KEY (conversation_id, client_message_id)
      );
    `,
  },
  {
    version: 2,
    name: 'conversation ownership epoch (fencing token)',
    sql: 'ALTER TABLE conversations ADD COLUMN epoch integer NOT NULL DEFAULT 1 CHECK (epoch > 0);',
  },
  {
    version: 3,
    name: 'scoped admin tokens and the audit log',
    sql: `
      CREATE TABLE admin_tokens (
        name       text COLLATE "C" PRIMARY KEY,
        token_hash text NOT NULL UNIQUE, -- hex SHA-256 of the secret; the secret is never stored
        scopes     text[] NOT NULL,
        created_at timestamptz NOT NULL
      );

      -- Written by requests from outside: the route and target may hold any text but U+0000 (refused before).
      CREATE TABLE audit_log (
        id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at      timestamptz NOT NULL,
        actor   text NOT NULL,
        address text NOT NULL,
        action  text NOT NULL,
        route   text NOT NULL,
        target  text
      );
    `,
  },
  {
    version: 4,
    name: 'retention: external user id, answered flag, expiry indexes',
    sql: `
      -- text: a user id is printable ASCII (checked at connect), so it never holds U+0000.
      ALTER TABLE conversations ADD COLUMN user_id text COLLATE "C";
      -- true once the conversation holds a user message: the janitor expires the others after UNANSWERED_TTL_MINUTES.
      ALTER TABLE conversations ADD COLUMN answered boolean NOT NULL DEFAULT false;
      UPDATE conversations c SET answered = true
       WHERE EXISTS (SELECT 1 FROM events e WHERE e.conversation_id = c.id AND e.type = 'message.user');
      CREATE INDEX conversations_by_user ON conversations (user_id) WHERE user_id IS NOT NULL;
      CREATE INDEX conversations_unanswered ON conversations (updated_at) WHERE NOT answered;
      CREATE INDEX conversations_by_activity ON conversations (updated_at);
    `,
  },
  {
    version: 5,
    name: 'conversation tests stored with flow versions',
    sql: `
      -- Append-only: a new upload for a version supersedes the earlier ones (the highest id wins).
      -- raw is text, as a flow's: valid JSON text never holds a raw U+0000.
      CREATE TABLE flow_tests (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        flow_version integer NOT NULL REFERENCES flow_versions (version),
        raw          text NOT NULL,
        created_at   timestamptz NOT NULL
      );
      -- "The newest tests for a version ≤ v" is one backward index step.
      CREATE INDEX flow_tests_in_effect ON flow_tests (flow_version, id);
    `,
  },
];

/** Key of the advisory lock around a migration run: "chatflow" in ASCII, so it is recognisable in pg_locks. */
export const MIGRATION_LOCK_KEY = '7163384697049820023';

/**
 * Applies every migration not yet applied, in order, in one transaction under the advisory lock.
 * Returns the versions it applied (empty when another instance got there first).
 */
export async function runMigrations(
  client: ClientBase,
  options: { schema?: string; migrations?: readonly Migration[] } = {},
): Promise<number[]> {
  const migrations = options.migrations ?? MIGRATIONS;
  await client.query('BEGIN');
  try {
    // Waits here while another instance migrates; released by COMMIT or ROLLBACK.
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    if (options.schema !== undefined) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${escapeIdentifier(options.schema)}`);
    }
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const result = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(result.rows.map((row) => row.version));
    refuseNewerSchema(Math.max(0, ...done), migrations);
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    // The caller closes this connection on failure, which rolls back too; this keeps it reusable.
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
