/** Chooses the storage adapter from the configuration: PostgreSQL when DATABASE_URL is set, else SQLite. */
import { POSTGRES_URL_PROTOCOLS } from './postgres/connection.ts';
import { openPostgresStore } from './postgres/postgres-store.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';
import { openSqliteWorkerStore } from './sqlite/worker-store.ts';
import { type Store, StoreConfigError, StoreUnavailableError } from './store.ts';

// Kept importable from here, where they have always been (StoreUnavailableError) or belong.
export { StoreConfigError, StoreUnavailableError };

export interface StoreConfig {
  /** DATA_DIR: where the embedded SQLite file lives. */
  dataDir: string;
  /** DATABASE_URL: postgres://… switches storage to PostgreSQL. */
  databaseUrl?: string;
  /** Told about database connection failures that no call saw (PostgreSQL only), for logging. */
  onConnectionError?: (error: Error) => void;
  /** SQLite only: batch the history writes of one event-loop turn into one transaction (default true). */
  groupCommit?: boolean;
  /** SQLite only: run the connection in a worker thread, off the event loop (default false). */
  sqliteWorker?: boolean;
}

export async function openStore(config: StoreConfig): Promise<Store> {
  const url = config.databaseUrl;
  if (url === undefined || url === '') {
    const options = {
      dataDir: config.dataDir,
      ...(config.groupCommit === undefined ? {} : { groupCommit: config.groupCommit }),
    };
    return config.sqliteWorker === true ? openSqliteWorkerStore(options) : openSqliteStore(options);
  }
  // Only the scheme is inspected and quoted back: the rest of the URL may hold a password.
  if (!POSTGRES_URL_PROTOCOLS.some((protocol) => url.startsWith(`${protocol}//`))) {
    throw new StoreConfigError(
      'DATABASE_URL must start with postgres:// or postgresql:// (unset it to use the embedded SQLite store)',
    );
  }
  return openPostgresStore({
    url,
    ...(config.onConnectionError === undefined ? {} : { onConnectionError: config.onConnectionError }),
  });
}
