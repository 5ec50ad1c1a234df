/** Bearer-token authentication of the admin API. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Next, Request, Response } from 'restify';
import { ApiError } from './errors.ts';
import { sendError } from './respond.ts';

/** `Bearer <token>`, the scheme case-insensitive (RFC 7235 §2.1). */
const BEARER = /^bearer +([\x21-\x7e]+) *$/i;

export function bearerToken(authorization: string | undefined): string | null {
  return authorization?.match(BEARER)?.[1] ?? null;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
export function tokensEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** A route handler that lets the request through only with the admin token. */
export function requireAdminToken(adminToken: string) {
  return requireBearerToken(adminToken, 'admin');
}

/** A route handler that lets the request through only with `Authorization: Bearer <expected>`. */
export function requireBearerToken(expected: string, what: string) {
  return function requireAdmin(req: Request, res: Response, next: Next): void {
    const given = bearerToken(req.headers.authorization);
    if (given !== null && tokensEqual(given, expected)) {
      next();
      return;
    }
    const message = given === null ? 'missing Authorization: Bearer <token>' : `wrong ${what} token`;
    sendError(req, res, new ApiError('UNAUTHORIZED', message, { headers: { 'WWW-Authenticate': 'Bearer' } }));
    next(false);
  };
}
