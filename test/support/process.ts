/** Runs `node src/main.ts` (or another entry, e.g. bin/start.js) as a real child process and reads its JSON log lines. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  /** Parsed JSON log lines so far (stdout). */
  logs: Record<string, unknown>[];
  stderr: () => string;
  /** Resolves with the first log line matching, or rejects after 10 s / on exit. */
  waitForLog(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnServerOptions {
  /** What to run; defaults to this Node on src/main.ts. */
  command?: [string, ...string[]];
  cwd?: string;
  /** Its own process group, so that `process.kill(-child.pid)` also reaches what it started. */
  detached?: boolean;
}

export function spawnServer(env: Record<string, string>, options: SpawnServerOptions = {}): ServerProcess {
  const [file, ...args] = options.command ?? [process.execPath, MAIN];
  const child = spawn(file, args, {
    // Only what the test gives, plus PATH: no variable of the developer's shell leaks into the config.
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.detached ? { detached: true } : {}),
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let pending = '';
  const waiters = new Set<() => void>();
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) logs.push(JSON.parse(line));
    for (const wake of waiters) wake();
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // 'close', not 'exit': it fires once stdout and stderr are fully read.
    child.on('close', (code, signal) => {
      resolve({ code, signal });
      for (const wake of waiters) wake();
    });
  });
  child.on('error', () => {});

  function waitForLog(match: (line: Record<string, unknown>) => boolean) {
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new Error(`timed out; logs: ${JSON.stringify(logs)} ${stderr}`)),
        // Generous: on a loaded 2-core machine, two servers starting at once took over 10 s.
        30_000,
      );
      const check = () => {
        const found = logs.find(match);
        if (found) finish(null, found);
        else if (child.exitCode !== null) finish(new Error(`exited ${child.exitCode}: ${stderr}`));
      };
      const finish = (err: Error | null, found?: Record<string, unknown>) => {
        clearTimeout(timer);
        waiters.delete(check);
        if (err) reject(err);
        else resolve(found as Record<string, unknown>);
      };
      waiters.add(check);
      check();
    });
  }

  return { child, logs, stderr: () => stderr, waitForLog, exited };
}
