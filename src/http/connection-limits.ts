/**
 * How long a client may take to send a request, and how many connections a listener keeps open.
 * Node's defaults (60 s for the headers, 300 s for a request, no connection cap) let a few slow
 * clients hold sockets and memory for minutes; these come from HTTP_HEADERS_TIMEOUT_MS,
 * HTTP_REQUEST_TIMEOUT_MS and HTTP_MAX_CONNECTIONS. Node answers an expired request 408 and closes it;
 * a connection above the cap is closed before a byte is read.
 */
import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import type { HttpLimits } from '../config.ts';

/** At most one warning per this many ms about dropped connections, however many there are. */
const DROP_WARNING_INTERVAL_MS = 60_000;

export function applyHttpLimits(http: HttpServer, limits: HttpLimits, logger: Logger): void {
  http.headersTimeout = limits.headersTimeoutMs;
  http.requestTimeout = limits.requestTimeoutMs;
  http.maxConnections = limits.maxConnections;
  // Node checks the timeouts on this interval (30 s by default, read when the server starts listening):
  // a fraction of the headers timeout, so a slow client is closed close to its deadline.
  (http as HttpServer & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(
    1_000,
    Math.max(10, Math.floor(limits.headersTimeoutMs / 4)),
  );
  let dropped = 0;
  let lastWarning = Number.NEGATIVE_INFINITY;
  http.on('drop', () => {
    dropped++;
    const now = performance.now();
    if (now - lastWarning < DROP_WARNING_INTERVAL_MS) return;
    lastWarning = now;
    logger.warn(
      { dropped, maxConnections: limits.maxConnections },
      'HTTP_MAX_CONNECTIONS reached: new connections are closed at once',
    );
    dropped = 0;
  });
}
