/**
 * The `server.pre()` chain: checks that run before routing, each answering with our error body and
 * stopping the chain (`next(false)`). They guard against inputs verified to crash Restify 12 itself:
 * a Host header that does not parse, fake compressed bodies; and they refuse oversized or non-JSON
 * bodies before a byte of them is read.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Next, Request, Response } from 'restify';
import { announcesBody, isJsonMediaType, payloadTooLarge } from './body.ts';
import { ApiError } from './errors.ts';
import { sendError } from './respond.ts';

type Guard = (req: Request, res: Response, next: Next) => void;

/** A guard that never throws: a bug in one becomes a 500 answer, not a crashed process. */
function guard(name: string, check: (req: Request, res: Response) => ApiError | null): Guard {
  const run: Guard = (req, res, next) => {
    let refusal: ApiError | null;
    try {
      refusal = check(req, res);
    } catch (err) {
      req.log.error({ err, guard: name }, 'guard failed');
      refusal = new ApiError('INTERNAL', 'internal server error');
    }
    if (refusal === null) {
      next();
      return;
    }
    sendError(req, res, refusal);
    next(false);
  };
  Object.defineProperty(run, 'name', { value: name });
  return run;
}

/** Client-supplied request ids are kept when they are short and plain (they end up in logs). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Gives the request its id (from `X-Request-Id` or fresh), echoes it, and a request-scoped logger. */
export function requestIdGuard(logger: Logger): Guard {
  return guard('requestId', (req, res) => {
    const offered = req.headers['x-request-id'];
    const id = typeof offered === 'string' && REQUEST_ID.test(offered) ? offered : randomUUID();
    req.id(id);
    res.setHeader('X-Request-Id', id);
    req.log = logger.child({ reqId: id });
    return null;
  });
}

/** Restify builds `new URL('http://' + Host + path)` on routing and throws on `Host: foo|bar`. */
export const hostGuard = guard('host', (req) => {
  try {
    req.getUrl();
    return null;
  } catch {
    return new ApiError('BAD_REQUEST', 'the Host header or the request target is malformed');
  }
});

/** We accept no content coding at all (Restify's gunzip has no error listener and crashes on bad data). */
export const contentEncodingGuard = guard('contentEncoding', (req) => {
  const coding = req.headers['content-encoding'];
  if (coding === undefined || coding.trim().toLowerCase() === 'identity') return null;
  return new ApiError(
    'UNSUPPORTED_MEDIA_TYPE',
    'Content-Encoding is not supported; send the body uncompressed',
  );
});

/** Refuses a declared oversized body before reading it; bodies without a length are counted while read. */
export function contentLengthGuard(maxBodyBytes: number): Guard {
  return guard('contentLength', (req) => {
    const length = req.headers['content-length'];
    return length !== undefined && Number(length) > maxBodyBytes ? payloadTooLarge(maxBodyBytes) : null;
  });
}

export const contentTypeGuard = guard('contentType', (req) => {
  if (!announcesBody(req) || isJsonMediaType(req.headers['content-type'])) return null;
  return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'the body must be application/json');
});

export function preGuards(options: { logger: Logger; maxBodyBytes: number }): Guard[] {
  return [
    requestIdGuard(options.logger),
    hostGuard,
    contentEncodingGuard,
    contentLengthGuard(options.maxBodyBytes),
    contentTypeGuard,
  ];
}
