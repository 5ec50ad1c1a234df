/**
 * The PostgreSQL server of the tests: each test file gets databases of its own, dropped at the end, and a
 * TCP proxy to the server that a test can sever.
 *
 * The server is the one TEST_DATABASE_URL names: an admin URL of a server where the tests may CREATE and
 * DROP DATABASE. `npm test` sets it to a throwaway server it starts once for the run
 * (test/support/global-setup.ts) unless the developer set it. A test file run alone without it
 * (`node --test test/store/postgres.test.ts`) starts a throwaway server of its own, stopped when the
 * process ends.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { Client } from 'pg';
import { startEmbeddedPostgres } from './embedded-postgres.ts';

let server: Promise<URL> | undefined;

/** The admin URL of the tests' server (see above). */
export function adminUrl(): Promise<URL> {
  server ??= serverUrl();
  return server;
}

async function serverUrl(): Promise<URL> {
  const given = process.env.TEST_DATABASE_URL;
  if (given !== undefined && given !== '') return new URL(given);
  const own = await startEmbeddedPostgres();
  // It must not keep this process alive; once nothing else is left to do, it is stopped and removed.
  own.unref();
  process.once('beforeExit', () => void own.stop());
  process.once('exit', () => own.killNow());
  return new URL(own.url);
}

/** `server` (an admin URL) with `database` instead, and with the loopback `port` of a proxy if given. */
function databaseUrl(server: URL, database: string, port?: number): string {
  const url = new URL(server);
  url.pathname = `/${database}`;
  if (port !== undefined) {
    url.hostname = '127.0.0.1';
    url.port = String(port);
  }
  return url.href;
}

/** Runs one statement on the admin URL's database. */
async function admin(sql: string): Promise<void> {
  const url = await adminUrl();
  const client = new Client({ connectionString: url.href, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${url.host} as user ${url.username} (${String(error)}). ` +
        'Unset TEST_DATABASE_URL to let the tests start a throwaway server of their own.',
      { cause: error },
    );
  }
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates `chatflow_test_<random>`; `drop()` removes it even while connections to it are open. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `chatflow_test_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  return {
    name,
    url: databaseUrl(await adminUrl(), name),
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** A client on the test database, for looking at what the store wrote, as an operator with psql would. */
export async function withClient<T>(url: string, body: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

/**
 * A TCP proxy in front of PostgreSQL, to play the database's failures as the application sees them:
 * - `sever()`: every connection through it is destroyed and new ones are refused at once (a crash or
 *   restart of the database);
 * - `silence()`: connections stay open but nothing passes any more, and new ones get no answer (a
 *   network partition, a host that vanished);
 * - `restore()`: drops whatever was silenced and lets new connections through again.
 */
export class SeverableProxy {
  readonly #server: Server;
  readonly #upstream: URL;
  readonly #sockets = new Set<Socket>();
  #mode: 'open' | 'severed' | 'silent' = 'open';

  private constructor(server: Server, upstream: URL) {
    this.#server = server;
    this.#upstream = upstream;
  }

  /** A proxy to the tests' server (see `adminUrl`). */
  static async start(): Promise<SeverableProxy> {
    const server = createServer();
    const proxy = new SeverableProxy(server, await adminUrl());
    server.on('connection', (socket) => proxy.#accept(socket));
    server.on('error', () => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  url(database: string): string {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy is not listening');
    return databaseUrl(this.#upstream, database, address.port);
  }

  sever(): void {
    this.#mode = 'severed';
    this.#destroyAll();
  }

  silence(): void {
    this.#mode = 'silent';
    for (const socket of this.#sockets) {
      socket.unpipe();
      socket.pause();
    }
  }

  restore(): void {
    if (this.#mode === 'silent') this.#destroyAll();
    this.#mode = 'open';
  }

  async close(): Promise<void> {
    this.sever();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #destroyAll(): void {
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  #track(socket: Socket): void {
    socket.on('error', () => {});
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
  }

  #accept(client: Socket): void {
    this.#track(client);
    if (this.#mode === 'severed') {
      client.destroy();
      return;
    }
    if (this.#mode === 'silent') {
      client.pause();
      return;
    }
    const host = this.#upstream.hostname.replace(/^\[(.*)\]$/, '$1');
    const upstream = tcpConnect(Number(this.#upstream.port || 5432), host);
    this.#track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }
}
