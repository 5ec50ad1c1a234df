import { after } from 'node:test';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { runStoreContract } from './contract.ts';

// Fails the whole file, with instructions, when PostgreSQL is not running: never a silent skip.
const database = await createTestDatabase();
after(() => database.drop());

let schemas = 0;
runStoreContract('postgres', async () => {
  schemas += 1;
  const store = await openPostgresStore({ url: database.url, schema: `contract_${schemas}` });
  return { store, cleanup: () => store.close() };
});
