/**
 * `__proto__` is refused wherever a flow names a variable (the schema parser would drop it from a
 * `set` block, and a plain object would take it as its prototype); the other names of Object.prototype
 * members are ordinary variables (test/engine/variable-names.test.ts runs them).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { flowJsonSchema } from '../../src/flow/json-schema.ts';
import { validateFlow } from '../../src/flow/validate.ts';

const MESSAGE =
  '"__proto__" cannot be a variable name: JSON tools read it as an object\'s prototype, not as a key';

/** A flow naming `name` as a variable in every place a flow can: saveAs, set, condition, templates. */
const flowNaming = (name: string) =>
  JSON.parse(`{
    "formatVersion": 1, "name": "names", "start": "ask",
    "blocks": [
      { "id": "ask", "type": "wait", "saveAs": "${name}", "next": "keep" },
      { "id": "keep", "type": "set", "values": { "${name}": "[{{ ${name} }}]" }, "next": "check" },
      { "id": "check", "type": "condition", "cases": [{ "if": { "var": "${name}", "exists": true }, "next": "say" }], "else": "ask" },
      { "id": "say", "type": "message", "text": "you said {{${name}}}", "next": "route" },
      { "id": "route", "type": "intent", "input": "{{${name}}}", "intents": [{ "id": "x", "description": "x", "next": "bye" }], "noMatch": "ask" },
      { "id": "bye", "type": "end", "text": "bye {{${name}}}" }
    ]
  }`);

describe('validateFlow: variable names', () => {
  test('"__proto__" is refused at each place it names a variable, with a pointer', () => {
    const result = validateFlow(flowNaming('__proto__'));
    assert.equal(result.valid, false);
    assert.deepEqual(
      result.errors.map((e) => e.path).sort(),
      ['/blocks/0/saveAs', '/blocks/1/values/__proto__', '/blocks/2/cases/0/if/var'].sort(),
    );
    for (const error of result.errors) assert.equal(error.message, MESSAGE, error.path);
  });

  test('"{{__proto__}}" in a template is refused at the template', () => {
    const document = flowNaming('said');
    document.blocks[3].text = 'you said {{ __proto__ }}';
    document.blocks[1].values.other = '{{__proto__}}!';
    const result = validateFlow(document);
    assert.deepEqual(
      result.errors.map((e) => e.path),
      ['/blocks/1/values/other', '/blocks/3/text'],
    );
    assert.equal(result.errors[0]?.message, `{{__proto__}}: ${MESSAGE}`);
  });

  test('names of other Object.prototype members are ordinary variable names', () => {
    const names = Object.getOwnPropertyNames(Object.prototype).filter((n) => n !== '__proto__');
    assert.ok(
      names.includes('constructor') && names.includes('toString') && names.includes('hasOwnProperty'),
    );
    for (const name of names) {
      const result = validateFlow(flowNaming(name));
      assert.deepEqual(result.errors, [], name);
      assert.equal(result.valid, true);
    }
  });

  test('a bad set key says why', () => {
    const result = validateFlow(flowNaming('ok'));
    assert.equal(result.valid, true);
    const document = flowNaming('ok');
    document.blocks[1].values = { '1st': 'x' };
    const refused = validateFlow(document);
    assert.deepEqual(refused.errors, [
      { path: '/blocks/1/values/1st', message: 'invalid name: must match ^[A-Za-z_][A-Za-z0-9_]*$' },
    ]);
  });

  test('the JSON Schema refuses "__proto__" too', () => {
    assert.ok(JSON.stringify(flowJsonSchema()).includes(JSON.stringify('^(?!__proto__$)')));
  });
});
