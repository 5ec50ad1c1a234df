/** WebSocket limits, each from an environment variable (docs/websocket-protocol.md, Limits). */
export interface WsLimits {
  /** WS_MAX_FRAME_BYTES: a larger frame closes the socket with 1009. */
  maxFrameBytes: number;
  /** WS_MAX_TEXT_CHARS, in Unicode code points. */
  maxTextChars: number;
  /** WS_RATE_PER_SEC (0 disables the limit) and WS_RATE_BURST. */
  ratePerSec: number;
  rateBurst: number;
  /** WS_MAX_CONNECTIONS: further handshakes get HTTP 503. */
  maxConnections: number;
  /** WS_PING_INTERVAL_MS: a peer that has not answered the previous ping by the next one is dropped. */
  pingIntervalMs: number;
  /** WS_MAX_CONNECTIONS_PER_ADDRESS: open sockets of one client address; further handshakes get HTTP 429 (0: no cap). */
  maxConnectionsPerAddress: number;
  /** WS_HANDSHAKES_PER_MINUTE: handshakes of one client address, refilled continuously; over it HTTP 429 (0: no limit). */
  handshakesPerMinute: number;
  /** WS_ADDRESS_RATE_PER_SEC (0 disables) and WS_ADDRESS_RATE_BURST: messages across all sockets of one address. */
  addressRatePerSec: number;
  addressRateBurst: number;
  /** WS_IDLE_TIMEOUT_MS: a socket that sends no message for this long is closed with 4408 (0: never). */
  idleTimeoutMs: number;
}

/** Fixed limits, declared up front. */
export const WS_FIXED_LIMITS = {
  /** ws keeps every fragment of a message until the last: 64 bounds that (a known ws memory hazard). */
  maxFragments: 64,
  /** A client that does not read: past this many buffered bytes the socket is dropped (it can resume). */
  maxBufferedBytes: 1024 * 1024,
  /** Messages received while a resume is loading. */
  maxPendingFrames: 100,
  /**
   * Client addresses whose counters are kept while they have no socket open (least recently seen
   * dropped first); an address with open sockets is always kept. An idle address whose counters have
   * refilled is forgotten at the next heartbeat.
   */
  maxIdleAddresses: 100_000,
  /** IPv6 clients are counted per /64 (one subscriber's prefix): one host can use any address in it. */
  ipv6PrefixBits: 64,
} as const;
