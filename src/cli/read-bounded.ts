/** Reading a file the user named, never more than a limit: a huge file is refused, not loaded. */
import { open } from 'node:fs/promises';

/** An error the user can fix: printed as `chatflow: <message>`, exit 2. */
export class UsageProblem extends Error {}

/** The file is larger than the command reads; `size` is unknown when it grew while being read. */
export class FileTooLarge extends UsageProblem {
  readonly size: number | undefined;
  readonly maxBytes: number;

  constructor(path: string, size: number | undefined, maxBytes: number) {
    super(`${path} is too large: ${FileTooLarge.describe(size, maxBytes)}`);
    this.size = size;
    this.maxBytes = maxBytes;
  }

  static describe(size: number | undefined, maxBytes: number): string {
    return size === undefined ? `more than ${maxBytes} bytes` : `${size} bytes, at most ${maxBytes}`;
  }
}

export async function readBounded(path: string, maxBytes: number): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new UsageProblem(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'EIO'})`);
  }
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new FileTooLarge(path, size, maxBytes);
    // One byte more than allowed: a file that grew since stat is still caught.
    const buffer = Buffer.alloc(maxBytes + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > maxBytes) throw new FileTooLarge(path, undefined, maxBytes);
    return buffer.toString('utf8', 0, bytesRead);
  } catch (err) {
    if (err instanceof UsageProblem) throw err;
    throw new UsageProblem(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'EIO'})`);
  } finally {
    await handle.close();
  }
}
