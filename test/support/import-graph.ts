/**
 * The import graph of src/, read from the sources (the TypeScript 7 package has no compiler API to ask).
 * A small lexer drops comments first, so an `import` quoted in a doc comment is no edge, and a regular
 * expression literal such as /['"]/ cannot pass for the start of a string.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface ImportEdge {
  /** The specifier as written: './x.ts', 'zod', 'node:fs'. */
  specifier: string;
  /** For a relative specifier: the target, relative to the source root ('flow/types.ts'). */
  target?: string;
  /** `import('…')`: loaded when run, not when the importing module loads. */
  dynamic: boolean;
}

export interface SourceFile {
  /** Relative to the source root, with '/' separators: 'engine/step.ts'. */
  path: string;
  /** The source without its comments. */
  code: string;
  imports: ImportEdge[];
}

/** Characters and keywords after which a `/` starts a regular expression literal, not a division. */
const BEFORE_REGEX = new Set([...'(,=:[!&|?{};+-*%<>~^', '']);
const KEYWORDS_BEFORE_REGEX = new Set([
  'return',
  'typeof',
  'case',
  'do',
  'else',
  'in',
  'of',
  'new',
  'void',
  'throw',
  'yield',
  'await',
]);

/** The source with every comment replaced by a space; strings, templates and regex literals are kept. */
export function stripComments(source: string): string {
  let out = '';
  let i = 0;
  let previous = '';
  let word = '';
  const copyQuoted = (close: string) => {
    const start = i;
    i++;
    while (i < source.length && source[i] !== close) i += source[i] === '\\' ? 2 : 1;
    i++;
    out += source.slice(start, i);
  };
  while (i < source.length) {
    const char = source[i] ?? '';
    const next = source[i + 1] ?? '';
    if (char === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
      out += ' ';
    } else if (char === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end === -1 ? source.length : end + 2;
      out += ' ';
    } else if (char === "'" || char === '"' || char === '`') {
      copyQuoted(char);
      previous = char;
      word = '';
    } else if (char === '/' && (BEFORE_REGEX.has(previous) || KEYWORDS_BEFORE_REGEX.has(word))) {
      const start = i;
      let inClass = false;
      i++;
      while (i < source.length && (inClass || source[i] !== '/') && source[i] !== '\n') {
        if (source[i] === '\\') i++;
        else if (source[i] === '[') inClass = true;
        else if (source[i] === ']') inClass = false;
        i++;
      }
      i++;
      out += source.slice(start, i);
      previous = '/';
      word = '';
    } else {
      out += char;
      if (/[\w$]/.test(char)) {
        word = /[\w$]/.test(source[i - 1] ?? '') ? word + char : char;
        previous = 'a';
      } else if (!/\s/.test(char)) {
        previous = char;
        word = '';
      }
      i++;
    }
  }
  return out;
}

/** `import … from '…'`, `export … from '…'` (clauses of names, braces, `*`, `as`, `type`), `import '…'`. */
const STATIC_IMPORT =
  /(?:^|[;\n])\s*(?:import|export)\s+(?:type\s+)?(?:[\w$\s{},*]+?\s+from\s*)?['"]([^'"\n]+)['"]/g;
const DYNAMIC_IMPORT = /\bimport\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g;

export function importsOf(code: string, fromPath: string, root: string): ImportEdge[] {
  const edge = (specifier: string, dynamic: boolean): ImportEdge => {
    if (!specifier.startsWith('.')) return { specifier, dynamic };
    const target = relative(root, resolve(root, dirname(fromPath), specifier))
      .split('\\')
      .join('/');
    return { specifier, target, dynamic };
  };
  return [
    ...[...code.matchAll(STATIC_IMPORT)].map((match) => edge(match[1] ?? '', false)),
    ...[...code.matchAll(DYNAMIC_IMPORT)].map((match) => edge(match[1] ?? '', true)),
  ];
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? tsFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** Every .ts file under `root`, with its imports. */
export function readSources(root: string): SourceFile[] {
  return tsFiles(root).map((file) => {
    const path = relative(root, file).split('\\').join('/');
    const code = stripComments(readFileSync(file, 'utf8'));
    return { path, code, imports: importsOf(code, path, root) };
  });
}

/** Every import circle of the static graph, each as the list of files around it (Tarjan's SCCs). */
export function importCircles(files: readonly SourceFile[]): string[][] {
  const next = new Map(
    files.map((file) => [
      file.path,
      file.imports.filter((edge) => !edge.dynamic && edge.target).map((edge) => edge.target ?? ''),
    ]),
  );
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node) ?? 0);
    stack.push(node);
    onStack.add(node);
    for (const target of next.get(node) ?? []) {
      if (!next.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(target) ?? 0));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(target) ?? 0));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    const selfImport = next.get(node)?.includes(node) ?? false;
    if (component.length > 1 || selfImport) circles.push(component.sort());
  };
  for (const node of next.keys()) if (!index.has(node)) visit(node);
  return circles;
}
