/**
 * The playground's static route over plain HTTP: content types, caching, the Content-Security-Policy,
 * compression, and requests that try to leave web/dist (known crash inputs: `/%00`, traversal) — each a 404
 * in our JSON error format, with the server still serving.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { contentSecurityPolicy } from '../../src/http/static.ts';
import { rawRequest } from '../support/raw-http.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('the playground static route', () => {
  let server: TestServer;
  let assets: string[];

  before(async () => {
    server = await startTestServer();
    const index = await (await fetch(`${server.url}/`)).text();
    assets = [...index.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)].map((m) => m[1] as string);
  });
  after(() => server.stop());

  const get = (path: string, headers: Record<string, string> = {}) =>
    rawRequest(
      server.port,
      `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}\r\n`,
    );

  test('GET / is index.html, revalidated every time, under a strict CSP', async () => {
    const response = await get('/');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.match(response.text, /<title>Chatflow playground<\/title>/);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.equal(csp, contentSecurityPolicy('localhost'));
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "connect-src 'self' ws://localhost wss://localhost",
      "frame-ancestors 'none'",
    ]) {
      assert.ok(csp.split('; ').includes(directive), directive);
    }
    assert.doesNotMatch(csp, /unsafe|\*/);
    assert.doesNotMatch(
      response.text,
      /<script>|<style|\sstyle=|\son[a-z]+=/i,
      'no inline script, style or handler',
    );

    const etag = response.headers.get('etag') ?? '';
    assert.match(etag, /^"[A-Za-z0-9_-]+"$/);
    const again = await get('/', { 'If-None-Match': etag });
    assert.equal(again.status, 304);
  });

  test('a Host that is not a plain host name is left out of the CSP', () => {
    assert.equal(contentSecurityPolicy('evil.example; script-src *').includes('evil'), false);
    assert.match(contentSecurityPolicy('[::1]:3000'), /ws:\/\/\[::1\]:3000/);
  });

  test('hashed assets: the right content type, cached as immutable, gzipped when accepted', async () => {
    assert.ok(assets.some((name) => name.endsWith('.js')) && assets.some((name) => name.endsWith('.css')));
    for (const name of assets) {
      const plain = await get(`/assets/${name}`);
      assert.equal(plain.status, 200, name);
      assert.equal(
        plain.headers.get('content-type'),
        name.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
      );
      assert.equal(plain.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal(plain.headers.get('content-encoding'), null);

      const response = await fetch(`${server.url}/assets/${name}`, {
        headers: { 'Accept-Encoding': 'gzip' },
      });
      assert.equal(response.headers.get('content-encoding'), 'gzip');
      assert.equal(await response.text(), plain.text, 'the gzipped body is the same file');
      assert.equal(response.headers.get('vary'), 'Accept-Encoding');
    }
  });

  test('the gzip decision honours q=0', async () => {
    const name = assets.find((n) => n.endsWith('.js')) as string;
    const refused = await get(`/assets/${name}`, { 'Accept-Encoding': 'gzip;q=0, identity' });
    assert.equal(refused.headers.get('content-encoding'), null);
    const raw = await new Promise<Buffer>((resolve, reject) => {
      httpGet(`${server.url}/assets/${name}`, { headers: { 'Accept-Encoding': 'br, gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      }).on('error', reject);
    });
    assert.equal(gunzipSync(raw).toString('utf8'), refused.text);
  });

  test('traversal, NUL bytes and unknown files are 404 JSON, and the server keeps serving', async () => {
    for (const path of [
      '/%00',
      '/assets/%00',
      '/assets/../package.json',
      '/assets/..%2fpackage.json',
      '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
      '/assets/..%5c..%5cpackage.json',
      '/assets/index.html',
      `/assets/${assets[0]}%00.js`,
      '/assets/.hidden.js',
      '/assets/',
      '/assets',
      '/index.html',
      '/web/dist/index.html',
      '/src/main.ts',
      '/%2e%2e/package.json',
    ]) {
      const response = await get(path);
      assert.equal(response.status, 404, `${path}: ${response.status} ${response.text.slice(0, 80)}`);
      assert.equal(JSON.parse(response.text).error.code, 'NOT_FOUND', path);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    }
    assert.equal((await get('/')).status, 200);
    const missing = await server.api.get('/api/no/such/route');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, 'NOT_FOUND');
  });

  test('without a build, / is a 404 that says how to build it; the API still works', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'chatflow-no-web-'));
    const bare = await startTestServer({ webRoot: empty });
    try {
      const response = await bare.api.get('/', { token: null });
      assert.equal(response.status, 404);
      assert.match(response.json.error.message, /npm run build:web/);
      assert.equal((await bare.api.get('/health')).status, 200);
    } finally {
      await bare.stop();
      await rm(empty, { recursive: true, force: true });
    }
  });
});
