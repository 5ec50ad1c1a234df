import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flowJsonSchema } from '../../src/flow/json-schema.ts';

test('the JSON Schema is generated from the zod schema: strict blocks, all six types, id pattern', () => {
  const schema = flowJsonSchema();
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  const text = JSON.stringify(schema);
  for (const type of ['message', 'wait', 'intent', 'condition', 'set', 'end'])
    assert.ok(text.includes(`"const":"${type}"`), type);
  assert.ok(text.includes('"additionalProperties":false'));
  assert.ok(text.includes('^[A-Za-z0-9_.:-]{1,64}$'));
  assert.deepEqual((schema.required as string[]).sort(), ['blocks', 'formatVersion', 'name', 'start']);
});
