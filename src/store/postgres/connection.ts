/**
 * Connection settings shared by the pool, the migration connection and the LISTEN connection, and
 * the pool itself with its error listeners: an idle connection that dies (PostgreSQL restarted, a
 * proxy cut it) emits 'error', and an 'error' without a listener would end the process.
 */
import { type ClientConfig, Pool } from 'pg';
import { StoreConfigError } from '../store.ts';
import type { PostgresLimits } from './limits.ts';

export const POSTGRES_URL_PROTOCOLS: readonly string[] = ['postgres:', 'postgresql:'];

/** A schema name we can put in `search_path` without quoting. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface ConnectionOptions {
  url: string;
  /** Tables live in this schema (created if missing); default: the server's search_path (usually public). */
  schema?: string;
  limits: PostgresLimits;
  /** Told about connections that failed outside any call (idle pool connections, the LISTEN connection). */
  onConnectionError: (error: Error) => void;
}

/** Checks the URL and schema up front; messages never repeat the URL, which may hold a password. */
export function validateConnectionOptions(options: Pick<ConnectionOptions, 'url' | 'schema'>): void {
  let protocol: string;
  try {
    protocol = new URL(options.url).protocol;
  } catch {
    throw new StoreConfigError('DATABASE_URL is not a valid URL (expected postgres://user@host:port/db)');
  }
  if (!POSTGRES_URL_PROTOCOLS.includes(protocol)) {
    throw new StoreConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new StoreConfigError(`schema must match ${SCHEMA_NAME.source}`);
  }
}

/** Settings of one connection; the server enforces the timeouts and the search_path for the session. */
export function clientConfig(options: ConnectionOptions): ClientConfig {
  const { limits } = options;
  return {
    connectionString: options.url,
    application_name: 'chatflow',
    connectionTimeoutMillis: limits.connectionTimeoutMs,
    statement_timeout: limits.statementTimeoutMs,
    query_timeout: limits.queryTimeoutMs,
    idle_in_transaction_session_timeout: limits.idleInTransactionTimeoutMs,
    // TCP keepalive notices a peer that vanished without closing (host down, network partition).
    keepAlive: true,
    keepAliveInitialDelayMillis: limits.tcpKeepAliveDelayMs,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  };
}

export function createPool(options: ConnectionOptions): Pool {
  const pool = new Pool({
    ...clientConfig(options),
    max: options.limits.maxConnections,
    idleTimeoutMillis: options.limits.idleTimeoutMs,
  });
  // An idle connection failed: the pool drops it and opens a new one on the next call.
  pool.on('error', (error) => options.onConnectionError(error));
  // A checked-out connection may also emit 'error' (the pool listens only while it is idle); the call
  // using it fails by itself, so this listener only keeps the process alive.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}
