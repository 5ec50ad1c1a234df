/**
 * Variable names and placeholders. A leaf of flow/ (the schema imports it); the checks that walk a
 * document for forbidden names are in forbidden-names.ts.
 *
 * `__proto__` is refused wherever a variable is named: JSON tooling reads that key as an object's
 * prototype link rather than as data (the schema parser silently drops it from a `set` block's
 * `values`, and `object[name] = value` changes the prototype instead of storing the value), so such a
 * variable would silently stay empty. The other names of Object.prototype members (`constructor`,
 * `toString`, …) are ordinary variables: the engine keeps variables in prototype-less maps.
 */
export const VARIABLE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const FORBIDDEN_VARIABLE_NAME = '__proto__';
/** Expressible in JSON Schema (served at /schemas/flow.json), unlike a refinement. */
export const NOT_FORBIDDEN_PATTERN = /^(?!__proto__$)/;
export const FORBIDDEN_NAME_MESSAGE =
  '"__proto__" cannot be a variable name: JSON tools read it as an object\'s prototype, not as a key';

/** `{{name}}` in a template; spaces are allowed inside the braces. */
const PLACEHOLDER_SOURCE = String.raw`\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`;
export const placeholderPattern = () => new RegExp(PLACEHOLDER_SOURCE, 'g');
