/** The core stays pure: flow/ and engine/ import nothing from the edges (HTTP, ws, database, OpenAI, env). */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const ALLOWED_PACKAGES = new Set(['zod', 're2js']);
/** Each other only: the engine publishes the types its adapters use (engine/index.ts), it imports none of theirs. */
const ALLOWED_FILES = new Set(['flow', 'engine']);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? files(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

test('flow/ and engine/ import only each other, zod and re2js', () => {
  const offenders: string[] = [];
  for (const file of [...files(join(SRC, 'flow')), ...files(join(SRC, 'engine'))]) {
    const source = readFileSync(file, 'utf8');
    for (const [, specifier] of source.matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm)) {
      if (!specifier) continue;
      if (specifier.startsWith('.')) {
        const target = relative(SRC, resolve(dirname(file), specifier));
        const top = target.split('/')[0] ?? '';
        if (ALLOWED_FILES.has(top) || ALLOWED_FILES.has(target)) continue;
      } else if (ALLOWED_PACKAGES.has(specifier)) continue;
      offenders.push(`${relative(SRC, file)} → ${specifier}`);
    }
    if (/process\.env|Date\.now|new Date\(|Math\.random/.test(source))
      offenders.push(`${relative(SRC, file)}: clock, randomness or env`);
  }
  assert.deepEqual(offenders, []);
});

test('conversation/ imports neither ws/ nor http/, and holds no WebSocket close code', () => {
  const offenders: string[] = [];
  for (const file of files(join(SRC, 'conversation'))) {
    const source = readFileSync(file, 'utf8');
    for (const [, specifier] of source.matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm)) {
      const top = specifier?.startsWith('.')
        ? relative(SRC, resolve(dirname(file), specifier)).split('/')[0]
        : '';
      if (top === 'ws' || top === 'http') offenders.push(`${relative(SRC, file)} → ${specifier}`);
    }
    // The codes of RFC 6455 §7.4 the server uses, and the 4xxx ones of its own protocol.
    for (const [code] of source.matchAll(/\b(?:1000|1001|1003|1008|1009|1011|4\d{3})\b/g))
      offenders.push(`${relative(SRC, file)}: close code ${code}`);
  }
  assert.deepEqual(offenders, []);
});
