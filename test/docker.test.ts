/**
 * No Docker engine runs here, so the image and the compose files are checked by what they are made of:
 * the Dockerfile's steps are the production commands of docs/operations.md, `npm ci --omit=dev` installs everything
 * src/ imports, and the compose files and nginx.conf carry the settings that running them showed were
 * needed. (`nginx -t` and a run behind nginx were done by hand: the suite does not need nginx.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CONFIG_DEFAULTS } from '../src/config.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (name: string) => readFileSync(join(ROOT, name), 'utf8');
/** Without `#` comments (Dockerfile, nginx.conf), so that prose cannot pass for a directive. */
const withoutComments = (text: string) => text.replace(/^\s*#.*$/gm, '').replace(/\s#.*$/gm, '');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Value imports only (`import type` is erased and needs nothing at build or run time). */
function valueImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^import (?!type )[^'"]*?from '([^']+)'/gm)].map((m) => m[1] as string);
}

/** The package a bare specifier names: `ajv/dist/2020.js` → `ajv`, `@scope/x/y` → `@scope/x`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

/** The files of src/ that web/src loads (directly or through each other), relative to the root. */
function serverFilesTheWebBuildReads(): string[] {
  const found = new Set<string>();
  const visit = (file: string) => {
    for (const specifier of valueImports(file).filter((s) => s.startsWith('.'))) {
      const target = resolve(dirname(file), specifier);
      const path = relative(ROOT, target);
      if (!path.startsWith('src/') || found.has(path)) continue;
      found.add(path);
      visit(target);
    }
  };
  for (const file of sourceFiles(join(ROOT, 'web/src'))) visit(file);
  return [...found].sort();
}

/** `15s`, `1m30s`, `500ms` → milliseconds. */
function durationMs(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h)/g)];
  assert.equal(parts.map((p) => p[0]).join(''), text, `a duration: ${text}`);
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * (units[unit as string] ?? Number.NaN), 0);
}

/** The Dockerfile's stages by name (the last, unnamed one is `runtime`). */
function stages(dockerfile: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const block of dockerfile.split(/^(?=FROM )/m).filter((b) => b.startsWith('FROM '))) {
    const name = /^FROM \S+(?: AS (\S+))?/.exec(block)?.[1] ?? 'runtime';
    result.set(name, block);
  }
  return result;
}

/** The top-level blocks of a compose file: `  name:` up to the next line indented as little. */
function service(compose: string, name: string): string {
  const match = new RegExp(`^  ${name}:.*\\n((?: {4,}.*\\n|\\s*\\n)*)`, 'm').exec(compose);
  assert.ok(match, `service ${name}`);
  return match[0];
}

describe('Docker image', () => {
  const dockerfile = withoutComments(read('Dockerfile'));
  const stage = stages(dockerfile);
  const runtime = stage.get('runtime') ?? '';

  test('is built on the official Node 24 image and runs the sources as a non-root user', () => {
    const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1] as string);
    assert.ok(bases.length >= 2, 'multi-stage');
    for (const base of bases.filter((b) => !stage.has(b))) assert.match(base, /^node:24(-|$)/);
    assert.match(runtime, /^USER node$/m);
    assert.match(runtime, /^CMD \["node", "src\/main\.ts"\]$/m);
    assert.match(runtime, /DATA_DIR=\/data/);
    assert.match(runtime, /^VOLUME \["\/data"\]$/m);
    assert.match(runtime, /^EXPOSE 3000$/m);
  });

  test('the healthcheck asks /ready (the store answers), not /health', () => {
    const healthcheck = /^HEALTHCHECK (?:.*\\\n)*.*/m.exec(runtime)?.[0] ?? '';
    assert.match(healthcheck, /\/ready'/);
    assert.doesNotMatch(healthcheck, /\/health'/);
  });

  test('dependencies are installed once, without a second Node, and pruned for the runtime', () => {
    const installs = dockerfile.match(/\bnpm ci\b/g) ?? [];
    assert.equal(installs.length, 1, 'one npm ci');
    // The `node` package's install script would download Node 24 again: the base image has it.
    assert.match(dockerfile, /npm ci --ignore-scripts\b/);
    assert.match(dockerfile, /--mount=type=cache,target=\/root\/\.npm/);
    assert.match(stage.get('prod-deps') ?? '', /^RUN npm prune --omit=dev --ignore-scripts\b/m);
    assert.match(runtime, /^COPY --from=prod-deps \/app\/node_modules \.\/node_modules$/m);
  });

  test('the web stage copies only what the Vite build reads: web/ and the server files it imports', () => {
    const web = stage.get('web') ?? '';
    const needed = serverFilesTheWebBuildReads();
    assert.ok(needed.includes('src/flow/graph.ts'), 'the scan finds the imports');
    const copied = [...web.matchAll(/^COPY (\S+) (\S+)$/gm)].map((m) => m[1] as string);
    assert.deepEqual(copied.filter((path) => path.startsWith('src')).sort(), needed);
    assert.ok(copied.includes('web'));
    assert.match(web, /vite\.js build --config web\/vite\.config\.ts/);
  });

  test('`npm ci --omit=dev` installs every package src/ imports at run time', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    const builtins = new Set(builtinModules);
    const needed = new Set<string>();
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      for (const specifier of valueImports(file)) {
        if (specifier.startsWith('.') || specifier.startsWith('node:') || builtins.has(specifier)) continue;
        needed.add(packageOf(specifier));
      }
    }
    assert.ok(needed.has('restify'), 'the scan finds imports');
    const missing = [...needed].filter((name) => !(name in pkg.dependencies));
    assert.deepEqual(missing, [], 'imported by src/ but not a production dependency');
  });

  test('the `chatflow` command is on the PATH: bin/ is copied and linked into /usr/local/bin', () => {
    assert.match(runtime, /^COPY bin \.\/bin$/m);
    assert.match(runtime, /ln -s \/app\/bin\/chatflow\.ts \/usr\/local\/bin\/chatflow\b/);
  });

  test('a `chatflow` symlink on the PATH runs the CLI, as in the image', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chatflow-path-'));
    try {
      symlinkSync(join(ROOT, 'bin/chatflow.ts'), join(dir, 'chatflow'));
      const result = spawnSync('chatflow', ['validate', join(ROOT, 'examples/travel.json')], {
        env: { PATH: `${dir}:${dirname(process.execPath)}` },
        encoding: 'utf8',
      });
      assert.equal(result.error, undefined);
      assert.equal(result.status, 0, result.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('/data is writable by an arbitrary UID in group 0 (docker run --user 12345:0)', () => {
    assert.match(runtime, /chown node:0 \/data|chgrp 0 \/data/);
    assert.match(runtime, /chmod g=u \/data/);
  });
});

describe('docker-compose.yml (one instance)', () => {
  const compose = read('docker-compose.yml');

  test('builds the image and keeps /data in a volume', () => {
    assert.match(compose, /build: \./);
    assert.match(compose, /chatflow-data:\/data/);
  });

  test('requires no variable (Compose checks a required one in every service of a file, any profile)', () => {
    assert.doesNotMatch(compose, /\$\{\w+:?\?/);
    assert.doesNotMatch(compose, /profiles:/);
  });

  test('gives the graceful shutdown more time than SHUTDOWN_TIMEOUT_MS', () => {
    const grace = /stop_grace_period: (\S+)/.exec(service(compose, 'chatflow'))?.[1] ?? '0s';
    assert.ok(durationMs(grace) > CONFIG_DEFAULTS.SHUTDOWN_TIMEOUT_MS, grace);
  });

  test('passes METRICS_TOKEN and TRUST_PROXY through, and says how to read a generated token', () => {
    const chatflow = service(compose, 'chatflow');
    assert.match(chatflow, /METRICS_TOKEN: \$\{METRICS_TOKEN:-\}/);
    assert.match(chatflow, /TRUST_PROXY: \$\{TRUST_PROXY:-\}/);
    assert.match(compose, /docker compose exec chatflow chatflow token/);
  });

  test('says what `restart: unless-stopped` does after a bad configuration (exit 78)', () => {
    assert.match(service(compose, 'chatflow'), /restart: unless-stopped/);
    assert.match(compose, /exit with 78/);
  });
});

describe('docker-compose.cluster.yml (PostgreSQL, two instances, nginx)', () => {
  const compose = read('docker-compose.cluster.yml');
  const nginx = withoutComments(read('deploy/nginx.conf'));

  test('names its command and project', () => {
    assert.match(compose, /docker compose -f docker-compose\.cluster\.yml up -d --build/);
    assert.match(compose, /^name: chatflow-cluster$/m);
  });

  test('every instance is the same one, on one DATABASE_URL, with ADMIN_TOKEN required', () => {
    assert.match(compose, /^ {2}chatflow-a: \*instance$/m);
    assert.match(compose, /^ {2}chatflow-b: \*instance$/m);
    const instance = /^x-instance: &instance\n((?: {2,}.*\n)*)/m.exec(compose)?.[0] ?? '';
    assert.match(instance, /ADMIN_TOKEN: \$\{ADMIN_TOKEN:\?set ADMIN_TOKEN for the cluster\}/);
    assert.match(instance, /DATABASE_URL: postgres:\/\/chatflow:.*@postgres:5432\/chatflow/);
    assert.match(instance, /postgres:\n\s+condition: service_healthy/);
    assert.match(instance, /healthcheck:\n\s+interval: \d+s/);
    const grace = /stop_grace_period: (\S+)/.exec(instance)?.[1] ?? '0s';
    assert.ok(durationMs(grace) > CONFIG_DEFAULTS.SHUTDOWN_TIMEOUT_MS, grace);
    assert.match(instance, /METRICS_TOKEN: \$\{METRICS_TOKEN:-\}/);
    // nginx is the one proxy in front: its X-Forwarded-For entry is the client address.
    assert.match(instance, /TRUST_PROXY: \$\{TRUST_PROXY:-1\}/);
  });

  test('nginx takes the client address from X-Forwarded-For only from a proxy named in set_real_ip_from', () => {
    assert.match(nginx, /^real_ip_header X-Forwarded-For;$/m);
    assert.match(nginx, /^real_ip_recursive on;$/m);
    // Commented out (clients reach nginx directly here), with how to set it behind a cloud balancer.
    const raw = read('deploy/nginx.conf');
    assert.match(raw, /^# set_real_ip_from \S+;$/m);
    assert.match(raw, /Behind a cloud\n# load balancer/);
    assert.doesNotMatch(nginx, /set_real_ip_from 0\.0\.0\.0\/0/);
  });

  test('nginx limits requests, new WebSocket connections and open connections per client, with 429', () => {
    assert.match(nginx, /limit_req_zone \$binary_remote_addr zone=chatflow_requests:\d+m rate=\d+r\/s;/);
    assert.match(nginx, /limit_req_zone \$binary_remote_addr zone=chatflow_sockets:\d+m rate=\d+r\/s;/);
    assert.match(nginx, /limit_conn_zone \$binary_remote_addr zone=chatflow_connections:\d+m;/);
    assert.match(nginx, /limit_conn chatflow_connections \d+;/);
    assert.match(nginx, /limit_req_status 429;/);
    assert.match(nginx, /limit_conn_status 429;/);
    const locations = new Map(
      [...nginx.matchAll(/location ([^{]*?)\s*\{([^}]*)\}/g)].map((m) => [m[1], m[2] ?? '']),
    );
    assert.match(locations.get('/') ?? '', /limit_req zone=chatflow_requests burst=\d+ nodelay;/);
    assert.match(locations.get('= /ws') ?? '', /limit_req zone=chatflow_sockets burst=\d+ nodelay;/);
  });

  test('nginx shows, commented, an HTTPS server with HSTS and a redirect from HTTP', () => {
    const raw = read('deploy/nginx.conf');
    assert.match(raw, /^# {3}listen 443 ssl;$/m);
    assert.match(raw, /^# {3}ssl_certificate \s*\S+;$/m);
    assert.match(raw, /^# {3}ssl_certificate_key \S+;$/m);
    assert.match(raw, /^# {3}add_header Strict-Transport-Security "max-age=\d+" always;$/m);
    assert.match(raw, /return 301 https:\/\/\$host\$request_uri;/);
  });

  test('nginx starts once both instances are healthy, with deploy/nginx.conf', () => {
    const proxy = service(compose, 'proxy');
    for (const instance of ['chatflow-a', 'chatflow-b']) {
      assert.match(proxy, new RegExp(`${instance}:\\n\\s+condition: service_healthy`), instance);
    }
    assert.match(proxy, /\.\/deploy\/nginx\.conf:\/etc\/nginx\/conf\.d\/default\.conf:ro/);
  });

  test('nginx balances over the instances and leaves a stopped one out quickly', () => {
    const servers = [...nginx.matchAll(/^\s*server (chatflow-[ab]):3000 (.*);$/gm)];
    assert.deepEqual(
      servers.map((m) => m[1]),
      ['chatflow-a', 'chatflow-b'],
    );
    for (const [, , params] of servers) {
      assert.match(params ?? '', /max_fails=\d+/);
      assert.match(params ?? '', /fail_timeout=\d+s/);
    }
    const connect = /proxy_connect_timeout (\S+);/.exec(nginx)?.[1] ?? '60s';
    assert.ok(durationMs(connect) <= 5_000, `proxy_connect_timeout ${connect}`);
    assert.match(nginx, /proxy_next_upstream error timeout;/);
  });

  test('nginx passes Host with its port, the upgrade headers and X-Forwarded-*, for every location', () => {
    for (const header of [
      'Host $http_host',
      'Upgrade $http_upgrade',
      'Connection $connection_upgrade',
      'X-Forwarded-For $proxy_add_x_forwarded_for',
      'X-Forwarded-Proto $scheme',
    ]) {
      assert.ok(nginx.includes(`proxy_set_header ${header};`), header);
    }
    // A location with a proxy_set_header of its own would drop all the server's ones.
    for (const [block] of nginx.matchAll(/location [^{]*\{[^}]*\}/g)) {
      assert.doesNotMatch(block, /proxy_set_header/, block);
    }
  });

  test('nginx keeps long timeouts for the WebSocket path only', () => {
    const locations = new Map(
      [...nginx.matchAll(/location ([^{]*?)\s*\{([^}]*)\}/g)].map((m) => [m[1], m[2] ?? '']),
    );
    const ws = locations.get('= /ws') ?? '';
    assert.match(ws, /proxy_read_timeout 1h;/);
    assert.match(ws, /proxy_send_timeout 1h;/);
    assert.doesNotMatch(locations.get('/') ?? '', /_timeout/);
    const outside = nginx.replace(/location [^{]*\{[^}]*\}/g, '');
    assert.doesNotMatch(outside, /proxy_(read|send)_timeout/);
  });
});

describe('docs/operations.md', () => {
  const operations = read('docs/operations.md');
  test('documents the production commands, the image and both compose files', () => {
    assert.match(operations, /npm ci --omit=dev {4}# the dependencies/);
    assert.match(operations, /HEALTHCHECK` on `\/ready`/);
    assert.match(operations, /docker compose up -d --build/);
    assert.match(
      operations,
      /ADMIN_TOKEN=\$\(openssl rand -hex 24\) docker compose -f docker-compose\.cluster\.yml up -d --build/,
    );
    assert.match(operations, /docker run --rm chatflow chatflow validate/);
  });
});
