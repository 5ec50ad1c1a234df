/** The human report's layout where the CLI's tests do not reach: long texts, line breaks, many files. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clip, formatTestReport, REPORT_WIDTH } from '../../src/flow-tests/report.ts';
import type { ConversationOutcome } from '../../src/flow-tests/run.ts';

test('clip cuts at the width, an ellipsis last, counting characters, not UTF-16 units', () => {
  assert.equal(clip('abcdef', 6), 'abcdef');
  assert.equal(clip('abcdefg', 6), 'abcde…');
  assert.equal(clip('👋👋👋', 2), '👋…');
});

test('long texts are cut to the columns, line breaks shown as spaces: every row fits the width', () => {
  const long = `${'very long words '.repeat(10)}end`;
  const conversation: ConversationOutcome = {
    name: 'long',
    path: '/conversations/0',
    passed: false,
    firstDivergence: 0,
    notRun: 0,
    steps: [
      {
        index: 0,
        step: { user: `two\nlines`, bot: [long] },
        observed: {
          bot: [{ text: `${long}!` }],
          classifications: [],
          at: 'ask',
          ended: false,
          vars: {},
          blocks: [],
        },
        mismatches: [
          {
            path: '/conversations/0/steps/0/bot/0',
            expected: JSON.stringify(long),
            actual: JSON.stringify(`${long}!`),
          },
        ],
      },
    ],
  };
  const outcome = { passed: 0, failed: 1, steps: 1, conversations: [conversation] };
  const text = formatTestReport({
    files: [
      { file: 'a.tests.json', flow: 'a.json', outcome },
      { file: 'b.tests.json', flow: 'a.json', outcome },
    ],
    durationMs: 12.4,
  });
  const rows = text.split('\n').filter((line) => line.includes(' │ '));
  assert.equal(rows.length, 6);
  for (const row of rows) assert.ok([...row].length <= REPORT_WIDTH, row);
  assert.ok(rows.includes(`${'     0 user: two lines'.padEnd(52)} │ user: two lines`), text);
  assert.match(text, /\n> {6}bot: "very long words [a-z ]+…\s│ bot: "very long words [a-z ]+…\n/);
  // The pointers keep the whole texts.
  assert.ok(text.includes(`/conversations/0/steps/0/bot/0: expected ${JSON.stringify(long)}, got`));
  assert.match(text, /\n2 conversation\(s\) in 2 files: 0 passed, 2 failed \(2 steps, 12 ms\)\n$/);
});
