/** Chooses the storage adapter from the configuration: PostgreSQL when DATABASE_URL is set, else SQLite. */
import { openSqliteStore } from './sqlite/sqlite-store.ts';
import type { Store } from './store.ts';

export interface StoreConfig {
  /** DATA_DIR: where the embedded SQLite file lives. */
  dataDir: string;
  /** DATABASE_URL: postgres://… switches storage to PostgreSQL. */
  databaseUrl?: string;
}

export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

export async function openStore(config: StoreConfig): Promise<Store> {
  if (config.databaseUrl !== undefined && config.databaseUrl !== '') {
    throw new StoreUnavailableError(
      'DATABASE_URL is set, but PostgreSQL storage arrives with issue 7; unset it to use the embedded SQLite store',
    );
  }
  return openSqliteStore({ dataDir: config.dataDir });
}
