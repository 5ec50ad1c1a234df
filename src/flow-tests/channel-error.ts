/**
 * What goes wrong between a test run and a running server: unreachable, refused, timed out, closed.
 * Its message is written for the person running the tests, and never holds the admin token.
 */
export class ChannelError extends Error {
  override name = 'ChannelError';
}

/** The network's word for a failure (ECONNREFUSED, ENOTFOUND, a TLS code), else the error's message. */
export function networkReason(err: unknown): string {
  const error = err as { code?: unknown; cause?: { code?: unknown }; message?: unknown };
  const code = error.cause?.code ?? error.code;
  if (typeof code === 'string') return code;
  return typeof error.message === 'string' ? error.message : String(err);
}
