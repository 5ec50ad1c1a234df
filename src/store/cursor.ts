/**
 * The opaque `listConversations` cursor, shared by every adapter: base64url of the JSON of the last
 * row's sort key (startedAt, id). Clients must treat it as opaque; anything that does not decode to
 * that exact shape is an InvalidCursorError, never a query with garbage bounds.
 */
import { z } from 'zod';
import { InvalidCursorError } from './store.ts';

export interface ConversationCursor {
  startedAt: string;
  id: string;
}

/** Longest cursor accepted: a sort key is two short strings, so anything longer is not ours. */
export const MAX_CURSOR_CHARS = 1_024;

const cursorSchema = z.strictObject({ s: z.string().min(1), i: z.string().min(1) });
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function encodeCursor(key: ConversationCursor): string {
  return Buffer.from(JSON.stringify({ s: key.startedAt, i: key.id }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): ConversationCursor {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_CHARS || !BASE64URL.test(cursor)) {
    throw new InvalidCursorError('cursor is not one this server issued');
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('cursor is not one this server issued');
  }
  const parsed = cursorSchema.safeParse(json);
  if (!parsed.success) throw new InvalidCursorError('cursor is not one this server issued');
  return { startedAt: parsed.data.s, id: parsed.data.i };
}

/** The audit log's cursor: base64url of `{"a": <id of the last entry seen>}`. */
const auditCursorSchema = z.strictObject({ a: z.int().min(1) });

export function encodeAuditCursor(id: number): string {
  return Buffer.from(JSON.stringify({ a: id }), 'utf8').toString('base64url');
}

export function decodeAuditCursor(cursor: string): number {
  const invalid = () => new InvalidCursorError('cursor is not one this server issued');
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_CHARS || !BASE64URL.test(cursor)) throw invalid();
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const parsed = auditCursorSchema.safeParse(json);
  if (!parsed.success || !Number.isSafeInteger(parsed.data.a)) throw invalid();
  return parsed.data.a;
}
