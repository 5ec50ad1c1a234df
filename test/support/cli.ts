/** The real `chatflow` command, spawned as users run it: `node bin/chatflow.ts …`. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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
