/**
 * Write throughput of the PostgreSQL store on the server TEST_DATABASE_URL names (an admin URL), in a
 * database made for the run and dropped after: one writer on one instance (latency), then 16
 * conversations written at once through one instance and through two (two pools on one database).
 * Run: `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx node bench/store-postgres.ts
 * [turns]`. Without TEST_DATABASE_URL it runs on the tests' throwaway server, whose fsync is off: its
 * figures are not those of a real server.
 */
import { openPostgresStore, type PostgresStore } from '../src/store/postgres/postgres-store.ts';
import { createTestDatabase } from '../test/support/postgres.ts';
import { benchTurns, describeResult } from './store-workload.ts';

const turns = Number(process.argv[2] ?? 2_000);
const database = await createTestDatabase();
const stores: PostgresStore[] = [];
try {
  const runs = [
    { instances: 1, workers: 1 },
    { instances: 1, workers: 16 },
    { instances: 2, workers: 16 },
  ];
  for (const [index, run] of runs.entries()) {
    const schema = `bench_${index}`;
    const opened = await Promise.all(
      Array.from({ length: run.instances }, () => openPostgresStore({ url: database.url, schema })),
    );
    stores.push(...opened);
    const result = await benchTurns(opened, { turns, workers: run.workers, label: schema });
    console.log(describeResult(`PostgreSQL, ${run.instances} instance(s), ${run.workers} writer(s)`, result));
  }
} finally {
  await Promise.all(stores.map((store) => store.close()));
  await database.drop();
}
