/**
 * The real PostgreSQL of the test machine (127.0.0.1:5432, user postgres, trust auth): each test run
 * gets a database of its own, dropped at the end, and a TCP proxy to it that a test can sever.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { Client } from 'pg';

export const POSTGRES_HOST = '127.0.0.1';
export const POSTGRES_PORT = 5432;
const ADMIN_URL = `postgres://postgres@${POSTGRES_HOST}:${POSTGRES_PORT}/postgres`;

export function postgresUrl(database: string, port = POSTGRES_PORT): string {
  return `postgres://postgres@${POSTGRES_HOST}:${port}/${database}`;
}

/** Runs one statement on the `postgres` maintenance database. */
async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${POSTGRES_HOST}:${POSTGRES_PORT} as user postgres (${String(error)}). ` +
        'These tests need it running; start it with: ' +
        'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
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
    url: postgresUrl(name),
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
  readonly #sockets = new Set<Socket>();
  #mode: 'open' | 'severed' | 'silent' = 'open';

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<SeverableProxy> {
    const server = createServer();
    const proxy = new SeverableProxy(server);
    server.on('connection', (socket) => proxy.#accept(socket));
    server.on('error', () => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  url(database: string): string {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy is not listening');
    return postgresUrl(database, address.port);
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
    const upstream = tcpConnect(POSTGRES_PORT, POSTGRES_HOST);
    this.#track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }
}
