/**
 * Schema migrations of the SQLite store.
 *
 * To change the schema, APPEND a migration with the next number; never edit or reorder one that has
 * shipped (databases in the field have already applied it). Each migration runs in its own
 * BEGIN IMMEDIATE transaction together with its row in `schema_migrations`, so a crash mid-migration
 * leaves the database at the previous version, and two processes opening the same file at once
 * cannot both apply it (the second waits on the write lock, then sees the row and skips).
 */
import type { DatabaseSync } from 'node:sqlite';
import { type Migration, refuseNewerSchema } from '../migration.ts';
import { inImmediateTransaction } from './transaction.ts';

export { type Migration, SchemaTooNewError } from '../migration.ts';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE flow_versions (
        version    INTEGER PRIMARY KEY CHECK (version > 0),
        name       TEXT NOT NULL,
        raw        TEXT NOT NULL, -- the document exactly as uploaded
        created_at TEXT NOT NULL
      ) STRICT;

      -- One row, always present: the current-version pointer (NULL until the first upload).
      CREATE TABLE flow_pointer (
        id              INTEGER PRIMARY KEY CHECK (id = 1),
        current_version INTEGER REFERENCES flow_versions (version)
      ) STRICT;
      INSERT INTO flow_pointer (id, current_version) VALUES (1, NULL);

      CREATE TABLE conversations (
        id                TEXT PRIMARY KEY,
        flow_version      INTEGER NOT NULL REFERENCES flow_versions (version),
        status            TEXT NOT NULL CHECK (status IN ('active', 'ended')),
        state             TEXT NOT NULL, -- JSON, opaque to the store
        resume_token_hash TEXT NOT NULL,
        started_at        TEXT NOT NULL,
        updated_at        TEXT NOT NULL,
        event_count       INTEGER NOT NULL DEFAULT 0 CHECK (event_count >= 0)
      ) STRICT;
      CREATE INDEX conversations_newest_first ON conversations (started_at DESC, id DESC);

      CREATE TABLE events (
        conversation_id TEXT NOT NULL REFERENCES conversations (id),
        seq             INTEGER NOT NULL CHECK (seq > 0),
        type            TEXT NOT NULL,
        data            TEXT NOT NULL, -- JSON
        at              TEXT NOT NULL,
        PRIMARY KEY (conversation_id, seq)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE client_message_ids (
        conversation_id   TEXT NOT NULL REFERENCES conversations (id),
        client_message_id TEXT NOT NULL,
        PRIMARY KEY (conversation_id, client_message_id)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'conversation ownership epoch (fencing token)',
    sql: 'ALTER TABLE conversations ADD COLUMN epoch INTEGER NOT NULL DEFAULT 1 CHECK (epoch > 0);',
  },
  {
    version: 3,
    name: 'scoped admin tokens and the audit log',
    sql: `
      CREATE TABLE admin_tokens (
        name       TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE, -- hex SHA-256 of the secret; the secret is never stored
        scopes     TEXT NOT NULL,        -- JSON array of strings
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE audit_log (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        at      TEXT NOT NULL,
        actor   TEXT NOT NULL,
        address TEXT NOT NULL,
        action  TEXT NOT NULL,
        route   TEXT NOT NULL,
        target  TEXT
      ) STRICT;
    `,
  },
  {
    version: 4,
    name: 'retention: external user id, answered flag, expiry indexes',
    sql: `
      ALTER TABLE conversations ADD COLUMN user_id TEXT;
      -- 1 once the conversation holds a user message: the janitor expires the others after UNANSWERED_TTL_MINUTES.
      ALTER TABLE conversations ADD COLUMN answered INTEGER NOT NULL DEFAULT 0 CHECK (answered IN (0, 1));
      UPDATE conversations SET answered = 1
       WHERE EXISTS (SELECT 1 FROM events e WHERE e.conversation_id = conversations.id AND e.type = 'message.user');
      CREATE INDEX conversations_by_user ON conversations (user_id) WHERE user_id IS NOT NULL;
      CREATE INDEX conversations_unanswered ON conversations (updated_at) WHERE answered = 0;
      CREATE INDEX conversations_by_activity ON conversations (updated_at);
    `,
  },
  {
    version: 5,
    name: 'conversation tests stored with flow versions',
    sql: `
      -- Append-only: a new upload for a version supersedes the earlier ones (the highest id wins).
      CREATE TABLE flow_tests (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        flow_version INTEGER NOT NULL REFERENCES flow_versions (version),
        raw          TEXT NOT NULL, -- the test file exactly as uploaded
        created_at   TEXT NOT NULL
      ) STRICT;
      -- "The newest tests for a version ≤ v" is one backward index step.
      CREATE INDEX flow_tests_in_effect ON flow_tests (flow_version, id);
    `,
  },
];

/** Applies every migration not yet applied, in order. Returns the versions it applied. */
export function runMigrations(
  db: DatabaseSync,
  migrations: readonly Migration[] = MIGRATIONS,
  now: () => string = () => new Date().toISOString(),
): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`);
  const appliedVersion = db.prepare('SELECT version FROM schema_migrations WHERE version = ?');
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const newest = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get()?.version;
  refuseNewerSchema(typeof newest === 'number' ? newest : 0, migrations);

  const applied: number[] = [];
  for (const migration of migrations) {
    inImmediateTransaction(db, () => {
      if (appliedVersion.get(migration.version) !== undefined) return;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, now());
      applied.push(migration.version);
    });
  }
  return applied;
}
