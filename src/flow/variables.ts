/**
 * Variable names, and where a flow names them.
 *
 * `__proto__` is refused wherever a variable is named: JSON tooling reads that key as an object's
 * prototype link rather than as data (the schema parser silently drops it from a `set` block's
 * `values`, and `object[name] = value` changes the prototype instead of storing the value), so such a
 * variable would silently stay empty. The other names of Object.prototype members (`constructor`,
 * `toString`, …) are ordinary variables: the engine keeps variables in prototype-less maps.
 */
import type { Flow, FlowProblem } from './types.ts';

export const VARIABLE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const FORBIDDEN_VARIABLE_NAME = '__proto__';
/** Expressible in JSON Schema (served at /schemas/flow.json), unlike a refinement. */
export const NOT_FORBIDDEN_PATTERN = /^(?!__proto__$)/;
export const FORBIDDEN_NAME_MESSAGE =
  '"__proto__" cannot be a variable name: JSON tools read it as an object\'s prototype, not as a key';

/** `{{name}}` in a template; spaces are allowed inside the braces. */
const PLACEHOLDER_SOURCE = String.raw`\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`;
export const placeholderPattern = () => new RegExp(PLACEHOLDER_SOURCE, 'g');

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `set` keys named `__proto__`, read on the raw document: the schema parser drops such a key from a
 * record before any check could see it.
 */
export function forbiddenSetKeys(document: unknown): FlowProblem[] {
  const blocks = isRecord(document) && Array.isArray(document.blocks) ? document.blocks : [];
  return blocks.flatMap((block, b) =>
    isRecord(block) && isRecord(block.values) && Object.hasOwn(block.values, FORBIDDEN_VARIABLE_NAME)
      ? [{ path: `/blocks/${b}/values/${FORBIDDEN_VARIABLE_NAME}`, message: FORBIDDEN_NAME_MESSAGE }]
      : [],
  );
}

/** Every template of a parsed flow, with its JSON pointer. */
function templatesOf(flow: Flow): { path: string; template: string }[] {
  return flow.blocks.flatMap((block, b) => {
    const at = (field: string, template: string | undefined) =>
      template === undefined ? [] : [{ path: `/blocks/${b}/${field}`, template }];
    switch (block.type) {
      case 'message':
      case 'end':
        return at('text', block.text);
      case 'intent':
        return at('input', block.input);
      case 'set':
        return Object.entries(block.values).flatMap(([name, template]) => at(`values/${name}`, template));
      default:
        return [];
    }
  });
}

/** `{{__proto__}}` in a template: it names a variable that can never hold a value. */
export function forbiddenPlaceholders(flow: Flow): FlowProblem[] {
  return templatesOf(flow).flatMap(({ path, template }) =>
    [...template.matchAll(placeholderPattern())].some((match) => match[1] === FORBIDDEN_VARIABLE_NAME)
      ? [{ path, message: `{{${FORBIDDEN_VARIABLE_NAME}}}: ${FORBIDDEN_NAME_MESSAGE}` }]
      : [],
  );
}
