/**
 * The admin token: ADMIN_TOKEN when set; otherwise one generated at first start and kept in
 * DATA_DIR/admin-token (mode 0600), so restarts keep it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const ADMIN_TOKEN_FILE = 'admin-token';
const TOKEN_BYTES = 32;

export type AdminTokenSource = 'environment' | 'generated' | 'file';

export interface ResolvedAdminToken {
  token: string;
  source: AdminTokenSource;
  /** The file holding it (undefined when it comes from the environment). */
  path: string | undefined;
}

/** The token kept in `path`; null when there is no such file. */
export async function readAdminTokenFile(path: string): Promise<string | null> {
  try {
    const token = (await readFile(path, 'utf8')).trim();
    if (!/^[\x21-\x7e]+$/.test(token)) {
      throw new Error(`${path} does not hold a token; delete it to generate a new one`);
    }
    return token;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export async function resolveAdminToken(options: {
  configured: string | undefined;
  dataDir: string;
}): Promise<ResolvedAdminToken> {
  if (options.configured) return { token: options.configured, source: 'environment', path: undefined };
  const path = join(options.dataDir, ADMIN_TOKEN_FILE);
  const existing = await readAdminTokenFile(path);
  if (existing !== null) return { token: existing, source: 'file', path };

  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  try {
    // 'wx': never overwrite a token another process wrote meanwhile.
    await writeFile(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const raced = await readAdminTokenFile(path);
    if (raced !== null) return { token: raced, source: 'file', path };
    throw err;
  }
  return { token, source: 'generated', path };
}
