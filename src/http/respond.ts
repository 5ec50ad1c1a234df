/**
 * Writing responses. Everything goes through `sendRaw` with bytes we produced ourselves, so no Restify
 * formatter ever shapes a body (its error bodies are not ours, and its JSON formatter would re-encode
 * a stored flow instead of returning the uploaded bytes).
 */
import type { Request, Response } from 'restify';
import { type ApiError, errorBody } from './errors.ts';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export function sendRawJson(
  res: Response,
  status: number,
  json: string,
  headers: Record<string, string> = {},
): void {
  res.sendRaw(status, json, {
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(json),
    ...headers,
  });
}

export function sendJson(
  res: Response,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  sendRawJson(res, status, JSON.stringify(body), headers);
}

/** Sends our error body; a no-op when a response already started (the socket is then just closed). */
export function sendError(req: Request, res: Response, err: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.status, errorBody(err, req.id()), { ...err.headers, 'Cache-Control': 'no-store' });
}
