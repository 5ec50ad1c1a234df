/** Forks the bench's servers (Chatflow, echo, fake LLM) and talks to them over IPC. */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { ReadyMessage, ServerStats, StatsRequest } from './child-protocol.ts';

/** How long a child may take to start (Chatflow trains the default flow's classifier first). */
const START_TIMEOUT_MS = 30_000;

export interface Child {
  readonly url: string;
  readonly adminToken: string | undefined;
  readonly pid: number;
  stats(request?: Omit<StatsRequest, 'type'>): Promise<ServerStats>;
  stop(): Promise<void>;
}

export type ChildScript = 'chatflow-server' | 'echo-server' | 'durable-echo-server' | 'fake-llm';

export async function startChild(script: ChildScript, env: Record<string, string> = {}): Promise<Child> {
  const child: ChildProcess = fork(fileURLToPath(new URL(`./${script}.ts`, import.meta.url)), [], {
    env: { PATH: process.env.PATH ?? '', ...env },
    // BENCH_CPU_PROF_DIR: profile Chatflow (`--cpu-prof`); the profile is written when it exits.
    execArgv: [
      '--expose-gc',
      ...(script === 'chatflow-server' && process.env.BENCH_CPU_PROF_DIR
        ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF_DIR]
        : []),
    ],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  child.on('error', () => {});
  const ready = await new Promise<ReadyMessage>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start`)), START_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
    child.once('message', (message: ReadyMessage) => {
      clearTimeout(timer);
      resolve(message);
    });
  });
  return {
    url: ready.url,
    adminToken: ready.adminToken,
    pid: child.pid ?? 0,
    async stats(request = {}) {
      child.send({ type: 'stats', ...request } satisfies StatsRequest);
      const [message] = (await once(child, 'message')) as [ServerStats];
      return message;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
