/**
 * `chatflow test`: the real command (its entry in this process, one case spawned), real files in a
 * temporary directory, the real engine and offline classifier.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TEST_FILE_LIMITS } from '../../src/flow-tests/limits.ts';
import { REPORT_WIDTH } from '../../src/flow-tests/report.ts';
import { PIZZERIA } from '../flow-tests/pizzeria.ts';
import { runChatflow, runChatflowInProcess } from '../support/cli.ts';
import { INVALID_FLOW } from '../support/flow-texts.ts';

const TRAVEL = fileURLToPath(new URL('../../examples/travel.json', import.meta.url));

type Steps = Record<string, unknown>[];
const conversation = (name: string, steps: Steps) => ({ name, steps });
const testFile = (conversations: ReturnType<typeof conversation>[], flow: unknown = 'pizzeria.json') => ({
  formatVersion: 1,
  flow,
  conversations,
});

/** A pizza order through both intent blocks of one turn. */
const LARGE_PIZZA: Steps = [
  { bot: [{ text: 'Pizza or pasta?', options: ['Pizza', 'Pasta'] }], at: 'ask' },
  {
    user: 'I want a family size pizza',
    intent: ['pizza', 'large'],
    bot: ['One large pizza, coming up.'],
    vars: { order: 'large pizza', choice: 'I want a family size pizza' },
    ended: true,
  },
];

/** A failing conversation's block of the report: its title, column titles, rows (marker, step, expected, actual), pointers. */
function failedConversation(stdout: string, name: string) {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`✗ ${name}  (`));
  assert.ok(start >= 0, `${name} failed:\n${stdout}`);
  const end = lines.findIndex((line, i) => i > start + 2 && !line.includes(' │ '));
  for (const line of lines.slice(start + 1, end)) assert.ok([...line].length <= REPORT_WIDTH, line);
  const rows = lines.slice(start + 3, end).map((line) => {
    const [left = '', actual = ''] = line.split(' │ ');
    return [left.slice(0, 1).trim(), left.slice(2, 6).trim(), left.slice(7).trim(), actual];
  });
  const pointers = lines
    .slice(end)
    .filter((line) => line.startsWith('  /'))
    .map((line) => line.trim());
  return { title: lines[start], columns: lines[start + 1] ?? '', rows, pointers };
}

describe('chatflow test', () => {
  let dir: string;
  const path = (name: string) => join(dir, name);
  /** Writes `content` (JSON unless a string) as `name` in the directory; returns its path. */
  const write = async (name: string, content: unknown) => {
    await writeFile(path(name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return path(name);
  };
  const chatflowTest = (...args: string[]) => runChatflowInProcess(['test', ...args]);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chatflow-test-'));
    await write('pizzeria.json', PIZZERIA);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('passing conversations: one line each, a summary, exit 0', async () => {
    const file = await write(
      'pass.tests.json',
      testFile([
        conversation('large pizza', LARGE_PIZZA),
        conversation('pasta by click', [
          { click: 'Pasta', intent: 'pasta', bot: [{ matches: '^One pasta' }], ended: true },
        ]),
      ]),
    );
    const run = await chatflowTest(file);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(run.stderr, '');
    const lines = run.stdout.split('\n');
    assert.equal(lines[0], `${file} (flow ${path('pizzeria.json')})`);
    assert.deepEqual(lines.slice(1, 3), ['✓ large pizza', '✓ pasta by click']);
    assert.match(run.stdout, /\n2 conversation\(s\) in 1 file: 2 passed, 0 failed \(3 steps, \d+ ms\)\n$/);
  });

  test('test files saved with a byte-order mark are test files, first or after their flow', async () => {
    const tests = JSON.stringify(testFile([conversation('large pizza', LARGE_PIZZA)]));
    const file = await write('bom.tests.json', `\uFEFF${tests}`);
    const other = await write('bom-2.tests.json', `\uFEFF${tests}`);
    for (const args of [[file], [file, other], [path('pizzeria.json'), file]]) {
      const run = await chatflowTest(...args);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /✓ large pizza\n/);
    }
  });

  test('a failing conversation: the transcripts side by side, the first divergence marked, each pointer, exit 1', async () => {
    const file = await write(
      'fail.tests.json',
      testFile([
        conversation('small instead', [
          { user: 'margherita', intent: 'pizza', at: 'ask' },
          { user: 'pasta please' },
        ]),
      ]),
    );
    const run = await chatflowTest(file);
    assert.equal(run.code, 1);
    const failed = failedConversation(run.stdout, 'small instead');
    assert.equal(failed.title, `✗ small instead  (${file} /conversations/0, first divergence at step 0)`);
    assert.match(failed.columns, /^ {2}step expected +│ actual$/);
    assert.deepEqual(failed.rows, [
      ['', '', '', 'bot: "Pizza or pasta?" [Pizza | Pasta]'],
      ['', '0', 'user: margherita', 'user: margherita'],
      ['', '', '', 'bot: "One small pizza, coming up."'],
      ['>', '', 'intent: pizza', 'intent: pizza, (no match)'],
      ['!', '', 'at ask', 'ended'],
      ['!', '1', 'user: pasta please', '(the conversation had ended)'],
    ]);
    assert.deepEqual(failed.pointers, [
      '/conversations/0/steps/0/intent: expected pizza, got pizza, (no match)',
      '/conversations/0/steps/0/at: expected at ask, got ended',
      '/conversations/0/steps/1: expected the user says "pasta please", got the conversation had ended',
    ]);
    assert.match(run.stdout, /1 conversation\(s\) in 1 file: 0 passed, 1 failed \(2 steps, \d+ ms\)\n$/);
  });

  test('--json: the documented shape, the actual transcript of a failing conversation', async () => {
    const file = await write(
      'json.tests.json',
      testFile([
        conversation('large pizza', LARGE_PIZZA),
        conversation('pasta is not pizza', [{ user: 'spaghetti', intent: 'pizza' }]),
      ]),
    );
    const run = await chatflowTest('--json', file);
    assert.equal(run.code, 1);
    const report = JSON.parse(run.stdout);
    assert.deepEqual(Object.keys(report), ['passed', 'failed', 'steps', 'durationMs', 'files']);
    assert.deepEqual([report.passed, report.failed, report.steps], [1, 1, 3]);
    assert.ok(Number.isInteger(report.durationMs));
    const [only, ...others] = report.files;
    assert.deepEqual(others, []);
    assert.equal(only.file, file);
    assert.equal(only.flow, path('pizzeria.json'));
    const [passed, failed] = only.conversations;
    assert.deepEqual(passed, { name: 'large pizza', path: '/conversations/0', passed: true, mismatches: [] });
    const { transcript, ...rest } = failed;
    assert.deepEqual(rest, {
      name: 'pasta is not pizza',
      path: '/conversations/1',
      passed: false,
      firstDivergence: 0,
      mismatches: [{ step: 0, path: '/conversations/1/steps/0/intent', expected: 'pizza', actual: 'pasta' }],
    });
    const [opening, turn] = transcript;
    assert.deepEqual(opening.bot, [{ text: 'Pizza or pasta?', options: ['Pizza', 'Pasta'] }]);
    assert.equal(opening.step, undefined);
    assert.deepEqual(
      {
        ...turn,
        classifications: turn.classifications.map(
          ({ confidence: _, ...c }: object & { confidence: number }) => c,
        ),
      },
      {
        step: 0,
        user: 'spaghetti',
        bot: [{ text: 'One pasta, coming up.' }],
        classifications: [
          { blockId: 'dish', provider: 'local', branch: { intent: 'pasta' }, answer: 'pasta' },
        ],
        at: null,
        ended: true,
        vars: { choice: 'spaghetti', intent: 'pasta', lastMessage: 'spaghetti', order: 'pasta' },
        blocks: ['dish', 'pasta', 'done'],
      },
    );
  });

  test('--coverage: the blocks never entered and the intent transitions never taken, by block, over every file', async () => {
    const pasta = await write(
      'pasta.tests.json',
      testFile([conversation('pasta', [{ click: 'Pasta', ended: true }])]),
    );
    const run = await chatflowTest('--coverage', pasta);
    assert.equal(run.code, 0, run.stdout);
    const coverage = run.stdout.split('\n\n')[1];
    assert.equal(
      coverage,
      [
        `Coverage of ${path('pizzeria.json')}: blocks 5/10 (50%), intent transitions 1/7 (14.3%)`,
        '  blocks never entered: size, large, small, sorry, giveup',
        '  intent transitions never taken:',
        '    dish: intent pizza, noMatch, onMaxNoMatch',
        '    size: intent large, intent small, noMatch',
      ].join('\n'),
    );

    // A second file of the same flow adds what it reaches: one coverage per flow.
    const rest = await write(
      'rest.tests.json',
      testFile([
        conversation('large pizza', LARGE_PIZZA),
        conversation('small pizza, pinned', [{ user: 'tiny', intent: ['pizza', 'small'], pinned: true }]),
        conversation('pizza of no size', [{ user: 'margherita', intent: ['pizza', null] }]),
        conversation('give up', [
          { user: 'something with cheese', intent: null, at: 'ask' },
          { user: 'something else with cheese', intent: null, bot: ['Let us stop here.'], ended: true },
        ]),
      ]),
    );
    const json = await chatflowTest('--coverage', '--json', pasta, rest);
    assert.equal(json.code, 0, json.stdout);
    assert.deepEqual(JSON.parse(json.stdout).coverage, [
      {
        flow: path('pizzeria.json'),
        blocks: { total: 10, reached: 10, percent: 100, unreached: [] },
        transitions: { total: 7, taken: 7, percent: 100, untaken: [] },
      },
    ]);
    const full = await chatflowTest('--coverage', pasta, rest);
    assert.match(full.stdout, /: blocks 10\/10 \(100%\), intent transitions 7\/7 \(100%\)\n\n/);
  });

  test('a pinned intent passes where the offline classifier answers otherwise', async () => {
    const hungry = (pinned: boolean) => ({
      user: "I'm starving",
      intent: 'restaurants',
      ...(pinned ? { pinned } : {}),
      bot: ['Try Tasca do Chico.'],
    });
    // The flow given first is used for every file, whatever the file names.
    const file = await write(
      'hungry.tests.json',
      testFile(
        [conversation('pinned', [hungry(true)]), conversation('classified', [hungry(false)])],
        'nope.json',
      ),
    );
    const run = await chatflowTest(TRAVEL, file);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /\n✓ pinned\n✗ classified {2}\(/);
    assert.deepEqual(failedConversation(run.stdout, 'classified').pointers, [
      `/conversations/1/steps/0/bot/0: expected "Try Tasca do Chico.", got "Sorry, I did not understand \\"I'm starving\\". Could you rephrase?"`,
      '/conversations/1/steps/0/intent: expected restaurants, got (no match)',
    ]);
  });

  test('a click: on a quick reply offered it is sent; on one not offered the conversation stops there', async () => {
    const file = await write(
      'click.tests.json',
      testFile([
        conversation('risotto', [
          { user: 'something with cheese', bot: [{ matches: '^Sorry', options: ['Pizza', 'Pasta'] }] },
          { click: 'Risotto' },
          { click: 'Pasta' },
        ]),
      ]),
    );
    const run = await chatflowTest(file);
    assert.equal(run.code, 1);
    const failed = failedConversation(run.stdout, 'risotto');
    assert.deepEqual(failed.rows.slice(1), [
      ['', '0', 'user: something with cheese', 'user: something with cheese'],
      ['', '', 'bot: /^Sorry/ [Pizza | Pasta]', 'bot: "Sorry, pizza or pasta?" [Pizza | Pasta]'],
      ['', '', '', 'intent: (no match)'],
      ['>', '1', 'click: Risotto', '(offered: "Pizza", "Pasta")'],
    ]);
    assert.match(run.stdout, /\n {6}\(1 more step\(s\) not run\)\n/);
    assert.deepEqual(failed.pointers, [
      '/conversations/0/steps/1/click: expected click "Risotto", got offered: "Pizza", "Pasta"',
    ]);
  });

  test("a first step with no user message checks the bot's opening turn", async () => {
    const file = await write(
      'opening.tests.json',
      testFile([conversation('greeting', [{ bot: ['Hello!'], at: 'ask', ended: false }])]),
    );
    const run = await chatflowTest(file);
    assert.equal(run.code, 1);
    const failed = failedConversation(run.stdout, 'greeting');
    assert.deepEqual(failed.rows, [
      ['>', '0', 'bot: "Hello!"', 'bot: "Pizza or pasta?" [Pizza | Pasta]'],
      ['', '', 'at ask', 'at ask'],
      ['', '', 'not ended', 'not ended'],
    ]);
    assert.deepEqual(failed.pointers, [
      '/conversations/0/steps/0/bot/0: expected "Hello!", got "Pizza or pasta?" [Pizza | Pasta]',
    ]);
  });

  test('vars, at and ended: each mismatch on its row, with its pointer', async () => {
    const file = await write(
      'state.tests.json',
      testFile([
        conversation('state', [
          {
            user: 'spaghetti',
            vars: { choice: 'spaghetti', order: 'pizza', 'a/b': 'x' },
            at: 'ask',
            ended: false,
          },
        ]),
      ]),
    );
    const run = await chatflowTest(file);
    assert.equal(run.code, 1);
    const failed = failedConversation(run.stdout, 'state');
    assert.deepEqual(failed.rows.slice(4), [
      ['', '', 'vars: choice = "spaghetti"', 'vars: choice = "spaghetti"'],
      ['>', '', 'vars: order = "pizza"', 'vars: order = "pasta"'],
      ['!', '', 'vars: a/b = "x"', 'vars: a/b unset'],
      ['!', '', 'at ask', 'ended'],
      ['!', '', 'not ended', 'ended'],
    ]);
    assert.deepEqual(failed.pointers, [
      '/conversations/0/steps/0/vars/order: expected order = "pizza", got order = "pasta"',
      '/conversations/0/steps/0/vars/a~1b: expected a/b = "x", got a/b unset',
      '/conversations/0/steps/0/at: expected at ask, got ended',
      '/conversations/0/steps/0/ended: expected not ended, got ended',
    ]);
  });

  test('intent arrays: one answer per intent block the turn passes, pinned or classified', async () => {
    const file = await write(
      'arrays.tests.json',
      testFile([
        conversation('classified', LARGE_PIZZA),
        conversation('pinned', [
          { user: 'hm', intent: ['pizza', 'small'], pinned: true, vars: { order: 'small pizza' } },
        ]),
        conversation('one too few', [{ user: 'I want a family size pizza', intent: ['pizza'] }]),
      ]),
    );
    const run = await chatflowTest(file);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /\n✓ classified\n✓ pinned\n✗ one too few/);
    assert.deepEqual(failedConversation(run.stdout, 'one too few').pointers, [
      '/conversations/2/steps/0/intent: expected pizza, got pizza, large',
    ]);
  });

  test('bad test files: every problem of every file with its JSON pointer, nothing run, exit 2', async () => {
    const steps = (...list: Steps) => testFile([conversation('a', list)]);
    const valid = steps({ user: 'x' });
    const files = {
      'unknown-field.json': steps({ user: 'x', botx: [] }),
      'wrong-type.json': steps({ user: 5 }),
      'after-end.json': steps({ user: 'x', ended: true }, { user: 'y' }),
      'user-and-click.json': steps({ user: 'x', click: 'y' }),
      'bad-pattern.json': steps({ user: 'x', bot: [{ matches: '(' }] }),
      'unknown-ids.json': steps({ user: 'x', at: 'nowhere', intent: ['pizza', 'pizzza'] }),
      'not-json.json': '{"formatVersion": 1,',
      'too-large.json': JSON.stringify(valid).padEnd(TEST_FILE_LIMITS.maxFileBytes + 1, ' '),
      'same-names.json': testFile([conversation('a', [{ user: 'x' }]), conversation('a', [{ user: 'y' }])]),
      'fine.json': valid,
    };
    const paths = await Promise.all(Object.entries(files).map(([name, content]) => write(name, content)));
    const run = await chatflowTest(path('pizzeria.json'), ...paths);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.deepEqual(run.stderr.split('\n'), [
      `${path('unknown-field.json')}: error /conversations/0/steps/0/botx: unknown field "botx"`,
      `${path('wrong-type.json')}: error /conversations/0/steps/0/user: Invalid input: expected string, received number`,
      `${path('after-end.json')}: error /conversations/0/steps/1: a step after the conversation has ended (/conversations/0/steps/0 expects "ended": true)`,
      `${path('user-and-click.json')}: error /conversations/0/steps/0/click: a step has "user" or "click", not both`,
      `${path('bad-pattern.json')}: error /conversations/0/steps/0/bot/0/matches: pattern does not compile in the linear-time (RE2) engine: error parsing regexp: missing closing ): \`(\``,
      `${path('not-json.json')}: error /: not valid JSON: Expected double-quoted property name in JSON at position 20 (line 1 column 21)`,
      `${path('too-large.json')}: error /: the file has ${TEST_FILE_LIMITS.maxFileBytes + 1} bytes, at most ${TEST_FILE_LIMITS.maxFileBytes}`,
      `${path('same-names.json')}: error /conversations/1/name: the name "a" is taken by /conversations/0`,
      // Checked against the flow once the files are read: block and intent ids it does not have.
      `${path('unknown-ids.json')}: error /conversations/0/steps/0/at: the flow has no block "nowhere"`,
      `${path('unknown-ids.json')}: error /conversations/0/steps/0/intent/1: no intent block of the flow has an intent "pizzza"`,
      '',
    ]);
    // A too large file given first is read as a flow could be, then refused by the test-file limit.
    const first = await chatflowTest(path('too-large.json'), path('fine.json'));
    assert.equal(first.code, 2);
    assert.match(first.stderr, /too-large\.json: error \/: the file has 1048577 bytes, at most 1048576\n/);
  });

  test('the flow: named by each file, relative to it; missing, invalid, or the current flow of a server: exit 2', async () => {
    const named = (flow: unknown) => ({
      formatVersion: 1,
      ...(flow === undefined ? {} : { flow }),
      conversations: [conversation('a', [{ user: 'spaghetti', intent: 'pasta' }])],
    });
    await write('broken-flow.json', INVALID_FLOW);
    const cases: [string, unknown, RegExp][] = [
      ['no-flow.json', undefined, /no-flow\.json: error \/flow: the file names no flow: add "flow"/],
      [
        'missing-flow.json',
        'nope.json',
        /missing-flow\.json: error \/flow: cannot read \S+nope\.json \(ENOENT\)\n/,
      ],
      [
        'current.json',
        { current: true },
        /current\.json: error \/flow: \{"current": true\} is the current flow of a running server: run with --server URL --token T/,
      ],
      [
        'invalid-flow.json',
        'broken-flow.json',
        /broken-flow\.json: error \/blocks\/0\/nxt: unknown field "nxt"\n[\s\S]*broken-flow\.json: invalid \(3 error\(s\)/,
      ],
    ];
    for (const [name, flow, message] of cases) {
      const run = await chatflowTest(await write(name, named(flow)));
      assert.equal(run.code, 2, name);
      assert.match(run.stderr, message, name);
      assert.equal(run.stdout, '', name);
    }
    const ok = await chatflowTest(await write('relative.json', named('pizzeria.json')));
    assert.equal(ok.code, 0, ok.stdout);
  });

  test('usage: no test file, a flow alone, an unknown option, an unreadable file: exit 2; --help: exit 0', async () => {
    for (const args of [
      [],
      [path('pizzeria.json')],
      ['--verbose', path('fine.json')],
      [path('nothing.json')],
    ]) {
      const run = await chatflowTest(...args);
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, /^chatflow: /, args.join(' '));
    }
    const help = await chatflowTest('--help');
    assert.equal(help.code, 0);
    assert.match(
      help.stdout,
      /^Usage: chatflow test \[FLOW\.json\] TESTS\.json\.\.\. \[--json\] \[--coverage\]\n/,
    );
  });

  test('the command spawned as users run it: the report on stdout, exit 1 on a failure', async () => {
    const file = await write(
      'spawned.tests.json',
      testFile([conversation('wrong', [{ user: 'spaghetti', intent: 'pizza' }])]),
    );
    const run = await runChatflow(['test', file]);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, '');
    assert.match(
      run.stdout,
      /\n✗ wrong {2}\([\s\S]*\n {2}\/conversations\/0\/steps\/0\/intent: expected pizza, got pasta\n/,
    );
  });
});
