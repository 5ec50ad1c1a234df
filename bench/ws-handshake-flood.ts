/**
 * One client address floods WebSocket handshakes (and holds every socket it gets) while a second client,
 * another address, connects every 200 ms: how long does the second one wait, and is it let in?
 * Several addresses are simulated from 127.0.0.1 with TRUST_PROXY=1 and a forged X-Forwarded-For.
 *
 *   ./node_modules/.bin/node bench/ws-handshake-flood.ts [--repo DIR] [--seconds 10] [--flooders 200]
 *
 * `--repo` runs the server of another checkout (e.g. `git archive <rev> | tar -x -C /tmp/old` with a
 * node_modules symlink) for a before/after comparison. The server and the flood each run in a child
 * process of their own, so the probe's timings are not slowed by either's event loop.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';

const FLOOD_ADDRESS = '203.0.113.66';
const PROBE_EVERY_MS = 200;

const { values } = parseArgs({
  options: {
    repo: { type: 'string', default: resolve(import.meta.dirname, '..') },
    seconds: { type: 'string', default: '10' },
    flooders: { type: 'string', default: '200' },
    role: { type: 'string', default: 'main' },
    url: { type: 'string', default: '' },
  },
});

type Outcome = { status: number; ms: number };

/** One handshake: 101 (and the socket, left open) or the refusal's HTTP status; `ms` until the answer. */
function connect(url: string, address: string): Promise<Outcome & { socket?: WebSocket }> {
  const started = performance.now();
  return new Promise((done) => {
    const socket = new WebSocket(url, { headers: { 'X-Forwarded-For': address } });
    const finish = (status: number, open?: WebSocket) =>
      done({ status, ms: performance.now() - started, ...(open ? { socket: open } : {}) });
    socket.once('open', () => finish(101, socket));
    socket.once('unexpected-response', (_req, res) => {
      res.resume();
      finish(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('error', () => finish(0));
  });
}

/** The flood (a child process): `flooders` loops, each opening sockets as fast as it is answered, holding them. */
async function flood(url: string, loops: number): Promise<void> {
  const counts = new Map<number, number>();
  const held: WebSocket[] = [];
  let stop = false;
  process.on('message', () => {
    stop = true;
  });
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (!stop) {
        const { status, socket } = await connect(url, FLOOD_ADDRESS);
        counts.set(status, (counts.get(status) ?? 0) + 1);
        if (socket) {
          socket.on('error', () => {});
          held.push(socket);
        }
      }
    }),
  );
  const report = {
    counts: Object.fromEntries(counts),
    held: held.filter((s) => s.readyState === s.OPEN).length,
  };
  for (const socket of held) socket.terminate();
  process.send?.(report, () => process.disconnect?.());
}

async function startServer(repo: string, dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(repo, 'bin/chatflow.ts'), 'serve'], {
    cwd: repo,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      ADMIN_TOKEN: 'bench-admin-token-0123456789-0123456789',
      LOG_LEVEL: 'info',
      TRUST_PROXY: '1',
      INTENT_PROVIDER: 'local',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
    const url = /Chatflow listening on (\S+?)"/.exec(line)?.[1];
    if (url) {
      child.stdout?.resume();
      return { child, url: `${url.replace(/^http/, 'ws')}/ws` };
    }
  }
  throw new Error('the server exited before listening');
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number);

async function main(): Promise<void> {
  const seconds = Number(values.seconds);
  const dataDir = await mkdtemp(join(tmpdir(), 'chatflow-flood-'));
  const { child: server, url } = await startServer(values.repo, dataDir);
  try {
    const flooder = fork(import.meta.filename, [
      '--role',
      'flood',
      '--url',
      url,
      '--flooders',
      values.flooders,
    ]);
    const probes: (Outcome & { at: number })[] = [];
    const begin = performance.now();
    const deadline = begin + seconds * 1000;
    for (let i = 0; performance.now() < deadline; i++) {
      const next = performance.now() + PROBE_EVERY_MS;
      const outcome = await connect(url, `198.51.100.${(i % 250) + 1}`);
      outcome.socket?.close();
      probes.push({ status: outcome.status, ms: outcome.ms, at: (performance.now() - begin) / 1000 });
      await new Promise((done) => setTimeout(done, Math.max(0, next - performance.now())));
    }
    flooder.send('stop');
    const [report] = (await once(flooder, 'message')) as [{ counts: Record<string, number>; held: number }];
    const accepted = probes.filter((p) => p.status === 101).map((p) => p.ms);
    accepted.sort((a, b) => a - b);
    const statuses: Record<number, number> = {};
    for (const p of probes) statuses[p.status] = (statuses[p.status] ?? 0) + 1;
    console.log(
      JSON.stringify(
        {
          repo: values.repo,
          seconds,
          flood: {
            address: FLOOD_ADDRESS,
            loops: Number(values.flooders),
            answers: report.counts,
            held: report.held,
          },
          probe: {
            attempts: probes.length,
            statuses,
            acceptedMs: {
              p50: Math.round(percentile(accepted, 0.5)),
              p95: Math.round(percentile(accepted, 0.95)),
              max: Math.round(accepted.at(-1) ?? Number.NaN),
            },
            firstRefusedAfterS: probes.find((p) => p.status !== 101)?.at.toFixed(1) ?? null,
          },
        },
        null,
        2,
      ),
    );
  } finally {
    server.kill('SIGTERM');
    await once(server, 'exit');
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (values.role === 'flood') await flood(values.url, Number(values.flooders));
else await main();
