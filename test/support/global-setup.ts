/**
 * `npm test`'s global setup (`node --test --test-global-setup=…`), whose environment the test files'
 * processes inherit:
 * - unless TEST_DATABASE_URL names a PostgreSQL server to use, one throwaway server
 *   (test/support/embedded-postgres.ts) is started for the whole run and its admin URL put into
 *   TEST_DATABASE_URL. It is stopped and its directory removed after the last test file, whether the
 *   run passed or not;
 * - Node's compile cache (the test files' TypeScript, stripped and compiled once) is kept in
 *   node_modules/.cache/node-compile-cache rather than in the OS temp dir, unless NODE_COMPILE_CACHE
 *   says otherwise.
 */
import { fileURLToPath } from 'node:url';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres.ts';

let server: EmbeddedPostgres | undefined;

export async function globalSetup(): Promise<void> {
  process.env.NODE_COMPILE_CACHE ??= fileURLToPath(
    new URL('../../node_modules/.cache/node-compile-cache', import.meta.url),
  );
  if (process.env.TEST_DATABASE_URL) return;
  const started = await startEmbeddedPostgres();
  server = started;
  // If the run ends without the teardown (an uncaught error, process.exit), nothing is left behind.
  process.once('exit', () => started.killNow());
  process.env.TEST_DATABASE_URL = started.url;
}

export async function globalTeardown(): Promise<void> {
  await server?.stop();
}
