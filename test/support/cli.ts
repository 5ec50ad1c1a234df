/** The real `chatflow` command, spawned as users run it: `node bin/chatflow.ts …`. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/run.ts';

export const BIN = fileURLToPath(new URL('../../bin/chatflow.ts', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the command with PATH and `env` only: no variable of the developer's shell leaks in. */
export function runChatflow(
  args: readonly string[],
  env: Record<string, string> = {},
  options: { timeoutMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      // timeoutMs: a command expected to exit at once (e.g. a refused `serve`) is killed (SIGKILL) if it does not.
      {
        env: { PATH: process.env.PATH ?? '', ...env },
        timeout: options.timeoutMs ?? 0,
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

/**
 * The command's own entry (`runCli`, what bin/chatflow.ts calls) in this process, its output captured:
 * for the many cases that need no process of their own (a spawned Node costs about a second). Each
 * command keeps at least one spawned test for the process wiring (exit code, streams).
 */
export async function runChatflowInProcess(args: readonly string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli([...args], {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}
