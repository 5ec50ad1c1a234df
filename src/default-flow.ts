/**
 * The built-in example flow, installed as version 1 when the store holds no flow, so a fresh
 * `npm start` can chat at once (README, Quick start).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const DEFAULT_FLOW_PATH = fileURLToPath(new URL('../examples/travel.json', import.meta.url));

/** The default flow's text, or null when the file is missing (the server then starts without a flow). */
export async function readDefaultFlow(path: string = DEFAULT_FLOW_PATH): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
