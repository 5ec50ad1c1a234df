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
 * A TCP proxy in front of PostgreSQL. `sever()` destroys every connection through it and refuses new
 * ones at once (a crash or restart of the database, as the application sees it); `restore()` lets
 * connections through again.
 */
export class SeverableProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #severed = false;

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

  get port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy is not listening');
    return address.port;
  }

  url(database: string): string {
    return postgresUrl(database, this.port);
  }

  get openConnections(): number {
    return this.#sockets.size / 2;
  }

  sever(): void {
    this.#severed = true;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  restore(): void {
    this.#severed = false;
  }

  async close(): Promise<void> {
    this.sever();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    client.on('error', () => {});
    if (this.#severed) {
      client.destroy();
      return;
    }
    const upstream = tcpConnect(POSTGRES_PORT, POSTGRES_HOST);
    upstream.on('error', () => {});
    for (const [socket, peer] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.#sockets.add(socket);
      socket.pipe(peer);
      socket.on('close', () => {
        this.#sockets.delete(socket);
        peer.destroy();
      });
    }
  }
}
