/**
 * Serves the browser playground (web/dist, built by Vite) at `/` and `/assets/{file}`.
 *
 * The files are read once at startup into memory (a few hundred KB), so a request never reaches the
 * file system: a name is looked up in a map of the files that exist, which makes path traversal,
 * `%00` and friends impossible by construction — anything else is the usual 404 JSON. Hashed assets are
 * cached for a year (`immutable`); index.html is revalidated on every load (`no-cache` + ETag) and
 * carries the strict Content-Security-Policy.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Logger } from 'pino';
import type { Request, Response, Server } from 'restify';
import { ApiError } from './errors.ts';

export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** A built file larger than this is not served (the playground's largest chunk is ~360 KB). */
const MAX_ASSET_BYTES = 4 * 1024 * 1024;
/** Text files above this size are also kept gzipped, and sent so to clients that accept it. */
const GZIP_MIN_BYTES = 1024;
/** Vite names assets `name-hash.ext`; nothing else is looked up. */
const ASSET_NAME = /^[A-Za-z0-9_-]+\.[A-Za-z0-9]+$/;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';

interface StaticFile {
  body: Buffer;
  gzipped: Buffer | null;
  contentType: string;
  etag: string;
}

/** Headers every playground response carries. */
const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** A Host we are willing to copy into the CSP header (Restify's guard already refused unparsable ones). */
const PLAIN_HOST = /^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$/;

/**
 * No inline script or style; scripts, styles and connections only to this origin (plus its WebSocket
 * URL spelled out for browsers whose 'self' does not cover ws:). CodeMirror's styles are a constructed
 * stylesheet, which CSP does not restrict; the favicon is `data:,`.
 */
export function contentSecurityPolicy(host: string | undefined): string {
  const sockets = host !== undefined && PLAIN_HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${sockets}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

function load(path: string): StaticFile {
  const body = readFileSync(path);
  const contentType = CONTENT_TYPES[extname(path)] ?? 'application/octet-stream';
  const compressible = /^(text\/|application\/json|image\/svg)/.test(contentType);
  return {
    body,
    gzipped: compressible && body.length >= GZIP_MIN_BYTES ? gzipSync(body, { level: 9 }) : null,
    contentType,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
  };
}

export interface WebBundle {
  index: StaticFile | null;
  assets: Map<string, StaticFile>;
}

/** Reads the built playground; a missing build gives an empty bundle (the API still works). */
export function loadWebBundle(root: string, logger: Logger): WebBundle {
  const assets = new Map<string, StaticFile>();
  const indexPath = join(root, 'index.html');
  if (!existsSync(indexPath)) {
    logger.warn({ root }, 'the playground is not built (npm run build:web); / answers 404');
    return { index: null, assets };
  }
  const assetDir = join(root, 'assets');
  for (const name of existsSync(assetDir) ? readdirSync(assetDir) : []) {
    const path = join(assetDir, name);
    const stat = statSync(path);
    if (!stat.isFile() || !ASSET_NAME.test(name)) continue;
    if (stat.size > MAX_ASSET_BYTES) {
      logger.warn({ name, bytes: stat.size }, 'playground asset too large; not served');
      continue;
    }
    assets.set(name, load(path));
  }
  return { index: load(indexPath), assets };
}

function acceptsGzip(req: Request): boolean {
  const accepted = req.headers['accept-encoding'];
  return typeof accepted === 'string' && /\bgzip\b(?!;\s*q=0(\.0*)?(,|$))/i.test(accepted);
}

function send(req: Request, res: Response, file: StaticFile, headers: Record<string, string>): void {
  const gzip = file.gzipped !== null && acceptsGzip(req);
  // Each representation has its own strong entity tag.
  const etag = gzip ? `${file.etag.slice(0, -1)}-gz"` : file.etag;
  const all = { ...COMMON_HEADERS, ...headers, ETag: etag, Vary: 'Accept-Encoding' };
  if (req.headers['if-none-match'] === etag) {
    res.sendRaw(304, '', all);
    return;
  }
  const body = gzip ? (file.gzipped as Buffer) : file.body;
  res.sendRaw(200, body, {
    ...all,
    'Content-Type': file.contentType,
    'Content-Length': body.length,
    ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
  });
}

export function registerStaticRoutes(server: Server, bundle: WebBundle): void {
  server.get('/', async function playground(req: Request, res: Response) {
    if (bundle.index === null)
      throw new ApiError('NOT_FOUND', 'the playground is not built (npm run build:web)');
    send(req, res, bundle.index, {
      'Cache-Control': 'no-cache',
      'Content-Security-Policy': contentSecurityPolicy(req.headers.host),
      'X-Frame-Options': 'DENY',
    });
  });

  server.get('/assets/:file', async function asset(req: Request, res: Response) {
    const name = (req.params as { file?: string }).file ?? '';
    const file = ASSET_NAME.test(name) ? bundle.assets.get(name) : undefined;
    if (file === undefined) throw new ApiError('NOT_FOUND', 'no such file');
    send(req, res, file, { 'Cache-Control': IMMUTABLE });
  });
}
