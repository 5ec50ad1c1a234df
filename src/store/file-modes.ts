/**
 * File modes of what the server keeps on disk: the data directory is 0700 and every file in it 0600
 * (the SQLite database with its -wal and -shm files, the generated admin token), so other local users
 * can read neither conversations nor secrets. Files are created so; what an older release left looser
 * is tightened at startup.
 */
import { chmod, mkdir, open, stat } from 'node:fs/promises';

export const DATA_DIR_MODE = 0o700;
export const DATA_FILE_MODE = 0o600;

/**
 * Creates `dir` (mode 0700) if missing. An existing directory open to group or others is tightened to
 * 0700; when that is not allowed (another owner), the returned warning says so and nothing else changes.
 */
export async function secureDataDir(dir: string): Promise<{ warning?: string }> {
  await mkdir(dir, { recursive: true, mode: DATA_DIR_MODE });
  const mode = (await stat(dir)).mode & 0o777;
  if ((mode & 0o077) === 0) return {};
  try {
    await chmod(dir, mode & 0o700);
    return {};
  } catch (error) {
    return {
      warning: `DATA_DIR ${dir} is mode ${mode.toString(8)} (readable by other users) and could not be made 0700: ${String(error)}`,
    };
  }
}

/** Makes `path` exist with mode 0600 (SQLite gives its -wal and -shm files the mode of the database file). */
export async function secureFile(path: string, options: { create: boolean }): Promise<void> {
  if (options.create) await (await open(path, 'a', DATA_FILE_MODE)).close();
  try {
    await chmod(path, DATA_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || options.create) throw error;
  }
}
