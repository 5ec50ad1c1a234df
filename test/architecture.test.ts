/**
 * The layering of src/, enforced with no exceptions. Imports are read from the sources with comments
 * dropped (test/support/import-graph.ts): static `import`/`export … from`, and `import('…')`.
 *
 * - flow/ (the format) imports nothing of ours; engine/ (the interpreter) imports only flow/. Both may use
 *   zod and re2js, and neither reads the clock, randomness or the environment.
 * - intent/, store/, ws/ and http/ never import each other's internals. A folder's public entry is its
 *   top-level `index.ts` or the top-level file named after it (`store/store.ts`, the storage port); every
 *   other file, and every subfolder (`store/sqlite/`, `intent/offline/`, `http/routes/`), is internal.
 * - conversation/ (the channel-neutral runtime) imports neither ws/ nor http/, and holds no WebSocket
 *   close code: no `CLOSE_CODES`, and no number written as a close code, i.e. a bare literal in 1000–1015
 *   (RFC 6455's codes) or 4000–4999 (the private range: 4401, 4409). A count or duration of that size is
 *   written with a separator (`1_000`), as everywhere in src/.
 * - src/ imports nothing outside src/ (no bench/, no test/): the product runs without them.
 * - No import circles in the static graph (type-only imports count: they tie the modules' designs).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type ImportEdge,
  importCircles,
  importsOf,
  readSources,
  type SourceFile,
  stripComments,
} from './support/import-graph.ts';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const PURE_PACKAGES = new Set(['zod', 're2js']);
const EDGE_FOLDERS = ['intent', 'store', 'ws', 'http'];

type Files = readonly SourceFile[];
const folderOf = (path: string) => (path.includes('/') ? (path.split('/')[0] ?? '') : '');
const under = (files: Files, folder: string) => files.filter((file) => folderOf(file.path) === folder);
const describeEdge = (file: SourceFile, edge: ImportEdge) => `${file.path} → ${edge.specifier}`;

/** Imports of `folder` that reach a folder of ours outside `allowed`, or a package other than zod and re2js. */
function importsOutside(files: Files, folder: string, allowed: readonly string[]): string[] {
  return under(files, folder).flatMap((file) =>
    file.imports
      .filter((edge) =>
        edge.target === undefined
          ? !PURE_PACKAGES.has(edge.specifier)
          : !allowed.includes(folderOf(edge.target)),
      )
      .map((edge) => describeEdge(file, edge)),
  );
}

function readsTheWorld(files: Files, folder: string): string[] {
  return under(files, folder)
    .filter((file) => /process\.env|Date\.now|new Date\(|Math\.random/.test(file.code))
    .map((file) => `${file.path}: clock, randomness or env`);
}

function isPublicEntry(target: string): boolean {
  const [folder, file, ...deeper] = target.split('/');
  return deeper.length === 0 && (file === 'index.ts' || file === `${folder}.ts`);
}

/** The rules of the header, each listing its offenders. */
const RULES = {
  flowImportsNothing: (files: Files) => [
    ...importsOutside(files, 'flow', ['flow']),
    ...readsTheWorld(files, 'flow'),
  ],
  engineImportsOnlyFlow: (files: Files) => [
    ...importsOutside(files, 'engine', ['engine', 'flow']),
    ...readsTheWorld(files, 'engine'),
  ],
  edgesUseOnlyPublicEntries: (files: Files) =>
    EDGE_FOLDERS.flatMap((folder) =>
      under(files, folder).flatMap((file) =>
        file.imports
          .filter((edge) => {
            const target = folderOf(edge.target ?? '');
            return target !== folder && EDGE_FOLDERS.includes(target) && !isPublicEntry(edge.target ?? '');
          })
          .map((edge) => describeEdge(file, edge)),
      ),
    ),
  conversationSpeaksNoWebSocket: (files: Files) =>
    under(files, 'conversation').flatMap((file) => [
      ...file.imports
        .filter((edge) => ['ws', 'http'].includes(folderOf(edge.target ?? '')))
        .map((edge) => describeEdge(file, edge)),
      ...[...file.code.matchAll(CLOSE_CODE_LITERAL)].map((match) => `${file.path}: close code ${match[1]}`),
      ...(/\bCLOSE_CODES\b/.test(file.code) ? [`${file.path}: CLOSE_CODES`] : []),
    ]),
  srcStaysInSrc: (files: Files) =>
    files.flatMap((file) =>
      file.imports.filter((edge) => edge.target?.startsWith('..')).map((edge) => describeEdge(file, edge)),
    ),
  noCircles: (files: Files) => importCircles(files).map((circle) => circle.join(' → ')),
};

/** A bare number literal that reads as a WebSocket close code (see the header). */
const CLOSE_CODE_LITERAL = /(?<![\w.$])(10(?:0\d|1[0-5])|4\d{3})(?![\w.])/g;

const sources = readSources(SRC);

test('src/ is read: every folder the rules name has files', () => {
  for (const folder of ['flow', 'engine', 'conversation', ...EDGE_FOLDERS]) {
    assert.ok(under(sources, folder).length > 0, folder);
  }
});

test('flow/ imports nothing of ours, and reads no clock, randomness or environment', () => {
  assert.deepEqual(RULES.flowImportsNothing(sources), []);
});

test('engine/ imports only flow/, and reads no clock, randomness or environment', () => {
  assert.deepEqual(RULES.engineImportsOnlyFlow(sources), []);
});

test("intent/, store/, ws/ and http/ import only each other's public entries", () => {
  assert.deepEqual(RULES.edgesUseOnlyPublicEntries(sources), []);
});

test('conversation/ imports neither ws/ nor http/, and holds no WebSocket close code', () => {
  assert.deepEqual(RULES.conversationSpeaksNoWebSocket(sources), []);
});

test('src/ imports nothing outside src/ (no bench/, no test/)', () => {
  assert.deepEqual(RULES.srcStaysInSrc(sources), []);
});

test('no import circles', () => {
  assert.deepEqual(RULES.noCircles(sources), []);
});

/** A made-up source file: its code and its relative imports. */
function fake(path: string, targets: string[], code = ''): SourceFile {
  return { path, code, imports: targets.map((target) => ({ specifier: target, target, dynamic: false })) };
}

test('each rule names a made-up offender, and lets the allowed imports through', () => {
  assert.deepEqual(RULES.flowImportsNothing([fake('flow/a.ts', ['flow/b.ts', 'engine/c.ts'])]), [
    'flow/a.ts → engine/c.ts',
  ]);
  assert.deepEqual(
    RULES.engineImportsOnlyFlow([fake('engine/a.ts', ['flow/b.ts', 'intent/classifier.ts'], 'Date.now()')]),
    ['engine/a.ts → intent/classifier.ts', 'engine/a.ts: clock, randomness or env'],
  );
  assert.deepEqual(
    RULES.edgesUseOnlyPublicEntries([
      fake('http/a.ts', [
        'store/store.ts',
        'intent/index.ts',
        'store/sqlite/sqlite-store.ts',
        'ws/session.ts',
      ]),
      fake('store/a.ts', ['store/sqlite/rows.ts', 'engine/index.ts']),
    ]),
    ['http/a.ts → store/sqlite/sqlite-store.ts', 'http/a.ts → ws/session.ts'],
  );
  assert.deepEqual(
    RULES.conversationSpeaksNoWebSocket([
      fake('conversation/a.ts', ['ws/protocol.ts', 'engine/index.ts'], 'close(4409); wait(1_000); x = 3'),
    ]),
    ['conversation/a.ts → ws/protocol.ts', 'conversation/a.ts: close code 4409'],
  );
  assert.deepEqual(RULES.srcStaysInSrc([fake('cli/run.ts', ['../bench/load/run.ts', 'main.ts'])]), [
    'cli/run.ts → ../bench/load/run.ts',
  ]);
  assert.deepEqual(
    RULES.noCircles([
      fake('a.ts', ['b.ts']),
      fake('b.ts', ['c.ts']),
      fake('c.ts', ['a.ts']),
      fake('d.ts', ['a.ts']),
    ]),
    ['a.ts → b.ts → c.ts'],
  );
});

test('the import reader: imports across lines, type-only and dynamic ones; none quoted in a comment or string', () => {
  const code = stripComments(
    [
      "/** Example: import { x } from './in-a-comment.ts'; */",
      "const APOSTROPHES = /['`]/gu; // import '../after-a-regex.ts'",
      'import type {',
      '  A,',
      '  B as C,',
      "} from '../flow/types.ts';",
      "export * from './engine.ts';",
      "const text = 'import \\'./in-a-string.ts\\'';",
      "const { main } = await import('../main.ts');",
    ].join('\n'),
  );
  assert.deepEqual(
    importsOf(code, 'engine/x.ts', '/src').map((edge) => [edge.target, edge.dynamic]),
    [
      ['flow/types.ts', false],
      ['engine/engine.ts', false],
      ['main.ts', true],
    ],
  );
});
