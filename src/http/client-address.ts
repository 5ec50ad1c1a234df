/**
 * The address of the client behind a request (HTTP or WebSocket upgrade), for per-client limits and
 * logs. `X-Forwarded-For` is believed only as far as TRUST_PROXY says: off (the default), the socket's
 * peer is the client, whatever the header claims; a hop count trusts that many proxies in front of the
 * server; a list of addresses/CIDRs trusts those proxies. proxy-addr (Express's) walks the header.
 */
import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/** TRUST_PROXY, parsed: nothing trusted, N hops, or the proxies' addresses and CIDRs. */
export type TrustProxy =
  | { kind: 'off' }
  | { kind: 'hops'; hops: number }
  | { kind: 'list'; entries: string[] };

/** A compiled trust check, built once per server. */
export type ClientAddressOf = (request: IncomingMessage) => string;

/** Parses TRUST_PROXY; returns an error message for a value it cannot use (the caller names the variable). */
export function parseTrustProxy(value: string | undefined): TrustProxy | { error: string } {
  const text = value?.trim() ?? '';
  if (text === '' || text === 'off' || text === 'false' || text === '0') return { kind: 'off' };
  if (/^\d+$/.test(text)) return { kind: 'hops', hops: Number(text) };
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  try {
    proxyaddr.compile(entries);
  } catch {
    return { error: 'must be off, a hop count, or a comma-separated list of addresses or CIDRs' };
  }
  return { kind: 'list', entries };
}

/** The socket's peer. */
const peerOf = (request: IncomingMessage): string => normalise(request.socket.remoteAddress ?? 'unknown');

export function clientAddressResolver(trust: TrustProxy): ClientAddressOf {
  switch (trust.kind) {
    case 'off':
      return peerOf;
    case 'hops': {
      const hops = trust.hops;
      const check = (_address: string, hop: number) => hop < hops;
      return (request) => normalise(proxyaddr(request, check));
    }
    case 'list': {
      const check = proxyaddr.compile(trust.entries);
      return (request) => normalise(proxyaddr(request, check));
    }
  }
}

/** Without the IPv4-mapped IPv6 prefix Node gives on dual-stack sockets. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
