/**
 * What every fault scenario shares: the real Chatflow process (`node src/main.ts`, started through the
 * test helper), the admin API client, and a verdict shape. Every started process is registered, so the
 * runner can kill whatever a scenario that ran out of time left behind.
 */
import { type ServerProcess, spawnServer } from '../../test/support/process.ts';
import { ApiClient, TEST_TOKEN } from '../../test/support/server.ts';

export interface ScenarioResult {
  scenario: string;
  acknowledged: number;
  stored: number;
  lost: number;
  pass: boolean;
  detail: string;
}

export interface Instance {
  readonly url: string;
  readonly api: ApiClient;
  readonly process: ServerProcess;
  /** Sends `signal` and resolves once the process has exited (SIGKILL after `graceMs` if it hangs). */
  signal(signal: NodeJS.Signals, graceMs?: number): Promise<{ code: number | null; signal: string | null }>;
  /** SIGTERM, bounded: the usual way to stop a server once a scenario is done with it. */
  stop(): Promise<void>;
}

const running = new Set<Instance>();

/** Settings every scenario wants: loopback, a fixed admin token, no per-socket or per-address limit. */
const BASE_ENV = {
  PORT: '0',
  HOST: '127.0.0.1',
  ADMIN_TOKEN: TEST_TOKEN,
  LOG_LEVEL: 'info',
  WS_RATE_PER_SEC: '0',
  // Every client runs on 127.0.0.1: one address, so no per-address limit either.
  WS_MAX_CONNECTIONS_PER_ADDRESS: '0',
  WS_HANDSHAKES_PER_MINUTE: '0',
  WS_ADDRESS_RATE_PER_SEC: '0',
  INTENT_PROVIDER: 'local',
};

const listening = (line: Record<string, unknown>) => String(line.msg).startsWith('Chatflow listening on');

/** A busy machine may start a server in more than the helper's 10 s: wait up to three times as long. */
const START_ATTEMPTS = 3;

/** The first log line matching; kills the process if it exits or never logs it. */
export async function waitForLog(
  process: ServerProcess,
  match: (line: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await process.waitForLog(match);
    } catch (error) {
      if (attempt >= START_ATTEMPTS || process.child.exitCode !== null) {
        process.child.kill('SIGKILL');
        throw error;
      }
    }
  }
}

/** Starts `node src/main.ts` with `env` (DATA_DIR at least) and waits for its "listening" log line. */
export async function startChatflow(env: Record<string, string>): Promise<Instance> {
  const process = spawnServer({ ...BASE_ENV, ...env });
  const url = String((await waitForLog(process, listening)).url);
  const instance: Instance = {
    url,
    api: new ApiClient(url, TEST_TOKEN),
    process,
    async signal(signal, graceMs = 20_000) {
      const { child } = process;
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const exit = await process.exited;
      clearTimeout(timer);
      running.delete(instance);
      return exit;
    },
    async stop() {
      await instance.signal('SIGTERM');
    },
  };
  running.add(instance);
  return instance;
}

/** Kills every server still running (a scenario that timed out, or the runner exiting). */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((instance) => instance.signal('SIGKILL')));
}

export async function uploadFlow(instance: Instance, flow: string): Promise<void> {
  const response = await instance.api.put('/api/flow', flow);
  if (response.status !== 201) throw new Error(`flow upload refused: ${response.status} ${response.text}`);
}

/** Resolves after `ms`: the length of an observation window or a load phase, never a synchronisation. */
export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 10 ms until it holds or `timeoutMs` passed; returns whether it held. */
export async function pollUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline) return false;
    await pause(10);
  }
  return true;
}
