/**
 * `chatflow token`: prints the generated admin token kept in DATA_DIR/admin-token. The server prints a
 * generated token only to a terminal; a log that others may read names the file and this command instead.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CONFIG_DEFAULTS } from '../config.ts';
import { ADMIN_TOKEN_FILE, readAdminTokenFile } from '../http/admin-token.ts';
import { EXIT } from './validate.ts';

type Out = { stdout: (text: string) => void; stderr: (text: string) => void };

export async function tokenCommand(
  args: string[],
  out: Out,
  usage: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { 'data-dir': { type: 'string' }, help: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (values.help) {
    out.stdout(usage);
    return EXIT.valid;
  }
  if (positionals.length > 0) {
    out.stderr(`chatflow: token takes no arguments\n\n${usage}`);
    return EXIT.usage;
  }
  const dataDir = values['data-dir'] ?? (env.DATA_DIR?.trim() || CONFIG_DEFAULTS.DATA_DIR);
  const path = join(dataDir, ADMIN_TOKEN_FILE);
  let token: string | null;
  try {
    token = await readAdminTokenFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    out.stderr(`chatflow: cannot read ${path}: ${code ?? (err as Error).message}\n`);
    return EXIT.usage;
  }
  if (token === null) {
    const configured = env.ADMIN_TOKEN?.trim()
      ? ' ADMIN_TOKEN is set in this environment: a server started with it uses that token.'
      : '';
    out.stderr(
      `chatflow: no admin token at ${path}: the server has not started with this DATA_DIR yet, ` +
        `or it runs with ADMIN_TOKEN set (then no token is generated).${configured}\n`,
    );
    return EXIT.invalid;
  }
  out.stdout(`${token}\n`);
  return EXIT.valid;
}
