/**
 * `npm run bench:soak`: does memory come back after many connections? Runs the real server as a child
 * process on 127.0.0.1 (SQLite in a temporary directory, the built-in example flow), then, ROUNDS times,
 * opens CONNECTIONS real `ws` clients (each starts a conversation and waits for its `waiting` frame),
 * closes them all, waits until the server holds no socket and no conversation, and reads the server's
 * memory after a full GC. Passes when RSS after the last round is at most RSS after round 2 + 10%:
 * the first rounds grow the allocator's pools, later rounds must reuse them.
 *
 *   npm run bench:soak                                  # 10 rounds of 5,000 connections
 *   npm run bench:soak -- --rounds 4 --connections 1000 # a quicker run
 *   npm run bench:soak -- --baseline                    # the same rounds against a bare `ws` server
 *   MALLOC_ARENA_MAX=2 npm run bench:soak               # passed to the server (glibc malloc arenas),
 *   NODE_OPTIONS=--max-semi-space-size=16 npm run bench:soak   # and so is NODE_OPTIONS
 *
 * Prints one Markdown row per round on stdout; exits 1 if RSS kept growing, 2 on an error or timeout.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectClients, type LoadClient, type Protocol } from './load/generator.ts';
import type { SoakMemory, SoakReady } from './soak-memory.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '5000' },
    baseline: { type: 'boolean', default: false },
  },
});
const ROUNDS = Math.min(Math.max(Number(values.rounds), 3), 50);
const CONNECTIONS = Math.min(Math.max(Number(values.connections), 1), 15_000);
/** RSS after the last round may exceed RSS after round 2 by this much. */
const TOLERANCE = 0.1;
/** The whole run, server start included, is bounded: a hang fails instead of running forever. */
const RUN_TIMEOUT_MS = 20 * 60_000;
/** How long the server may take to let go of the closed sockets and their conversations. */
const SETTLE_TIMEOUT_MS = 30_000;

/** A client is ready once the flow's first `waiting` frame arrived: its conversation exists and is stored. */
const chatProtocol: Protocol = {
  readyOnOpen: false,
  isReady: (frame) => frame.includes('"type":"waiting"'),
  isReply: () => false,
  isError: () => false,
  message: () => '',
};

const MiB = 1024 * 1024;
const mib = (bytes: number) => (bytes / MiB).toFixed(1);

async function startServerChild(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const script = values.baseline ? './soak-baseline-server.ts' : './soak-server.ts';
  const child = fork(new URL(script, import.meta.url), [], {
    env: {
      PATH: process.env.PATH ?? '',
      ...(process.env.MALLOC_ARENA_MAX ? { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX } : {}),
      ...(process.env.NODE_OPTIONS ? { NODE_OPTIONS: process.env.NODE_OPTIONS } : {}),
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      ADMIN_TOKEN: 'soak-admin-token-0123456789-abcdefghij',
      LOG_LEVEL: 'warn',
      WS_RATE_PER_SEC: '0',
      // Every client runs on 127.0.0.1: one address, so no per-address limit either.
      WS_MAX_CONNECTIONS_PER_ADDRESS: '0',
      WS_HANDSHAKES_PER_MINUTE: '0',
      WS_ADDRESS_RATE_PER_SEC: '0',
      // The sockets are held without a message for as long as the soak runs.
      WS_IDLE_TIMEOUT_MS: '0',
      WS_MAX_CONNECTIONS: String(CONNECTIONS + 100),
    },
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [SoakReady];
  return { child, url: ready.url };
}

async function memoryOf(child: ChildProcess): Promise<SoakMemory> {
  child.send({ type: 'memory' });
  const [reply] = (await once(child, 'message')) as [SoakMemory];
  return reply;
}

/** Polls until the server holds no socket and no conversation (bounded). */
async function settled(child: ChildProcess): Promise<SoakMemory> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const memory = await memoryOf(child);
    if (memory.connections === 0 && memory.liveConversations === 0) return memory;
    if (Date.now() > deadline) {
      throw new Error(
        `the server still holds ${memory.connections} sockets and ${memory.liveConversations} conversations`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function closeAll(clients: LoadClient[]): Promise<void> {
  await Promise.all(
    clients.map((client) => {
      const closed = once(client.socket, 'close');
      client.socket.close();
      return closed;
    }),
  );
}

function row(label: string, memory: SoakMemory, seconds: string): string {
  return `| ${label} | ${mib(memory.rss)} | ${mib(memory.heapUsed)} | ${mib(memory.heapTotal)} | ${mib(memory.newSpace)} | ${mib(memory.external)} | ${mib(memory.arrayBuffers)} | ${seconds} |`;
}

async function soak(url: string, child: ChildProcess): Promise<number[]> {
  const wsUrl = `${url.replace(/^http/, 'ws')}/ws`;
  console.log(
    `${ROUNDS} rounds of ${CONNECTIONS} connections opened and closed; server memory after a full GC (MiB)`,
  );
  console.log(
    `server: ${values.baseline ? 'bare ws (baseline)' : 'Chatflow'}; ` +
      `MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? '(unset)'}; NODE_OPTIONS=${process.env.NODE_OPTIONS ?? '(unset)'}\n`,
  );
  console.log(
    '| round | RSS | heap used | heap total | of which young generation | external | arrayBuffers | round time (s) |',
  );
  console.log(
    '| ----- | --- | --------- | ---------- | ------------------------ | -------- | ------------ | -------------- |',
  );
  console.log(row('start', await memoryOf(child), '—'));
  const rss: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const started = performance.now();
    const clients = await connectClients(wsUrl, CONNECTIONS, chatProtocol);
    await closeAll(clients);
    const memory = await settled(child);
    rss.push(memory.rss);
    console.log(row(String(round), memory, ((performance.now() - started) / 1000).toFixed(1)));
  }
  return rss;
}

const dataDir = await mkdtemp(join(tmpdir(), 'chatflow-soak-'));
const { child, url } = await startServerChild(dataDir);
const timeout = setTimeout(() => {
  console.error(`soak: no result after ${RUN_TIMEOUT_MS / 60_000} minutes`);
  child.kill('SIGKILL');
  process.exit(2);
}, RUN_TIMEOUT_MS);
try {
  const rss = await soak(url, child);
  const second = rss[1] as number;
  const last = rss[rss.length - 1] as number;
  const limit = second * (1 + TOLERANCE);
  const bounded = last <= limit;
  console.log(
    `\nRSS after round ${ROUNDS}: ${mib(last)} MiB; after round 2: ${mib(second)} MiB; ` +
      `limit ${mib(limit)} MiB (+${TOLERANCE * 100}%): ${bounded ? 'bounded' : 'STILL GROWING'}`,
  );
  process.exitCode = bounded ? 0 : 1;
} catch (err) {
  console.error(`soak: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
} finally {
  clearTimeout(timeout);
  child.disconnect();
  await once(child, 'exit');
  await rm(dataDir, { recursive: true, force: true });
}
