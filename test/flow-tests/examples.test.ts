/**
 * The example flows' conversation tests, run as a flow author runs them: `chatflow test
 * examples/*.tests.json` passes, and reaches every block (the one transition no offline run can
 * take is `onError`: the offline classifier does not fail, and a pinned answer is never an error).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { testsJsonSchema } from '../../src/flow-tests/json-schema.ts';
import { runChatflowInProcess } from '../support/cli.ts';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const names = readdirSync(EXAMPLES);
const flows = names.filter((name) => name.endsWith('.json') && !name.endsWith('.tests.json')).sort();
const testFiles = names.filter((name) => name.endsWith('.tests.json')).sort();

test('every example flow has a test file, which names it and validates against the published JSON Schema', () => {
  assert.deepEqual(
    testFiles,
    flows.map((flow) => flow.replace(/\.json$/, '.tests.json')),
  );
  const validate = new Ajv2020({ strict: false }).compile(testsJsonSchema());
  for (const name of testFiles) {
    const document = JSON.parse(readFileSync(join(EXAMPLES, name), 'utf8'));
    assert.equal(document.flow, name.replace(/\.tests\.json$/, '.json'));
    assert.equal(document.$schema, 'https://chatflow.dev/schemas/flow-tests.json');
    assert.ok(validate(document), JSON.stringify(validate.errors));
  }
});

test('chatflow test examples/*.tests.json: every conversation passes, exit 0', async () => {
  const run = await runChatflowInProcess(['test', ...testFiles.map((name) => join(EXAMPLES, name))]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.doesNotMatch(run.stdout, /✗/);
  assert.match(run.stdout, / 0 failed \(/);
});

test('--coverage: every block of the examples is reached, every intent transition but onError taken', async () => {
  const run = await runChatflowInProcess([
    'test',
    '--coverage',
    '--json',
    ...testFiles.map((name) => join(EXAMPLES, name)),
  ]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const { coverage } = JSON.parse(run.stdout);
  assert.deepEqual(
    coverage.map((c: { flow: string }) => c.flow),
    flows.map((flow) => join(EXAMPLES, flow)),
  );
  for (const { flow, blocks, transitions } of coverage) {
    assert.deepEqual(blocks.unreached, [], flow);
    assert.deepEqual(transitions.untaken, [{ block: 'route', exit: 'onError' }], flow);
  }
});
