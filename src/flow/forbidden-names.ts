/**
 * Where a flow names the forbidden variable `__proto__` (why it is refused: variables.ts). Run by the
 * validator next to the schema, which refuses the name where a field holds one variable name.
 */
import type { Flow, FlowProblem } from './types.ts';
import { FORBIDDEN_NAME_MESSAGE, FORBIDDEN_VARIABLE_NAME, placeholderPattern } from './variables.ts';

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
