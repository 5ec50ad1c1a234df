import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { validateFlow } from '../../src/flow/validate.ts';
import { examplePath } from '../support/flows.ts';

const valid = () => ({
  formatVersion: 1,
  name: 'test',
  start: 'hello',
  blocks: [
    { id: 'hello', type: 'message', text: 'Hi', next: 'ask' },
    { id: 'ask', type: 'wait', saveAs: 'said', next: 'route' },
    {
      id: 'route',
      type: 'intent',
      intents: [
        { id: 'yes', description: 'agree', next: 'hello' },
        { id: 'no', description: 'disagree', next: 'bye' },
      ],
      noMatch: 'ask',
    },
    { id: 'bye', type: 'end' },
  ],
});

type Doc = ReturnType<typeof valid> & Record<string, unknown>;

function errorsOf(mutate: (doc: Doc) => void) {
  const doc = valid() as Doc;
  mutate(doc);
  const result = validateFlow(doc);
  assert.equal(result.valid, false, 'expected the document to be rejected');
  return result.errors;
}

const paths = (problems: { path: string }[]) => problems.map((p) => p.path).sort();
const block = (doc: Doc, i: number) => doc.blocks[i] as Record<string, unknown>;

describe('validateFlow', () => {
  test('accepts the example flows, without warnings', () => {
    for (const name of ['travel', 'support-triage']) {
      const result = validateFlow(JSON.parse(readFileSync(examplePath(name), 'utf8')));
      assert.deepEqual(result.errors, [], name);
      assert.equal(result.valid, true);
      assert.deepEqual(result.warnings, []);
    }
  });

  test('schema: unknown field at its pointer (typo of next)', () => {
    const errors = errorsOf((doc) => {
      const b = block(doc, 0);
      b.nxt = b.next;
      delete b.next;
    });
    assert.deepEqual(paths(errors), ['/blocks/0/next', '/blocks/0/nxt']);
  });

  test('schema: missing required transitions (next, noMatch)', () => {
    const errors = errorsOf((doc) => {
      delete block(doc, 1).next;
      delete block(doc, 2).noMatch;
    });
    assert.deepEqual(paths(errors), ['/blocks/1/next', '/blocks/2/noMatch']);
    assert.deepEqual(
      errors.map((e) => e.message),
      ['required field missing (expected string)', 'required field missing (expected string)'],
    );
  });

  test('schema: wrong types, bad ids, bad variable names, unknown block type, formatVersion', () => {
    const errors = errorsOf((doc) => {
      doc.formatVersion = 2;
      block(doc, 0).text = 42;
      block(doc, 1).saveAs = '1bad';
      block(doc, 3).id = 'has space';
      doc.blocks.push({ id: 'x', type: 'teleport', next: 'hello' } as never);
    });
    assert.deepEqual(paths(errors), [
      '/blocks/0/text',
      '/blocks/1/saveAs',
      '/blocks/2/intents/1/next', // "bye" was renamed
      '/blocks/3/id',
      '/blocks/4/type',
      '/formatVersion',
    ]);
  });

  test('free-form meta is allowed on the flow and on blocks', () => {
    const doc = valid() as Doc;
    doc.meta = { anything: [1, { deep: true }] };
    block(doc, 0).meta = { color: 'red' };
    assert.equal(validateFlow(doc).valid, true);
  });

  test('duplicate block ids', () => {
    const errors = errorsOf((doc) => {
      block(doc, 3).id = 'ask';
    });
    assert.ok(paths(errors).includes('/blocks/3/id'));
    assert.match(errors.find((e) => e.path === '/blocks/3/id')?.message ?? '', /duplicate block id "ask"/);
  });

  test('duplicate intent ids in a block', () => {
    const errors = errorsOf((doc) => {
      ((block(doc, 2).intents as Record<string, unknown>[])[1] as Record<string, unknown>).id = 'yes';
    });
    assert.deepEqual(paths(errors), ['/blocks/2/intents/1/id']);
  });

  test('dangling start and transitions, each at its pointer', () => {
    const errors = errorsOf((doc) => {
      doc.start = 'nowhere';
      block(doc, 0).next = 'gone';
      const intent = block(doc, 2);
      (intent.intents as Record<string, unknown>[])[0] = { id: 'yes', description: 'agree', next: 'lost' };
      intent.noMatch = 'missing';
      intent.maxNoMatch = 2;
      intent.onMaxNoMatch = 'absent';
      intent.onError = 'void';
      doc.blocks.push({
        id: 'c',
        type: 'condition',
        cases: [{ if: { var: 'said', exists: true }, next: 'x1' }],
        else: 'x2',
      } as never);
    });
    assert.deepEqual(paths(errors), [
      '/blocks/0/next',
      '/blocks/2/intents/0/next',
      '/blocks/2/noMatch',
      '/blocks/2/onError',
      '/blocks/2/onMaxNoMatch',
      '/blocks/4/cases/0/next',
      '/blocks/4/else',
      '/start',
    ]);
  });

  test('maxNoMatch and onMaxNoMatch need each other', () => {
    assert.deepEqual(
      paths(
        errorsOf((doc) => {
          block(doc, 2).maxNoMatch = 3;
        }),
      ),
      ['/blocks/2/onMaxNoMatch'],
    );
    assert.deepEqual(
      paths(
        errorsOf((doc) => {
          block(doc, 2).onMaxNoMatch = 'bye';
        }),
      ),
      ['/blocks/2/maxNoMatch'],
    );
  });

  test('a matches pattern that needs backtracking or does not compile', () => {
    const errors = errorsOf((doc) => {
      doc.blocks.push({
        id: 'c',
        type: 'condition',
        cases: [
          { if: { var: 'said', matches: '(a' }, next: 'bye' },
          {
            if: { any: [{ var: 'said', matches: '(?=x)y' }, { not: { var: 'said', matches: '(a)\\1' } }] },
            next: 'bye',
          },
          { if: { var: 'said', matches: '^[0-9]+$', ignoreCase: true }, next: 'bye' },
        ],
        else: 'bye',
      } as never);
      block(doc, 3).id = 'bye';
      block(doc, 1).next = 'c';
    });
    assert.deepEqual(paths(errors), [
      '/blocks/4/cases/0/if/matches',
      '/blocks/4/cases/1/if/any/0/matches',
      '/blocks/4/cases/1/if/any/1/not/matches',
    ]);
  });

  test('a wait-less cycle through several blocks is an error', () => {
    const errors = errorsOf((doc) => {
      doc.blocks.push(
        { id: 's1', type: 'set', values: { a: '1' }, next: 's2' } as never,
        { id: 's2', type: 'message', text: 'again', next: 's1' } as never,
      );
      block(doc, 0).next = 's1';
    });
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.message ?? '', /cycle without a wait or end block.*s1 → s2/);
    assert.ok(['/blocks/4/next', '/blocks/5/next'].includes(errors[0]?.path ?? ''));
  });

  test('an intent block whose noMatch leads back to itself without a wait is a cycle', () => {
    const errors = errorsOf((doc) => {
      block(doc, 2).noMatch = 'route';
    });
    assert.deepEqual(paths(errors), ['/blocks/2/noMatch']);
  });

  test('a wait-less cycle in unreachable blocks is an error too', () => {
    const errors = errorsOf((doc) => {
      doc.blocks.push({
        id: 'orphan',
        type: 'condition',
        cases: [{ if: { var: 'a', exists: true }, next: 'orphan' }],
        else: 'bye',
      } as never);
    });
    assert.deepEqual(paths(errors), ['/blocks/4/cases/0/next']);
  });

  test('loops through a wait block are fine', () => {
    const result = validateFlow(valid());
    assert.equal(result.valid, true);
  });

  test('unreachable blocks are warnings, not errors', () => {
    const doc = valid() as Doc;
    doc.blocks.push({ id: 'island', type: 'message', text: 'never', next: 'bye' } as never);
    const result = validateFlow(doc);
    assert.equal(result.valid, true);
    assert.deepEqual(result.warnings, [
      { path: '/blocks/4', message: 'block "island" is unreachable from start' },
    ]);
  });

  test('pointers escape ~ and / (RFC 6901)', () => {
    const errors = errorsOf((doc) => {
      block(doc, 0)['a/b~c'] = 1;
    });
    assert.deepEqual(paths(errors), ['/blocks/0/a~1b~0c']);
  });

  test('not an object at all', () => {
    for (const doc of [null, 42, 'flow', [], {}]) {
      const result = validateFlow(doc);
      assert.equal(result.valid, false);
      assert.ok(result.errors.length > 0);
      assert.ok(result.errors.every((e) => typeof e.path === 'string' && typeof e.message === 'string'));
    }
  });
});
