/**
 * A PostgreSQL of the fault runner's own, which it may stop and start: a fresh cluster (initdb) in a
 * temporary directory, on a free loopback port, run with the system's binaries
 * (/usr/lib/postgresql/<version>/bin) as the `postgres` OS user when the runner is root. The shared
 * server on 5432 is never touched. `destroy()` stops it and removes the directory.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from '../../test/support/embedded-postgres.ts';

const run = promisify(execFile);

/** `database` on the scratch server at `port` (user postgres, trust authentication). */
const postgresUrl = (database: string, port: number) => `postgres://postgres@127.0.0.1:${port}/${database}`;
const COMMAND_TIMEOUT_MS = 60_000;

async function binaries(): Promise<string> {
  const root = '/usr/lib/postgresql';
  const versions = (await readdir(root).catch(() => [])).sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error(`no PostgreSQL binaries under ${root}`);
  return join(root, versions[0] as string, 'bin');
}

/** PostgreSQL refuses to run as root: as root, run its tools as the `postgres` user. */
const asPostgres = (command: string, args: string[]): [string, string[]] =>
  process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];

export class ScratchPostgres {
  readonly port: number;
  readonly #dir: string;
  readonly #bin: string;
  #running = false;

  private constructor(dir: string, bin: string, port: number) {
    this.#dir = dir;
    this.#bin = bin;
    this.port = port;
  }

  static async create(): Promise<ScratchPostgres> {
    const dir = await mkdtemp(join(tmpdir(), 'chatflow-faults-pg-'));
    if (process.getuid?.() === 0) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const uid = Number(stdout.trim());
      await chown(dir, uid, uid);
    }
    const postgres = new ScratchPostgres(dir, await binaries(), await freePort());
    await postgres.#tool('initdb', [
      '-D',
      postgres.#data,
      '-A',
      'trust',
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    await postgres.start();
    return postgres;
  }

  get #data(): string {
    return join(this.#dir, 'data');
  }

  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.#dir} -c listen_addresses=127.0.0.1 -c max_connections=200`;
    await this.#tool('pg_ctl', [
      '-D',
      this.#data,
      '-l',
      join(this.#dir, 'log'),
      '-o',
      options,
      '-w',
      'start',
    ]);
    this.#running = true;
  }

  /** Starts it again if a scenario stopped it and did not get to start it (it ran out of time). */
  async ensureRunning(): Promise<void> {
    if (!this.#running) await this.start();
  }

  /** A fast shutdown: sessions are terminated, in-flight transactions rolled back. */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#tool('pg_ctl', ['-D', this.#data, '-m', 'fast', '-w', 'stop']);
  }

  /** Creates a fresh database and returns its URL. */
  async createDatabase(prefix: string): Promise<string> {
    const name = `${prefix}_${randomBytes(4).toString('hex')}`;
    const client = new Client({ connectionString: postgresUrl('postgres', this.port) });
    client.on('error', () => {});
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
    return postgresUrl(name, this.port);
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => {});
    await rm(this.#dir, { recursive: true, force: true });
  }

  async #tool(name: string, args: string[]): Promise<void> {
    const [command, argv] = asPostgres(join(this.#bin, name), args);
    await run(command, argv, { timeout: COMMAND_TIMEOUT_MS });
  }
}
