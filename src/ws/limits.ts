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
}

/** Fixed limits, declared up front. */
export const WS_FIXED_LIMITS = {
  /** ws keeps every fragment of a message until the last: 64 bounds that (a known ws memory hazard). */
  maxFragments: 64,
  /** A client that does not read: past this many buffered bytes the socket is dropped (it can resume). */
  maxBufferedBytes: 1024 * 1024,
  /** Messages received while a resume is loading. */
  maxPendingFrames: 100,
} as const;
