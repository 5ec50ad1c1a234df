/**
 * Who may call an admin route: the bootstrap ADMIN_TOKEN (every scope, actor "admin") or a named token
 * from the store (its scopes, actor = its name, looked up by the SHA-256 of the secret at every request,
 * so a token created or revoked through the API counts at once, on every instance). Every route declares
 * the scope it needs with `requireScope`; a wrong token counts against the client address, which is
 * refused with 429 AUTH_THROTTLED for the rest of the minute once it reached the limit — even with a
 * right token, so guessing at full speed gains nothing. Failures are logged at most twice per address
 * and window (the first failure, and the start of the throttle), whatever the flood.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Next, Request, RequestHandler, Response } from 'restify';
import { hashToken } from '../conversation/tokens.ts';
import type { Store } from '../store/store.ts';
import { bearerToken, tokensEqual } from './auth.ts';
import type { ClientAddressOf } from './client-address.ts';
import { ApiError, toApiError } from './errors.ts';
import { sendError } from './respond.ts';

/** The scopes a named token can be given. Add a scope here, then declare it on its routes. */
export const SCOPES = [
  'flows:read',
  'flows:write',
  'history:read',
  'history:delete',
  'audit:read',
  'metrics',
] as const;
export type Scope = (typeof SCOPES)[number];

/** What a route can require: a scope, or `admin` (the bootstrap ADMIN_TOKEN only: token management). */
export type RequiredScope = Scope | 'admin';

/** The actor name of the bootstrap ADMIN_TOKEN in the audit log (a named token cannot take it). */
export const ADMIN_ACTOR = 'admin';

export interface Principal {
  /** "admin" for ADMIN_TOKEN, else the token's name. */
  name: string;
  /** Null: every scope (ADMIN_TOKEN). */
  scopes: ReadonlySet<string> | null;
}

export const AUTH_THROTTLE = {
  windowMs: 60_000,
  /** Addresses tracked at once; beyond it, expired entries go first, then the oldest. */
  maxAddresses: 10_000,
} as const;

interface Window {
  start: number;
  failures: number;
}

/** Failed authentications per client address, in fixed one-minute windows. */
export class FailureThrottle {
  readonly #limit: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();

  constructor(limit: number, now: () => number = Date.now) {
    this.#limit = limit;
    this.#now = now;
  }

  #current(address: string): Window | undefined {
    const window = this.#windows.get(address);
    if (window && this.#now() - window.start >= AUTH_THROTTLE.windowMs) {
      this.#windows.delete(address);
      return undefined;
    }
    return window;
  }

  /** Seconds until `address` may try again, or null when it is not throttled. */
  retryAfter(address: string): number | null {
    const window = this.#current(address);
    if (!window || window.failures < this.#limit) return null;
    return Math.max(1, Math.ceil((window.start + AUTH_THROTTLE.windowMs - this.#now()) / 1000));
  }

  /** Counts one failure; says whether it was the window's first and whether it started the throttle. */
  fail(address: string): { first: boolean; throttled: boolean; failures: number } {
    let window = this.#current(address);
    if (!window) {
      this.#makeRoom();
      window = { start: this.#now(), failures: 0 };
      this.#windows.set(address, window);
    }
    window.failures += 1;
    return {
      first: window.failures === 1,
      throttled: window.failures === this.#limit,
      failures: window.failures,
    };
  }

  get size(): number {
    return this.#windows.size;
  }

  #makeRoom(): void {
    if (this.#windows.size < AUTH_THROTTLE.maxAddresses) return;
    for (const address of [...this.#windows.keys()]) this.#current(address);
    while (this.#windows.size >= AUTH_THROTTLE.maxAddresses) {
      const oldest = this.#windows.keys().next().value;
      if (oldest === undefined) break;
      this.#windows.delete(oldest);
    }
  }
}

/** Requests the auth layer already logged (or that are part of a flood): the request log keeps them at debug. */
const quiet = new WeakSet<IncomingMessage>();
export const isQuietRequest = (req: IncomingMessage): boolean => quiet.has(req);

const principals = new WeakMap<IncomingMessage, Principal>();

/** The caller of an authenticated request (set by `requireScope`). */
export function principalOf(req: IncomingMessage): Principal {
  const principal = principals.get(req);
  if (!principal) throw new TypeError('principalOf: the route has no requireScope handler');
  return principal;
}

/** Longest route or target text kept in an audit entry. */
const AUDIT_TEXT_MAX = 256;
const clip = (text: string) => (text.length > AUDIT_TEXT_MAX ? `${text.slice(0, AUDIT_TEXT_MAX)}…` : text);

export interface AdminAuthOptions {
  adminToken: string;
  store: Store;
  logger: Logger;
  clientAddressOf: ClientAddressOf;
  /** ADMIN_AUTH_FAILURES_PER_MIN. */
  failuresPerMinute: number;
  now?: () => number;
}

export interface AdminAuth {
  /** The first handler of a route: lets the request through only with a token holding `scope`. */
  requireScope(scope: RequiredScope, options?: { alsoAccept?: string }): RequestHandler;
  /** Writes the audit entry of an authenticated request: who, from where, when, route, `action` and `target`. */
  audit(req: Request, action: string, target?: string | null): Promise<void>;
}

export function createAdminAuth(options: AdminAuthOptions): AdminAuth {
  const { store, logger, clientAddressOf } = options;
  const now = options.now ?? Date.now;
  const throttle = new FailureThrottle(options.failuresPerMinute, now);

  async function identify(given: string, alsoAccept: string | undefined): Promise<Principal | null> {
    if (tokensEqual(given, options.adminToken)) return { name: ADMIN_ACTOR, scopes: null };
    if (alsoAccept !== undefined && tokensEqual(given, alsoAccept)) return { name: 'metrics', scopes: null };
    // The secret's hash is the lookup key: the database compares hashes, never the secret.
    const found = await store.findAdminToken(hashToken(given));
    return found ? { name: found.name, scopes: new Set(found.scopes) } : null;
  }

  function refuseWrongToken(req: Request, res: Response, address: string, missing: boolean): void {
    if (!missing) {
      const counted = throttle.fail(address);
      if (counted.first) logger.warn({ clientAddress: address, url: req.url }, 'admin authentication failed');
      if (counted.throttled) {
        logger.warn(
          {
            clientAddress: address,
            failures: counted.failures,
            retryAfterSeconds: throttle.retryAfter(address),
          },
          'admin authentication throttled: too many wrong tokens from this address',
        );
      }
      if (!counted.first) quiet.add(req);
    }
    const message = missing ? 'missing Authorization: Bearer <token>' : 'wrong token';
    sendError(req, res, new ApiError('UNAUTHORIZED', message, { headers: { 'WWW-Authenticate': 'Bearer' } }));
  }

  function requireScope(scope: RequiredScope, routeOptions: { alsoAccept?: string } = {}): RequestHandler {
    return function requireToken(req: Request, res: Response, next: Next): void {
      const address = clientAddressOf(req);
      const retryAfter = throttle.retryAfter(address);
      if (retryAfter !== null) {
        quiet.add(req);
        sendError(
          req,
          res,
          new ApiError(
            'AUTH_THROTTLED',
            `too many wrong tokens from this address; retry in ${retryAfter} s`,
            {
              headers: { 'Retry-After': String(retryAfter) },
            },
          ),
        );
        next(false);
        return;
      }
      const given = bearerToken(req.headers.authorization);
      if (given === null) {
        refuseWrongToken(req, res, address, true);
        next(false);
        return;
      }
      identify(given, routeOptions.alsoAccept).then(
        (principal) => {
          if (principal === null) {
            refuseWrongToken(req, res, address, false);
            next(false);
            return;
          }
          if (principal.scopes !== null && (scope === 'admin' || !principal.scopes.has(scope))) {
            const needed = scope === 'admin' ? 'the ADMIN_TOKEN' : `a token with the scope "${scope}"`;
            sendError(req, res, new ApiError('FORBIDDEN', `this route needs ${needed}`));
            next(false);
            return;
          }
          principals.set(req, principal);
          next();
        },
        (err: unknown) => {
          const apiError = toApiError(err);
          if (apiError.code === 'INTERNAL') req.log.error({ err }, 'authentication failed');
          sendError(req, res, apiError);
          next(false);
        },
      );
    };
  }

  async function audit(req: Request, action: string, target: string | null = null): Promise<void> {
    const path = req.url?.split('?', 1)[0] ?? '';
    await store.appendAudit({
      at: new Date(now()).toISOString(),
      actor: principalOf(req).name,
      address: clientAddressOf(req),
      action,
      route: clip(`${req.method} ${path}`),
      target: target === null ? null : clip(target),
    });
  }

  return { requireScope, audit };
}
