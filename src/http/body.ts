/**
 * Request bodies, read by hand rather than by Restify's bodyParser: we need the exact bytes (a flow is
 * stored as uploaded), our own limit enforced while reading (bodyParser counts compressed bytes and has
 * no default limit) and our own errors.
 */

import type { Request, Response } from 'restify';
import { withoutByteOrderMark } from '../flow/json-text.ts';
import { ApiError } from './errors.ts';
import { jsonErrorOffset, positionOf } from './json-syntax.ts';

/** `application/json`, or any `+json` type, parameters allowed. */
const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;

export function isJsonMediaType(contentType: string | undefined): boolean {
  return contentType !== undefined && JSON_MEDIA_TYPE.test(contentType.trim());
}

/** True when the request announces a body (the guards then insist it is JSON). */
export function announcesBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) > 0);
}

export function payloadTooLarge(limit: number): ApiError {
  // The rest of the body is never read: close the connection instead of draining it.
  return new ApiError('PAYLOAD_TOO_LARGE', `the body is larger than ${limit} bytes`, {
    headers: { Connection: 'close' },
  });
}

/**
 * A client that sent `Expect: 100-continue` waits for 100 Continue before sending the body. The server
 * sends it only here, when a handler is about to read the body: a request refused before (oversized
 * Content-Length, wrong media type, no token) gets its final answer instead, and no body is invited.
 */
function sendContinue(req: Request, res: Response): void {
  if (req.headers.expect?.toLowerCase() === '100-continue' && !res.headersSent) res.writeContinue();
}

/**
 * Reads the whole body, refusing it as soon as it grows past `limit` bytes, or before reading a byte when
 * its Content-Length says so (a route's limit may be lower than the guards' MAX_BODY_BYTES).
 */
export function readBody(req: Request, res: Response, limit: number): Promise<Buffer> {
  if (Number(req.headers['content-length']) > limit) return Promise.reject(payloadTooLarge(limit));
  sendContinue(req, res);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        // Keep an 'error' listener: the client may reset the socket while it is still sending.
        req.on('error', () => {});
        reject(payloadTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      req.on('error', () => {});
      reject(new ApiError('BAD_REQUEST', `the body could not be read: ${err.message}`));
    };
    const onAborted = () => onError(new Error('the client aborted the request'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The body as text and as a parsed JSON value; INVALID_JSON when it is not UTF-8 JSON. */
export function parseJsonBody(bytes: Buffer): { raw: string; value: unknown } {
  let raw: string;
  try {
    raw = utf8.decode(bytes);
  } catch {
    throw new ApiError('INVALID_JSON', 'the body is not valid UTF-8');
  }
  if (raw.trim() === '') throw new ApiError('INVALID_JSON', 'the body is empty; a JSON document is required');
  // A leading byte-order mark is allowed (RFC 8259 §8.1) and kept in the stored text.
  const text = withoutByteOrderMark(raw);
  try {
    return { raw, value: JSON.parse(text) };
  } catch {
    throw invalidJson(text);
  }
}

/**
 * Where the body stops being JSON, never what it says: V8's own message quotes the start of the body,
 * which may hold a secret, and error answers end up in client and proxy logs.
 */
function invalidJson(text: string): ApiError {
  const offset = jsonErrorOffset(text);
  if (offset < 0) return new ApiError('INVALID_JSON', 'the body is not valid JSON');
  const { line, column } = positionOf(text, offset);
  const where = offset >= text.length ? 'ends early' : `has an unexpected character`;
  return new ApiError(
    'INVALID_JSON',
    `the body is not valid JSON: it ${where} at line ${line}, column ${column} (offset ${offset})`,
  );
}

/** Reads and parses a JSON body (the media type was already checked by the guards). */
export async function readJsonBody(
  req: Request,
  res: Response,
  limit: number,
): Promise<{ raw: string; value: unknown }> {
  return parseJsonBody(await readBody(req, res, limit));
}
