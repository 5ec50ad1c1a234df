/** `chatflow eval`, spawned as users run it: the real command, the real classifiers, a fake OpenAI server. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { evalCommand, mapBounded } from '../../src/cli/eval.ts';
import { USAGE } from '../../src/cli/run.ts';
import { type CliRun, runChatflow, runChatflowInProcess } from '../support/cli.ts';
import { answer, classifiedText, FakeOpenAi, HANG } from '../support/fake-openai.ts';

const FLOW = fileURLToPath(new URL('./fixtures/eval-flow.json', import.meta.url));
const chatflow = runChatflow;

/**
 * `chatflow eval` in this process with exactly `env` (as the spawned runs get PATH and `env` only): for
 * the cases that need no process of their own; each describe keeps a spawned run for the wiring.
 */
async function evalInProcess(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = {
    stdout: (text: string) => {
      stdout += text;
    },
    stderr: (text: string) => {
      stderr += text;
    },
  };
  const code = await evalCommand(args, out, USAGE.eval, env);
  return { code, stdout, stderr };
}

const csv = (...rows: string[]) => `text,intent\n${rows.join('\n')}\n`;

let dir: string;
const file = (name: string) => join(dir, name);
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chatflow-eval-'));
});
after(() => rm(dir, { recursive: true, force: true }));

describe('chatflow eval with the offline classifier', () => {
  const evalOffline = async (name: string, data: string, ...options: string[]) => {
    await writeFile(file(name), data);
    return chatflow(['eval', FLOW, '--block', 'route', file(name), ...options]);
  };

  test('texts of the examples and gibberish: exact figures, a mislabelled text is the one confusion', async () => {
    const run = await evalOffline(
      'offline.csv',
      csv(
        'will it rain tomorrow,weather',
        '"weather\nforecast",weather',
        'book a table,booking',
        'reserve a table for two,weather', // mislabelled on purpose: the classifier says booking
        'qwzx vbnm plokij,',
      ),
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /^# Block "route" of .*eval-flow\.json\n\n5 texts: 4 with an intent, 1 with none\.\n/,
    );
    assert.match(run.stdout, /\nProvider: local\. Threshold: 0\.40 \(the local provider's default\)\.\n/);
    assert.match(run.stdout, /\nAccuracy at 0\.40: 4\/5 \(80%\)\n/);
    assert.ok(
      run.stdout.includes(
        [
          '| intent     | precision  | recall      |',
          '| ---------- | ---------- | ----------- |',
          '| weather    | 2/2 (100%) | 2/3 (66.7%) |',
          '| booking    | 1/2 (50%)  | 1/1 (100%)  |',
          '| (no match) | 1/1 (100%) | 1/1 (100%)  |',
        ].join('\n'),
      ),
      run.stdout,
    );
    assert.ok(
      run.stdout.includes(
        [
          '| expected | got     | count |',
          '| -------- | ------- | ----- |',
          '| weather  | booking | 1     |',
        ].join('\n'),
      ),
      run.stdout,
    );
    assert.match(run.stdout, /## Threshold curve\n/);
    assert.match(run.stdout, /\nChosen threshold: \d\.\d\d, /);
  });

  test('--json: the same figures, and every text with its answer', async () => {
    const run = await evalOffline(
      'json.csv',
      csv('"is it sunny today, or ""cold""?",weather', 'make a reservation,booking', 'qwzx vbnm plokij,'),
      '--json',
    );
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.provider, 'local');
    assert.equal(report.threshold, 0.4);
    assert.deepEqual(report.accuracy, { count: 3, of: 3 });
    assert.deepEqual(report.confusions, []);
    assert.equal(report.curve.length, 20);
    assert.deepEqual(
      report.answers.map((a: { text: string; expected: string; got: string }) => [a.text, a.expected, a.got]),
      [
        ['is it sunny today, or "cold"?', 'weather', 'weather'],
        ['make a reservation', 'booking', 'booking'],
        ['qwzx vbnm plokij', '(no match)', '(no match)'],
      ],
    );
  });

  test('the threshold is the block’s minConfidence, else the flow’s', async () => {
    const flow = JSON.parse(await readFile(FLOW, 'utf8'));
    flow.settings = { intent: { minConfidence: 0.7 } };
    await writeFile(file('flow-setting.json'), JSON.stringify(flow));
    flow.blocks[2].minConfidence = 0.625;
    await writeFile(file('block-setting.json'), JSON.stringify(flow));
    await writeFile(file('one.csv'), csv('book a table,booking'));
    const fromFlow = await evalInProcess([file('flow-setting.json'), '--block', 'route', file('one.csv')]);
    assert.equal(fromFlow.code, 0, fromFlow.stderr);
    assert.match(fromFlow.stdout, /Threshold: 0\.70 \(the flow's settings\.intent\.minConfidence\)\./);
    const fromBlock = await evalInProcess([file('block-setting.json'), '--block', 'route', file('one.csv')]);
    assert.match(fromBlock.stdout, /Threshold: 0\.625 \(the block's minConfidence\)\./);
    assert.match(fromBlock.stdout, /Accuracy at 0\.625: 1\/1 \(100%\)/);
  });
});

describe('chatflow eval refuses what it cannot evaluate', () => {
  const check = (run: CliRun, code: number, message: RegExp) => {
    assert.equal(run.code, code, `${run.stdout}${run.stderr}`);
    assert.match(run.stderr, message);
    assert.equal(run.stdout, '');
  };
  const spawned = async (args: string[], code: number, message: RegExp) =>
    check(await chatflow(['eval', ...args]), code, message);
  const refused = async (args: string[], code: number, message: RegExp) =>
    check(await runChatflowInProcess(['eval', ...args]), code, message);
  const withData = async (name: string, data: string, message: RegExp) => {
    await writeFile(file(name), data);
    await refused([FLOW, '--block', 'route', file(name)], 2, message);
  };

  test('usage: no --block, a missing file, a missing argument, an unknown option: exit 2', async () => {
    await writeFile(file('ok.csv'), csv('book a table,booking'));
    await spawned([FLOW, file('ok.csv')], 2, /eval needs --block <id>/);
    await refused([FLOW, '--block', 'route'], 2, /eval takes a flow file and a data file/);
    await refused([FLOW, '--block', 'route', file('nope.csv')], 2, /cannot read .*nope\.csv \(ENOENT\)/);
    await refused([FLOW, '--block', 'route', '--nope', file('ok.csv')], 2, /Unknown option '--nope'/);
  });

  test('an invalid flow: the validation report, exit 1', async () => {
    await writeFile(file('broken.json'), '{"formatVersion": 1,');
    await writeFile(file('ok.csv'), csv('book a table,booking'));
    await refused(
      [file('broken.json'), '--block', 'route', file('ok.csv')],
      1,
      /broken\.json: error \/: not valid JSON/,
    );
  });

  test('a block that is missing or not an intent block: exit 2', async () => {
    await writeFile(file('ok.csv'), csv('book a table,booking'));
    await refused(
      [FLOW, '--block', 'nope', file('ok.csv')],
      2,
      /the flow has no block "nope" \(its intent blocks: route\)/,
    );
    await refused(
      [FLOW, '--block', 'ask', file('ok.csv')],
      2,
      /block "ask" is a message block, not an intent block/,
    );
  });

  test('an intent the block does not have, with its line: exit 2', async () => {
    await withData(
      'unknown.csv',
      csv('book a table,booking', 'hello,greeting'),
      /unknown\.csv: line 3: "greeting" is not an intent of the block \(its intents: weather, booking;/,
    );
  });

  test('malformed CSV: the header, quotes, field counts, empty texts, each with its line: exit 2', async () => {
    await withData(
      'header.csv',
      'sentence,label\nhi,weather\n',
      /header\.csv: line 1: the header row must be "text,intent"/,
    );
    await withData(
      'open.csv',
      csv('book a table,booking', '"never closed,booking'),
      /open\.csv: line 3: a quoted field is not closed/,
    );
    await withData(
      'stray.csv',
      csv('say "hi",booking'),
      /stray\.csv: line 2: a quote inside an unquoted field/,
    );
    await withData('after.csv', csv('"hi" there,booking'), /after\.csv: line 2: text after a closing quote/);
    await withData('fields.csv', csv('a,b,booking'), /fields\.csv: line 2: 3 field\(s\), expected 2/);
    await withData('empty-text.csv', csv(' ,booking'), /empty-text\.csv: line 2: the text is empty/);
    await withData('no-rows.csv', 'text,intent\n', /no-rows\.csv: no rows after the header/);
    // A quoted line break counts: the bad record after it is on line 4.
    await withData('lines.csv', csv('"two\nlines",weather', 'x,y,z'), /lines\.csv: line 4: 3 field\(s\)/);
  });

  test('too large: the file, the rows, a text: exit 2', async () => {
    await withData(
      'big.csv',
      `text,intent\n${'a'.repeat(5 * 1024 * 1024)}\n`,
      /big\.csv is too large: 5242893 bytes, at most 5242880/,
    );
    await withData(
      'rows.csv',
      csv(...Array.from({ length: 10_001 }, () => 'book a table,booking')),
      /rows\.csv: 10001 rows, at most 10000/,
    );
    await withData(
      'long.csv',
      csv(`${'é'.repeat(4_001)},booking`),
      /long\.csv: line 2: the text has 4001 characters, at most 4000/,
    );
  });
});

describe('chatflow eval with OpenAI (a fake server, through OPENAI_BASE_URL)', () => {
  let fake: FakeOpenAi;
  before(async () => {
    fake = await FakeOpenAi.start();
  });
  after(() => fake.close());

  /** What the fake model answers for each text: [intent, confidence], or HANG. */
  const ANSWERS: Record<string, [string, number] | typeof HANG> = {
    'is it going to rain': ['weather', 0.92],
    'sunny at the weekend?': ['weather', 0.47],
    'table for four please': ['booking', 0.83],
    'dinner reservation friday': ['weather', 0.62],
    'tell me a joke': ['booking', 0.33],
    'what is the capital of France': ['weather', 0.72],
    'book a table': ['weather', 0.99],
    'this one hangs': HANG,
  };
  const respond = () =>
    fake.respondWith((request) => {
      const text = classifiedText(request);
      const reply = ANSWERS[text];
      assert.ok(reply, `a known text: ${text}`);
      return Array.isArray(reply) ? answer(reply[0], reply[1]) : reply;
    });
  const env = (provider: string, extra: Record<string, string> = {}) => ({
    OPENAI_API_KEY: 'test-key',
    OPENAI_BASE_URL: fake.baseURL,
    INTENT_PROVIDER: provider,
    ...extra,
  });
  const SIX = csv(
    'is it going to rain,weather',
    'sunny at the weekend?,weather',
    'table for four please,booking',
    'dinner reservation friday,booking',
    'tell me a joke,',
    'what is the capital of France,',
  );

  test('INTENT_PROVIDER=openai: every text asked of the model; the whole report, figures by hand', async () => {
    fake.reset();
    respond();
    await writeFile(file('six.csv'), SIX);
    const run = await chatflow(['eval', FLOW, '--block', 'route', file('six.csv')], env('openai'));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(fake.requests.length, 6);
    assert.equal(
      run.stdout,
      `# Block "route" of ${FLOW}

6 texts: 4 with an intent, 2 with none.
Provider: openai. Threshold: 0.50 (the openai provider's default).

Accuracy at 0.50: 3/6 (50%)

## Per intent

| intent     | precision   | recall    |
| ---------- | ----------- | --------- |
| weather    | 1/3 (33.3%) | 1/2 (50%) |
| booking    | 1/1 (100%)  | 1/2 (50%) |
| (no match) | 1/2 (50%)   | 1/2 (50%) |

## Costliest confusions

| expected   | got        | count |
| ---------- | ---------- | ----- |
| (no match) | weather    | 1     |
| booking    | weather    | 1     |
| weather    | (no match) | 1     |

## Threshold curve

Right answers and no-matches if every answer were held to the threshold:

| threshold | right       | rejected    |
| --------- | ----------- | ----------- |
| 0.00–0.30 | 3/6 (50%)   | 0/6 (0%)    |
| 0.35–0.45 | 4/6 (66.7%) | 1/6 (16.7%) |
| 0.50–0.60 | 3/6 (50%)   | 2/6 (33.3%) |
| 0.65–0.70 | 3/6 (50%)   | 3/6 (50%)   |
| 0.75–0.80 | 4/6 (66.7%) | 4/6 (66.7%) |
| 0.85–0.90 | 3/6 (50%)   | 5/6 (83.3%) |
| 0.95      | 2/6 (33.3%) | 6/6 (100%)  |

Chosen threshold: 0.35, 4/6 (66.7%) right (at 0.50: 3/6 (50%)).
`,
    );
  });

  test('auto with a key: an example typed exactly is a certain match, not asked of the model', async () => {
    fake.reset();
    respond();
    await writeFile(file('auto.csv'), csv('book a table,booking', 'is it going to rain,weather'));
    const run = await evalInProcess([FLOW, '--block', 'route', file('auto.csv'), '--json'], env('auto'));
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(fake.requests.map(classifiedText), ['is it going to rain']);
    const report = JSON.parse(run.stdout);
    assert.equal(report.provider, 'openai');
    assert.deepEqual(
      report.answers.map((a: { got: string; confidence: number }) => [a.got, a.confidence]),
      [
        ['booking', 1],
        ['weather', 0.92],
      ],
    );
  });

  test('the block’s provider wins over INTENT_PROVIDER: local, so the model is not asked', async () => {
    fake.reset();
    respond();
    const flow = JSON.parse(await readFile(FLOW, 'utf8'));
    flow.blocks[2].provider = 'local';
    await writeFile(file('local-block.json'), JSON.stringify(flow));
    await writeFile(file('local.csv'), csv('is it going to rain,weather'));
    const run = await evalInProcess(
      [file('local-block.json'), '--block', 'route', file('local.csv')],
      env('openai'),
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Provider: local\. Threshold: 0\.40/);
    assert.equal(fake.requests.length, 0);
  });

  test('the server’s deadline: a hung model is a PROVIDER_TIMEOUT, counted wrong, exit 1', async () => {
    fake.reset();
    respond();
    await writeFile(file('hang.csv'), csv('this one hangs,weather', 'is it going to rain,weather'));
    const run = await evalInProcess(
      [FLOW, '--block', 'route', file('hang.csv'), '--json'],
      env('openai', { INTENT_TIMEOUT_MS: '300' }),
    );
    assert.equal(run.code, 1, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.errors, 1);
    assert.deepEqual(report.accuracy, { count: 1, of: 2 });
    assert.deepEqual(report.answers[0], {
      text: 'this one hangs',
      expected: 'weather',
      got: '(error)',
      provider: 'openai',
      error: 'PROVIDER_TIMEOUT',
    });
    assert.equal(report.scored, 1);
  });

  test('auto: OpenAI failing, the offline classifier answers, and the report says so', async () => {
    fake.reset();
    fake.respondWith(() => ({ status: 400, body: { error: { message: 'bad request' } } }));
    await writeFile(file('fallback.csv'), csv('is it going to rain,weather'));
    const run = await evalInProcess([FLOW, '--block', 'route', file('fallback.csv')], env('auto'));
    assert.equal(run.code, 0, run.stderr);
    assert.ok(fake.requests.length > 0, 'OpenAI was asked first');
    assert.match(
      run.stdout,
      /\n1 answer\(s\) came from the offline classifier, because OpenAI failed \(fallback\)\.\n/,
    );
  });

  test('the block asks for openai without a key: exit 2 before anything is classified', async () => {
    await writeFile(file('ok.csv'), csv('book a table,booking'));
    const run = await evalInProcess([FLOW, '--block', 'route', file('ok.csv')], {
      INTENT_PROVIDER: 'openai',
    });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /block "route" asks for the openai provider, but OPENAI_API_KEY is not set/);
  });
});

test('classifications run at most `limit` at a time, results in order', async () => {
  let inFlight = 0;
  let most = 0;
  const results = await mapBounded([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    inFlight--;
    return n * 10;
  });
  assert.deepEqual(results, [10, 20, 30, 40, 50, 60, 70]);
  assert.equal(most, 3);
});
