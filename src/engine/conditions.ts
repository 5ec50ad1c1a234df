/** Evaluates a `condition` test against the variables. Declarative only: nothing is ever evaluated as code. */
import type { ConditionTest } from '../flow/types.ts';
import { type CompiledFlow, patternKey } from './compile.ts';

const fold = (text: string, ignoreCase: boolean | undefined) => (ignoreCase ? text.toLowerCase() : text);

export function evaluateTest(
  test: ConditionTest,
  variables: Readonly<Record<string, string>>,
  flow: CompiledFlow,
): boolean {
  if ('all' in test) return test.all.every((t) => evaluateTest(t, variables, flow));
  if ('any' in test) return test.any.some((t) => evaluateTest(t, variables, flow));
  if ('not' in test) return !evaluateTest(test.not, variables, flow);
  const value = Object.hasOwn(variables, test.var) ? (variables[test.var] as string) : undefined;
  if ('exists' in test) return (value !== undefined && value !== '') === test.exists;
  const text = value ?? '';
  if ('equals' in test) return fold(text, test.ignoreCase) === fold(test.equals, test.ignoreCase);
  if ('contains' in test) return fold(text, test.ignoreCase).includes(fold(test.contains, test.ignoreCase));
  const pattern = flow.patterns.get(patternKey(test.matches, test.ignoreCase === true));
  return pattern?.test(text) ?? false;
}
