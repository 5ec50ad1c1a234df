/**
 * The external user id a chat client may bring at connect (`/ws?userId=…&userExpires=…&userSig=…`).
 * The chat client cannot make one up: the embedding site's backend signs it with CHAT_USER_SECRET, a
 * secret the browser never sees (docs/websocket-protocol.md, Signed user id). The signature is
 * HMAC-SHA256 over `<userExpires>.<userId>` in base64url; `userExpires` (Unix seconds) bounds how long
 * a signed link can be replayed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const USER_ID_LIMITS = {
  /** Longest user id accepted (characters; printable ASCII only, so also bytes). */
  maxChars: 256,
  /** Farthest in the future `userExpires` may be: a signature is meant to be short-lived. */
  maxLifetimeSeconds: 7 * 24 * 3_600,
} as const;

export const USER_QUERY = ['userId', 'userExpires', 'userSig'] as const;

/** Printable ASCII without spaces: an email address, a UUID or a database key all fit. */
const USER_ID = /^[\x21-\x7e]+$/;

/** The signature of `userId` valid until `expires` (Unix seconds), as the embedding site computes it. */
export function signUserId(secret: string, userId: string, expires: number): string {
  return createHmac('sha256', secret).update(`${expires}.${userId}`).digest('base64url');
}

export type UserCheck =
  | { ok: true; userId?: string }
  /** `status`: the HTTP status of the refused handshake (400 malformed, 401 bad or expired signature, 403 not enabled). */
  | {
      ok: false;
      status: 400 | 401 | 403;
      code: 'BAD_REQUEST' | 'UNAUTHORIZED' | 'FORBIDDEN';
      message: string;
    };

const refused = (status: 400 | 401 | 403, message: string): UserCheck => ({
  ok: false,
  status,
  code: status === 400 ? 'BAD_REQUEST' : status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN',
  message,
});

/** Checks the signed user id of a handshake's query; none given is fine (an anonymous conversation). */
export function verifyUserQuery(
  query: URLSearchParams,
  secret: string | undefined,
  nowSeconds: number,
): UserCheck {
  if (USER_QUERY.every((name) => !query.has(name))) return { ok: true };
  if (secret === undefined)
    return refused(403, 'signed user ids are not enabled (CHAT_USER_SECRET is not set)');
  if (USER_QUERY.some((name) => query.getAll(name).length !== 1)) {
    return refused(400, 'userId, userExpires and userSig must be given together, once each');
  }
  const userId = query.get('userId') ?? '';
  const rawExpires = query.get('userExpires') ?? '';
  const signature = query.get('userSig') ?? '';
  if (userId.length > USER_ID_LIMITS.maxChars || !USER_ID.test(userId)) {
    return refused(400, `userId must be 1 to ${USER_ID_LIMITS.maxChars} printable ASCII characters`);
  }
  if (!/^[0-9]{1,12}$/.test(rawExpires)) return refused(400, 'userExpires must be Unix time in seconds');
  const expires = Number(rawExpires);
  const expected = Buffer.from(signUserId(secret, userId, expires), 'base64url');
  const given = Buffer.from(signature, 'base64url');
  // Compared in constant time; a signature of the wrong length is simply wrong.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return refused(401, 'userSig is not a valid signature of userId and userExpires');
  }
  if (expires <= nowSeconds) return refused(401, 'the signed user id has expired (userExpires)');
  if (expires > nowSeconds + USER_ID_LIMITS.maxLifetimeSeconds) {
    return refused(400, 'userExpires is too far in the future (at most 7 days)');
  }
  return { ok: true, userId };
}
