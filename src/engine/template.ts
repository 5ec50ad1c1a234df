/**
 * Templates: `{{name}}` inserts a variable, unknown variables render empty. One pass, no nesting,
 * no expressions: a variable's value is inserted as text and never rendered again, so user text
 * containing `{{…}}` stays literal.
 */
import { placeholderPattern } from '../flow/variables.ts';

const PLACEHOLDER = placeholderPattern();

export function renderTemplate(template: string, variables: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (_, name: string) =>
    Object.hasOwn(variables, name) ? (variables[name] as string) : '',
  );
}
