/**
 * "Save as test" without a browser: what the chat recorded and the server's history turned into a test
 * conversation (web/src/recording/conversion.ts). The result is checked against the real test-file
 * schema and run through the real engine, so a recording that converts is one that passes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TESTS_SCHEMA_ID } from '../../src/flow-tests/format.ts';
import { prepareFlow } from '../../src/flow-tests/offline.ts';
import { parseTestsDocument } from '../../src/flow-tests/parse.ts';
import {
  downloadName,
  formatTestFile,
  type Recorded,
  type StoredEvent,
  TESTS_SCHEMA,
  testFileOf,
  toTestConversation,
  withConversation,
} from '../../web/src/recording/conversion.ts';
import { loadExample } from '../support/flows.ts';

const GREETING = "Hello, I'm the support assistant. What is your name?";
const MENU = ['Track my order', 'Return an item', 'Talk to a human'];
const ASK_ORDER = 'Please type your order number (digits only).';
const TRACKED = 'Order 12345678 left our warehouse yesterday and should arrive within 2 days.';
const BYE = 'Thanks for contacting us, Ada. Goodbye!';

/** The support-triage flow chatted through: a name typed, a reply clicked, an order typed, "No" clicked. */
const SUPPORT_CHAT: Recorded[] = [
  { kind: 'bot', text: GREETING },
  { kind: 'waiting', blockId: 'ask-name' },
  { kind: 'user', text: 'Ada' },
  { kind: 'bot', text: 'Thanks Ada. What can I help you with?', options: MENU },
  { kind: 'waiting', blockId: 'ask-topic' },
  { kind: 'user', text: 'Track my order', click: true },
  { kind: 'bot', text: ASK_ORDER },
  { kind: 'waiting', blockId: 'wait-order' },
  { kind: 'user', text: '12345678' },
  { kind: 'bot', text: TRACKED },
  { kind: 'bot', text: 'Anything else, Ada?', options: ['Yes', 'No'] },
  { kind: 'waiting', blockId: 'wait-more' },
  { kind: 'user', text: 'No', click: true },
  { kind: 'bot', text: BYE },
  { kind: 'ended' },
];

const user = (text: string): StoredEvent => ({ type: 'message.user', data: { text } });
const detected = (intent: string): StoredEvent => ({
  type: 'intent.detected',
  data: { blockId: 'route', intent, confidence: 1, provider: 'local' },
});
const noMatch: StoredEvent = { type: 'intent.no_match', data: { blockId: 'route', count: 1 } };
const failed: StoredEvent = { type: 'intent.error', data: { blockId: 'route', code: 'TIMEOUT' } };
const noise = (type: string): StoredEvent => ({ type, data: { text: 'not a user message' } });

/** Its history as the server keeps it (the events the conversion does not read included). */
const SUPPORT_HISTORY: StoredEvent[] = [
  noise('conversation.started'),
  noise('message.bot'),
  user('Ada'),
  noise('block.entered'),
  user('Track my order'),
  detected('track'),
  noise('conversation.resumed'),
  user('12345678'),
  user('No'),
  noise('conversation.ended'),
];

const EXPECTED_STEPS = [
  { bot: [GREETING], at: 'ask-name' },
  { user: 'Ada', bot: [{ text: 'Thanks Ada. What can I help you with?', options: MENU }], at: 'ask-topic' },
  { click: 'Track my order', bot: [ASK_ORDER], intent: 'track', at: 'wait-order' },
  {
    user: '12345678',
    bot: [TRACKED, { text: 'Anything else, Ada?', options: ['Yes', 'No'] }],
    at: 'wait-more',
  },
  { click: 'No', bot: [BYE], ended: true },
];

function converted(recorded: Recorded[], events: StoredEvent[] | null, pin = false) {
  const result = toTestConversation(recorded, events, { name: 'Track an order', pin });
  assert.ok(result.ok, result.ok ? '' : result.message);
  return result;
}

describe('toTestConversation', () => {
  test('the opening turn, then one step per user message: typed, clicked, intents, where it waits, the end', () => {
    const { conversation, notes } = converted(SUPPORT_CHAT, SUPPORT_HISTORY);
    assert.deepEqual(conversation, { name: 'Track an order', steps: EXPECTED_STEPS });
    assert.deepEqual(notes, []);
  });

  test('the file is a valid test file, and it passes against the flow it was recorded on', async () => {
    const prepared = await prepareFlow(loadExample('support-triage'));
    for (const pin of [false, true]) {
      const file = testFileOf([converted(SUPPORT_CHAT, SUPPORT_HISTORY, pin).conversation]);
      const parsed = parseTestsDocument(JSON.parse(JSON.stringify(file)));
      assert.ok(parsed.ok, JSON.stringify(parsed));
      const outcome = await prepared.run(parsed.tests);
      assert.deepEqual(
        outcome.conversations.flatMap((c) => c.steps.flatMap((s) => s.mismatches)),
        [],
        `pin: ${pin}`,
      );
      assert.equal(outcome.passed, 1);
      const providers = outcome.conversations[0]?.steps.flatMap((s) =>
        (s.observed?.classifications ?? []).map((c) => c.provider),
      );
      assert.deepEqual(providers, [pin ? 'pinned' : 'local']);
    }
  });

  test('pinning marks only the steps that have an intent', () => {
    const { conversation } = converted(SUPPORT_CHAT, SUPPORT_HISTORY, true);
    assert.deepEqual(
      conversation.steps.map((s) => s.pinned),
      [undefined, undefined, true, undefined, undefined],
    );
  });

  test('a click is a click only on a reply the last bot message offered; typing an option is a user step', () => {
    const recorded: Recorded[] = [
      { kind: 'bot', text: 'Pick', options: ['A', 'B'] },
      { kind: 'waiting', blockId: 'w' },
      { kind: 'user', text: 'A' }, // typed, though offered
      { kind: 'bot', text: 'Again', options: ['A'] },
      { kind: 'bot', text: 'No options on the last one' },
      { kind: 'waiting', blockId: 'w' },
      { kind: 'user', text: 'A', click: true }, // not offered by the last message
      { kind: 'bot', text: 'Pick', options: ['A', 'B'] },
      { kind: 'waiting', blockId: 'w' },
      { kind: 'user', text: 'B', click: true },
    ];
    const { conversation } = converted(recorded, null);
    assert.deepEqual(
      conversation.steps.map((s) => s.user ?? s.click ?? '(opening)'),
      ['(opening)', 'A', 'A', 'B'],
    );
    assert.deepEqual(
      conversation.steps.map((s) => ('click' in s ? 'click' : 'user' in s ? 'user' : '-')),
      ['-', 'user', 'user', 'click'],
    );
  });

  test('intents: a no-match is null, several classifications a list, a failed one none at all', () => {
    const recorded: Recorded[] = [{ kind: 'waiting', blockId: 'w' }];
    for (const text of ['one', 'two', 'three', 'four']) {
      recorded.push(
        { kind: 'user', text },
        { kind: 'bot', text: `re ${text}` },
        { kind: 'waiting', blockId: 'w' },
      );
    }
    const events = [
      user('one'),
      noMatch,
      user('two'),
      detected('weather'),
      noMatch,
      user('three'),
      detected('travel'),
      failed,
      user('four'),
    ];
    const { conversation, notes } = converted(recorded, events, true);
    assert.deepEqual(
      conversation.steps.map((s) => [s.intent, s.pinned]),
      [
        [undefined, undefined],
        [null, true],
        [['weather', null], true],
        [undefined, undefined],
        [undefined, undefined],
      ],
    );
    assert.deepEqual(notes, ['A classification failed during the conversation: that turn checks no intent.']);
  });

  test('without the history there are no intents, and a note says why', () => {
    const { conversation, notes } = converted(SUPPORT_CHAT, null);
    assert.deepEqual(
      conversation.steps.map((s) => s.intent),
      [undefined, undefined, undefined, undefined, undefined],
    );
    assert.match(notes.join(' '), /Without the admin token the intents detected are not included/);
  });

  test('a message the server refused took no turn and is left out', () => {
    const recorded: Recorded[] = [
      { kind: 'bot', text: 'Hi' },
      { kind: 'waiting', blockId: 'w' },
      { kind: 'user', text: 'too fast' },
      { kind: 'unsent' },
      { kind: 'user', text: 'hello' },
      { kind: 'bot', text: 'You said hello' },
      { kind: 'waiting', blockId: 'w' },
    ];
    const { conversation } = converted(recorded, [user('hello')]);
    assert.deepEqual(conversation.steps, [
      { bot: ['Hi'], at: 'w' },
      { user: 'hello', bot: ['You said hello'], at: 'w' },
    ]);
  });

  test('a chat record the history contradicts is not saved', () => {
    const result = toTestConversation(SUPPORT_CHAT, SUPPORT_HISTORY.slice(0, 5), {
      name: 'x',
      pin: false,
    });
    assert.equal(result.ok, false);
    assert.match(
      result.ok ? '' : result.message,
      /The chat saw 4 user message\(s\) and the server's history has 2/,
    );
    const reworded = SUPPORT_HISTORY.map((e) => (e.data.text === 'Ada' ? user('Bob') : e));
    assert.equal(toTestConversation(SUPPORT_CHAT, reworded, { name: 'x', pin: false }).ok, false);
  });

  test('the name is required and bounded, and so is the number of steps', () => {
    const problem = (recorded: Recorded[], name: string) => {
      const result = toTestConversation(recorded, null, { name, pin: false });
      return result.ok ? 'ok' : result.message;
    };
    assert.equal(problem(SUPPORT_CHAT, '  '), 'Give the test a name.');
    assert.equal(problem(SUPPORT_CHAT, 'n'.repeat(201)), 'The name is longer than 200 characters.');
    assert.equal(problem(SUPPORT_CHAT, 'n'.repeat(200)), 'ok');
    const long: Recorded[] = Array.from({ length: 500 }, (_, i) => ({ kind: 'user', text: `m${i}` }));
    assert.match(problem(long, 'long'), /501 turns; a test conversation holds at most 500/);
    assert.equal(problem(long.slice(1), 'long'), 'ok');
  });
});

describe('the test file', () => {
  const one = { name: 'one', steps: [{ bot: ['1'] }] };
  const two = { name: 'two', steps: [{ bot: ['2'] }] };

  test('names the current flow and the schema the server serves', () => {
    assert.equal(TESTS_SCHEMA, TESTS_SCHEMA_ID);
    assert.deepEqual(testFileOf([one]), {
      $schema: TESTS_SCHEMA_ID,
      formatVersion: 1,
      flow: { current: true },
      conversations: [one],
    });
  });

  test('a stored conversation of the same name is replaced in place; another name is added', () => {
    assert.deepEqual(withConversation(null, one), testFileOf([one]));
    const stored = { ...testFileOf([one, two]), flow: 'kept.json' };
    const renewed = { name: 'one', steps: [{ bot: ['new'] }] };
    assert.deepEqual(withConversation(stored, renewed), { ...stored, conversations: [renewed, two] });
    const three = { name: 'three', steps: [{ bot: ['3'] }] };
    assert.deepEqual(withConversation(stored, three).conversations, [one, two, three]);
  });

  test('is downloaded as <name>.tests.json with a name safe for any file system', () => {
    assert.equal(downloadName('Track an order'), 'track-an-order.tests.json');
    assert.equal(downloadName('../../etc/passwd'), 'etc-passwd.tests.json');
    assert.equal(downloadName('  ***  '), 'conversation.tests.json');
    assert.equal(downloadName('Ünïcode: ok?'), 'n-code-ok.tests.json');
  });

  test('is written for people: what fits on a line is on one line, and it parses back to the same file', () => {
    const file = testFileOf([converted(SUPPORT_CHAT, SUPPORT_HISTORY, true).conversation]);
    const text = formatTestFile(file);
    assert.deepEqual(JSON.parse(text), file);
    const lines = text.split('\n');
    assert.ok(lines.includes('  "flow": { "current": true },'), text);
    assert.ok(
      lines.includes('              "options": ["Track my order", "Return an item", "Talk to a human"]'),
      text,
    );
    assert.ok(lines.includes('          "bot": ["Please type your order number (digits only)."],'), text);
    assert.ok(
      lines.includes('            { "text": "Anything else, Ada?", "options": ["Yes", "No"] }'),
      text,
    );
    for (const line of lines) assert.ok(line.length <= 80 || !/[[{]/.test(line.trim().slice(1)), line);
    assert.equal(formatTestFile({ a: [], b: {} }), '{ "a": [], "b": {} }');
    assert.equal(formatTestFile({ long: 'x'.repeat(100) }), `{\n  "long": "${'x'.repeat(100)}"\n}`);
  });
});
