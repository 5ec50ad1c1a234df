/**
 * No Docker engine runs here, so the image is checked by what it is made of: the Dockerfile's steps
 * are the README's production commands, and `npm ci --omit=dev` installs everything src/ imports.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (name: string) => readFileSync(join(ROOT, name), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The package a bare specifier names: `ajv/dist/2020.js` → `ajv`, `@scope/x/y` → `@scope/x`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

describe('Docker image', () => {
  const dockerfile = read('Dockerfile');

  test('is built on the official Node 24 image and runs the sources as a non-root user', () => {
    const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    assert.ok(bases.length >= 2, 'multi-stage');
    for (const base of bases) assert.match(base ?? '', /^node:24(-|$)/);
    assert.match(dockerfile, /^RUN npm ci --omit=dev\b/m);
    assert.match(dockerfile, /^USER node$/m);
    assert.match(dockerfile, /^CMD \["node", "src\/main\.ts"\]$/m);
    assert.match(dockerfile, /DATA_DIR=\/data/);
    assert.match(dockerfile, /^VOLUME \["\/data"\]$/m);
    assert.match(dockerfile, /^EXPOSE 3000$/m);
    assert.match(dockerfile, /^HEALTHCHECK .*\n?.*\/ready'/m, 'readiness: the store answers');
  });

  test('the README documents the same commands', () => {
    assert.match(read('README.md'), /npm ci --omit=dev`, then `node src\/main\.ts`/);
    assert.match(read('README.md'), /docker compose up -d --build/);
    const compose = read('docker-compose.yml');
    assert.match(compose, /build: \./);
    assert.match(compose, /:\/data/);
  });

  test('`npm ci --omit=dev` installs every package src/ imports at run time', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    const builtins = new Set(builtinModules);
    const needed = new Set<string>();
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      const text = readFileSync(file, 'utf8');
      // Value imports only: `import type` is erased and needs nothing at run time.
      for (const match of text.matchAll(/^import (?!type )[^'"]*?from '([^'.][^']*)'/gm)) {
        const specifier = match[1] as string;
        if (specifier.startsWith('node:') || builtins.has(specifier)) continue;
        needed.add(packageOf(specifier));
      }
    }
    assert.ok(needed.has('restify'), 'the scan finds imports');
    const missing = [...needed].filter((name) => !(name in pkg.dependencies));
    assert.deepEqual(missing, [], 'imported by src/ but not a production dependency');
  });

  test('the cluster profile: PostgreSQL, two instances on one DATABASE_URL, nginx passing WebSocket upgrades', () => {
    const compose = read('docker-compose.yml');
    assert.match(compose, /^ {2}chatflow-b: \*instance$/m, 'the second instance is the first one again');
    for (const service of ['postgres', 'chatflow-a', 'proxy']) {
      assert.match(compose, new RegExp(`^  ${service}:.*\\n    profiles: \\[cluster\\]`, 'm'), service);
    }
    assert.match(compose, /DATABASE_URL: postgres:\/\/chatflow:/);
    const nginx = read('deploy/nginx.conf');
    assert.match(nginx, /server chatflow-a:3000;\s+server chatflow-b:3000;/);
    assert.match(nginx, /proxy_set_header Upgrade \$http_upgrade;/);
    assert.match(read('README.md'), /docker compose --profile cluster up -d --build proxy/);
  });
});
