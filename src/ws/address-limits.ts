/**
 * Per-client-address limits of the WebSocket endpoint (docs/websocket-protocol.md, Limits): open sockets,
 * handshakes per minute, and messages per second across all of an address's sockets, so that one client
 * cannot take every socket slot or multiply the per-connection message rate by opening more sockets.
 * IPv6 addresses count per /64. Memory is bounded: an address with no socket open is forgotten once its
 * counters have refilled, and at most WS_FIXED_LIMITS.maxIdleAddresses idle ones are kept (least recently
 * seen dropped first).
 */
import { isIPv6 } from 'node:net';
import { WS_FIXED_LIMITS, type WsLimits } from './limits.ts';
import { RateLimiter } from './rate-limit.ts';

const monotonicNow = () => performance.now();

/** One address's counters; each socket of the address holds it until it closes. */
export class AddressEntry {
  /** Open sockets (accepted handshakes not yet closed). */
  sockets = 0;
  /** Handshake tokens left; refilled continuously up to `handshakesPerMinute`. */
  handshakeTokens: number;
  lastRefill: number;
  /** When it last took a handshake or a message (for forgetting idle addresses). */
  lastSeen: number;
  /** Messages across the address's sockets; null when WS_ADDRESS_RATE_PER_SEC is 0. */
  private readonly messages: RateLimiter | null;
  private readonly now: () => number;

  constructor(limits: WsLimits, now: () => number) {
    this.now = now;
    this.handshakeTokens = limits.handshakesPerMinute;
    this.lastRefill = now();
    this.lastSeen = this.lastRefill;
    this.messages =
      limits.addressRatePerSec === 0
        ? null
        : new RateLimiter(limits.addressRatePerSec, limits.addressRateBurst, now);
  }

  /** A message from one of the address's sockets: false when the address is over its shared rate. */
  takeMessage(): boolean {
    if (!this.messages) return true;
    this.lastSeen = this.now();
    return this.messages.take() === 'allow';
  }
}

export type Admission =
  | { ok: true; entry: AddressEntry }
  | { ok: false; reason: 'TOO_MANY_HANDSHAKES'; retryAfterSeconds: number }
  | { ok: false; reason: 'TOO_MANY_CONNECTIONS' };

/**
 * The key an address is counted under: IPv4 (and anything that is not IPv6) as it is, IPv6 by its /64
 * prefix, written `a:b:c:d::/64`.
 */
export function addressKey(address: string): string {
  const bare = address.split('%')[0] ?? address;
  if (!isIPv6(bare)) return address;
  const groups = ipv6Groups(bare);
  const prefixGroups = WS_FIXED_LIMITS.ipv6PrefixBits / 16;
  return `${groups.slice(0, prefixGroups).join(':')}::/${WS_FIXED_LIMITS.ipv6PrefixBits}`;
}

/** The eight 16-bit groups of a valid IPv6 address, lowercase, without leading zeros. */
function ipv6Groups(address: string): string[] {
  let text = address.toLowerCase();
  // A trailing dotted IPv4 part (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) is two groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array.from({ length: 8 - left.length - right.length }, () => '0');
  return [...left, ...zeros, ...right].map((group) => Number.parseInt(group, 16).toString(16));
}

export class AddressLimits {
  private readonly limits: WsLimits;
  private readonly now: () => number;
  /** In order of last use (a use moves the entry to the end): the first idle ones are the least recent. */
  private readonly entries = new Map<string, AddressEntry>();
  /** An idle address seen longer ago than this has every counter full again: it can be forgotten. */
  private readonly forgetAfterMs: number;

  constructor(limits: WsLimits, now: () => number = monotonicNow) {
    this.limits = limits;
    this.now = now;
    this.forgetAfterMs = Math.max(
      limits.handshakesPerMinute === 0 ? 0 : 60_000,
      limits.addressRatePerSec === 0 ? 0 : (limits.addressRateBurst / limits.addressRatePerSec) * 1000,
    );
  }

  /** Addresses tracked (with sockets open, or idle but not yet forgotten). */
  get size(): number {
    return this.entries.size;
  }

  /** A handshake from `address`: counted against its handshake rate, then checked against its socket cap. */
  admit(address: string): Admission {
    const entry = this.entryOf(addressKey(address));
    const now = this.now();
    entry.lastSeen = now;
    const perMinute = this.limits.handshakesPerMinute;
    if (perMinute > 0) {
      const perMs = perMinute / 60_000;
      entry.handshakeTokens = Math.min(perMinute, entry.handshakeTokens + (now - entry.lastRefill) * perMs);
      entry.lastRefill = now;
      if (entry.handshakeTokens < 1) {
        return {
          ok: false,
          reason: 'TOO_MANY_HANDSHAKES',
          retryAfterSeconds: Math.max(1, Math.ceil((1 - entry.handshakeTokens) / perMs / 1000)),
        };
      }
      entry.handshakeTokens -= 1;
    }
    const cap = this.limits.maxConnectionsPerAddress;
    if (cap > 0 && entry.sockets >= cap) return { ok: false, reason: 'TOO_MANY_CONNECTIONS' };
    return { ok: true, entry };
  }

  /** Forgets the idle addresses whose counters have refilled (called at each heartbeat). */
  sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.sockets === 0 && now - entry.lastSeen >= this.forgetAfterMs) this.entries.delete(key);
    }
  }

  private entryOf(key: string): AddressEntry {
    const known = this.entries.get(key);
    if (known) {
      this.entries.delete(key);
      this.entries.set(key, known);
      return known;
    }
    if (this.entries.size >= WS_FIXED_LIMITS.maxIdleAddresses) this.evictIdle();
    const entry = new AddressEntry(this.limits, this.now);
    this.entries.set(key, entry);
    return entry;
  }

  /** Drops the least recently seen address with no socket open (one with sockets is moved to the end). */
  private evictIdle(): void {
    // Each entry with sockets is moved at most once per eviction, and their number is bounded by WS_MAX_CONNECTIONS.
    for (let tries = this.entries.size; tries > 0; tries--) {
      const first = this.entries.entries().next();
      if (first.done) return;
      const [key, entry] = first.value;
      this.entries.delete(key);
      if (entry.sockets === 0) return;
      this.entries.set(key, entry);
    }
  }
}
