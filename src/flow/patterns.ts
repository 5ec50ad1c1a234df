/**
 * `matches` patterns run on user text, so they use RE2 semantics (re2js): linear time in the input,
 * no backtracking. Constructs that would need backtracking (look-around, back-references) do not
 * compile and are rejected at upload.
 */
import { RE2JS } from 're2js';
import type { ConditionTest } from './types.ts';

export type CompiledPattern = { ok: true; pattern: RE2JS } | { ok: false; message: string };

export function compilePattern(source: string, ignoreCase: boolean): CompiledPattern {
  try {
    return { ok: true, pattern: RE2JS.compile(source, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0) };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `pattern does not compile in the linear-time (RE2) engine: ${detail}` };
  }
}

/** Visits every test of a condition tree with its JSON pointer. */
export function walkTests(
  test: ConditionTest,
  path: string,
  visit: (test: ConditionTest, path: string) => void,
): void {
  visit(test, path);
  if ('not' in test) {
    walkTests(test.not, `${path}/not`, visit);
    return;
  }
  const [key, children] = 'all' in test ? ['all', test.all] : 'any' in test ? ['any', test.any] : ['', []];
  for (const [i, child] of children.entries()) walkTests(child, `${path}/${key}/${i}`, visit);
}
