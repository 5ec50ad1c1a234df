/** Every bound of the PostgreSQL store, declared in one place. Tests may shorten them through options. */
export interface PostgresLimits {
  /** Connections per instance. A turn holds one for a few round trips; N instances use N × this. */
  maxConnections: number;
  /** How long getting a new connection may take before the operation fails (database down or unreachable). */
  connectionTimeoutMs: number;
  /** An unused pooled connection is closed after this long. */
  idleTimeoutMs: number;
  /** Server side: PostgreSQL cancels any statement running longer (also bounds waits on a row lock). */
  statementTimeoutMs: number;
  /** Server side, for the migration run only: a migration (or the wait for another instance's) may take long. */
  migrationStatementTimeoutMs: number;
  /** Client side: a query with no answer after this long fails, for a server or network that went silent. */
  queryTimeoutMs: number;
  /** Server side: a transaction left open and idle this long is ended, releasing its locks. */
  idleInTransactionTimeoutMs: number;
  /** TCP keepalive starts probing a silent connection after this long (a peer that vanished without closing). */
  tcpKeepAliveDelayMs: number;
  /** `ping()` fails after this long, whatever the pool is doing. */
  pingTimeoutMs: number;
  /** Largest page `listConversations` serves; the HTTP layer allows fewer (contract: 1–200). */
  maxPageSize: number;
  /** Backoff of the LISTEN connection's reconnection: first delay, then doubling up to the maximum. */
  listenReconnectMinMs: number;
  listenReconnectMaxMs: number;
  /**
   * The LISTEN connection only receives, so a dead one would stay unnoticed: every this often it runs
   * SELECT 1, and a failure (or no answer within pingTimeoutMs) makes it reconnect.
   */
  listenHeartbeatMs: number;
  /** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more (default build). */
  maxNotifyPayloadBytes: number;
}

export const POSTGRES_LIMITS: Readonly<PostgresLimits> = {
  maxConnections: 10,
  connectionTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
  statementTimeoutMs: 10_000,
  migrationStatementTimeoutMs: 300_000,
  queryTimeoutMs: 15_000,
  idleInTransactionTimeoutMs: 30_000,
  tcpKeepAliveDelayMs: 10_000,
  pingTimeoutMs: 2_000,
  maxPageSize: 1_000,
  listenReconnectMinMs: 100,
  listenReconnectMaxMs: 5_000,
  listenHeartbeatMs: 15_000,
  maxNotifyPayloadBytes: 7_999,
};
