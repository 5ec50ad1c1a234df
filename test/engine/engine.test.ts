import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileFlow } from '../../src/engine/compile.ts';
import { initialState } from '../../src/engine/state.ts';
import { step } from '../../src/engine/step.ts';
import { flowOf, loadExample } from '../support/flows.ts';
import { botTexts, Conversation, match, noMatch, providerError } from './harness.ts';

const linear = flowOf({
  formatVersion: 1,
  name: 'linear',
  start: 'a',
  blocks: [
    { id: 'a', type: 'message', text: 'one', next: 'b' },
    { id: 'b', type: 'message', text: 'two', options: ['x', 'y'], next: 'c' },
    { id: 'c', type: 'message', text: 'three', next: 'w' },
    { id: 'w', type: 'wait', saveAs: 'answer', next: 'd' },
    { id: 'd', type: 'end', text: 'you said {{answer}}' },
  ],
});

describe('engine: linear flows and waiting', () => {
  test('sends every consecutive bot message, in order, then waits', async () => {
    const c = new Conversation(linear);
    const effects = await c.start();
    assert.deepEqual(botTexts(effects), ['one', 'two', 'three']);
    assert.deepEqual(effects.at(-1), { type: 'wait', blockId: 'w' });
    assert.equal(c.state.phase, 'waiting');
    const options = effects.flatMap((e) =>
      e.type === 'history' && e.event.type === 'message.bot' ? [e.event.data.options ?? null] : [],
    );
    assert.deepEqual(options, [null, ['x', 'y'], null]);
  });

  test('history is ordered: started, then block.entered before each message', async () => {
    const c = new Conversation(linear);
    await c.start();
    assert.deepEqual(
      c.history.map((e) => e.type),
      [
        'conversation.started',
        'block.entered',
        'message.bot',
        'block.entered',
        'message.bot',
        'block.entered',
        'message.bot',
        'block.entered',
      ],
    );
    assert.deepEqual(c.history[0], { type: 'conversation.started', data: { flowVersion: 1 } });
    assert.deepEqual(c.history[2], {
      type: 'message.bot',
      data: { messageId: 'm1', blockId: 'a', text: 'one' },
    });
  });

  test('resumes from serialised state across turns and ends', async () => {
    const c = new Conversation(linear);
    await c.start();
    const effects = await c.say('hello');
    assert.deepEqual(botTexts(effects), ['you said hello']);
    assert.deepEqual(effects.at(-1), { type: 'end', reason: 'end_block' });
    assert.equal(c.state.phase, 'ended');
    const ended = c.history.at(-1);
    assert.deepEqual(ended, { type: 'conversation.ended', data: { reason: 'end_block' } });
    const user = c.history.find((e) => e.type === 'message.user');
    assert.deepEqual(user, { type: 'message.user', data: { text: 'hello' } });
  });

  test('refuses events that do not fit the state, as values, leaving it untouched', () => {
    const flow = compileFlow(linear, 1);
    const fresh = initialState(1);
    const early = step(flow, fresh, { type: 'user_message', text: 'hi' });
    assert.equal(early.ok, false);
    assert.equal(!early.ok && early.error.code, 'NOT_WAITING');
    const started = step(flow, fresh, { type: 'start' });
    assert.ok(started.ok);
    assert.deepEqual(fresh, initialState(1), 'step must not mutate its input state');
    const again = step(flow, started.state, { type: 'start' });
    assert.equal(!again.ok && again.error.code, 'ALREADY_STARTED');
    const stray = step(flow, started.state, { type: 'classified', blockId: 'w', result: match('x') });
    assert.equal(!stray.ok && stray.error.code, 'UNEXPECTED_CLASSIFICATION');
    const ended = { ...started.state, phase: 'ended' as const };
    const late = step(flow, ended, { type: 'user_message', text: 'hi' });
    assert.equal(!late.ok && late.error.code, 'CONVERSATION_ENDED');
  });

  test('clientMessageId is recorded on the user message', async () => {
    const c = new Conversation(linear);
    await c.start();
    await c.send({ type: 'user_message', text: 'x', clientMessageId: 'c-1' });
    assert.deepEqual(
      c.history.find((e) => e.type === 'message.user'),
      { type: 'message.user', data: { text: 'x', clientMessageId: 'c-1' } },
    );
  });
});

describe('engine: the travel assistant', () => {
  test('welcome, branch on intents, loop back to the earlier wait block many times', async () => {
    const c = new Conversation(loadExample('travel'));
    assert.deepEqual(botTexts(await c.start()), [
      'Hi! I can give you the weather, travel offers or restaurant tips.',
    ]);
    assert.deepEqual(botTexts(await c.say('weather please')), ['Sunny, 24 °C.']);
    assert.deepEqual(botTexts(await c.say('travel offers?')), ['Lisbon from 89 €.']);
    assert.deepEqual(botTexts(await c.say('weather again')), ['Sunny, 24 °C.']);
    assert.deepEqual(botTexts(await c.say('restaurants')), ['Try Tasca do Chico.']);
    assert.equal(c.state.phase, 'waiting');
    assert.equal(c.state.blockId, 'ask');
    assert.equal(c.state.variables.intent, 'restaurants');
    assert.deepEqual(
      c.requests.map((r) => r.text),
      ['weather please', 'travel offers?', 'weather again', 'restaurants'],
    );
    assert.deepEqual(
      c.requests[0]?.intents.map((i) => i.id),
      ['weather', 'travel', 'restaurants'],
    );
    const detected = c.history.filter((e) => e.type === 'intent.detected');
    assert.equal(detected.length, 4);
    assert.deepEqual(detected[0]?.data, {
      blockId: 'route',
      intent: 'weather',
      confidence: 0.9,
      provider: 'stub',
      latencyMs: 3,
      cached: false,
      fallback: false,
    });
  });

  test('not understood renders the user text; the third consecutive no-match says goodbye', async () => {
    const c = new Conversation(loadExample('travel'));
    await c.start();
    assert.deepEqual(botTexts(await c.say('blah')), [
      'Sorry, I did not understand "blah". Could you rephrase?',
    ]);
    await c.say('blah blah');
    const last = await c.say('still blah');
    assert.deepEqual(botTexts(last), ['Let me stop here. Goodbye!']);
    assert.deepEqual(last.at(-1), { type: 'end', reason: 'end_block' });
    const counts = c.history.flatMap((e) => (e.type === 'intent.no_match' ? [e.data.count] : []));
    assert.deepEqual(counts, [1, 2, 3]);
  });

  test('a match resets the no-match count, which survives loops back into the block', async () => {
    const c = new Conversation(loadExample('travel'));
    await c.start();
    await c.say('blah');
    await c.say('blah');
    assert.equal(c.state.noMatchCounts.route, 2);
    await c.say('weather');
    assert.equal(c.state.noMatchCounts.route, 0);
    await c.say('blah');
    await c.say('blah');
    assert.equal(c.state.phase, 'waiting', 'two no-matches after a match must not end the conversation');
    await c.say('blah');
    assert.equal(c.state.phase, 'ended');
  });

  test('a provider error goes to onError and leaves the no-match count alone', async () => {
    const c = new Conversation(loadExample('travel'));
    await c.start();
    await c.say('blah');
    const effects = await c.say('boom');
    assert.deepEqual(botTexts(effects), ['Sorry, I did not understand "boom". Could you rephrase?']);
    assert.equal(c.state.noMatchCounts.route, 1);
    const error = c.history.find((e) => e.type === 'intent.error');
    assert.deepEqual(error?.data, {
      blockId: 'route',
      provider: 'stub',
      code: 'PROVIDER_TIMEOUT',
      message: 'timed out',
      latencyMs: 3,
    });
  });
});

const intentFlow = (extra: Record<string, unknown>, settings?: unknown) =>
  flowOf({
    formatVersion: 1,
    name: 'intent',
    start: 'ask',
    ...(settings ? { settings } : {}),
    blocks: [
      { id: 'ask', type: 'wait', next: 'route' },
      {
        id: 'route',
        type: 'intent',
        intents: [
          { id: 'yes', description: 'agree', next: 'said-yes' },
          { id: 'no', description: 'disagree', next: 'said-no' },
        ],
        noMatch: 'unclear',
        ...extra,
      },
      { id: 'said-yes', type: 'message', text: 'yes: {{intent}}', next: 'ask' },
      { id: 'said-no', type: 'message', text: 'no: {{intent}}', next: 'ask' },
      { id: 'unclear', type: 'message', text: 'unclear', next: 'ask' },
      { id: 'failed', type: 'message', text: 'failed', next: 'ask' },
    ],
  });

describe('engine: intent semantics', () => {
  test('provider error without onError falls back to noMatch', async () => {
    const c = new Conversation(intentFlow({}), providerError);
    await c.start();
    assert.deepEqual(botTexts(await c.say('anything')), ['unclear']);
    assert.equal(c.state.noMatchCounts.route ?? 0, 0);
  });

  test('provider error with onError goes there', async () => {
    const c = new Conversation(intentFlow({ onError: 'failed' }), providerError);
    await c.start();
    assert.deepEqual(botTexts(await c.say('anything')), ['failed']);
  });

  test('minConfidence: block beats flow settings beats the provider default', async () => {
    const at = (confidence: number) => () => match('yes', confidence);
    const cases: [Record<string, unknown>, unknown, number, string][] = [
      [{}, undefined, 0.49, 'unclear'], // provider default 0.5
      [{}, undefined, 0.5, 'yes: yes'],
      [{}, { intent: { minConfidence: 0.8 } }, 0.7, 'unclear'],
      [{ minConfidence: 0.6 }, { intent: { minConfidence: 0.8 } }, 0.7, 'yes: yes'],
      [{ minConfidence: 0.95 }, undefined, 0.9, 'unclear'],
    ];
    for (const [block, settings, confidence, expected] of cases) {
      const c = new Conversation(intentFlow(block, settings), at(confidence));
      await c.start();
      assert.deepEqual(
        botTexts(await c.say('x')),
        [expected],
        JSON.stringify({ block, settings, confidence }),
      );
    }
  });

  test('a low-confidence match is a no-match with its confidence recorded', async () => {
    const c = new Conversation(intentFlow({}), () => match('yes', 0.2));
    await c.start();
    await c.say('x');
    const event = c.history.find((e) => e.type === 'intent.no_match');
    assert.deepEqual(event?.data, {
      blockId: 'route',
      count: 1,
      provider: 'stub',
      confidence: 0.2,
      latencyMs: 3,
    });
  });

  test('an intent id outside the block, or a confidence outside [0, 1], is a provider error', async () => {
    for (const bad of [match('maybe'), match('yes', 1.5), match('yes', Number.NaN)]) {
      const c = new Conversation(intentFlow({ onError: 'failed' }), () => bad);
      await c.start();
      assert.deepEqual(botTexts(await c.say('x')), ['failed']);
      const event = c.history.find((e) => e.type === 'intent.error');
      assert.equal(event?.type === 'intent.error' && event.data.code, 'PROVIDER_MALFORMED');
    }
  });

  test('maxNoMatch N: the N-th consecutive no-match goes to onMaxNoMatch, then counting starts again', async () => {
    const c = new Conversation(intentFlow({ maxNoMatch: 2, onMaxNoMatch: 'failed' }), () => noMatch());
    await c.start();
    assert.deepEqual(botTexts(await c.say('a')), ['unclear']);
    assert.deepEqual(botTexts(await c.say('b')), ['failed']);
    assert.deepEqual(botTexts(await c.say('c')), ['unclear']);
    assert.deepEqual(botTexts(await c.say('d')), ['failed']);
  });

  test('input template and quick replies reach the classifier', async () => {
    const flow = flowOf({
      formatVersion: 1,
      name: 'input',
      start: 'q',
      blocks: [
        { id: 'q', type: 'message', text: 'pick', options: ['Yes please', 'No'], next: 'ask' },
        { id: 'ask', type: 'wait', saveAs: 'answer', next: 'route' },
        {
          id: 'route',
          type: 'intent',
          input: 'answer: {{answer}}',
          provider: 'local',
          intents: [{ id: 'yes', description: 'agree', examples: ['sure'], next: 'q' }],
          noMatch: 'q',
        },
      ],
    });
    const c = new Conversation(flow, () => noMatch());
    await c.start();
    await c.say('Yes please');
    assert.deepEqual(c.requests[0], {
      flowVersion: 1,
      blockId: 'route',
      text: 'answer: Yes please',
      intents: [{ id: 'yes', description: 'agree', examples: ['sure'] }],
      context: [{ from: 'bot', text: 'pick' }],
      quickReplies: ['Yes please', 'No'],
      provider: 'local',
    });
  });
});

describe('engine: condition, set and templates', () => {
  const flow = flowOf({
    formatVersion: 1,
    name: 'conditions',
    start: 'ask',
    blocks: [
      { id: 'ask', type: 'wait', saveAs: 'x', next: 'check' },
      {
        id: 'check',
        type: 'condition',
        cases: [
          { if: { var: 'x', equals: 'EXACT' }, next: 'is-exact' },
          { if: { var: 'x', equals: 'hello', ignoreCase: true }, next: 'is-hello' },
          { if: { var: 'x', matches: '^[0-9]+$' }, next: 'is-number' },
          {
            if: { all: [{ var: 'x', contains: 'a' }, { not: { var: 'x', contains: 'b' } }] },
            next: 'a-not-b',
          },
          {
            if: {
              any: [
                { var: 'missing', exists: true },
                { var: 'x', contains: 'zz' },
              ],
            },
            next: 'zz',
          },
        ],
        else: 'other',
      },
      { id: 'is-exact', type: 'message', text: 'exact', next: 'ask' },
      { id: 'is-hello', type: 'message', text: 'hello', next: 'ask' },
      { id: 'is-number', type: 'message', text: 'number', next: 'ask' },
      { id: 'a-not-b', type: 'message', text: 'a but not b', next: 'ask' },
      { id: 'zz', type: 'message', text: 'zz', next: 'ask' },
      { id: 'other', type: 'set', values: { y: '<{{x}}|{{nope}}>', x: 'swapped' }, next: 'show' },
      { id: 'show', type: 'message', text: 'y={{y}} x={{ x }} {{lastMessage}}', next: 'ask' },
    ],
  });

  test('each kind of test, first matching case wins, else', async () => {
    const c = new Conversation(flow);
    await c.start();
    const replies: Record<string, string> = {
      EXACT: 'exact',
      exit: 'y=<exit|> x=swapped exit',
      HeLLo: 'hello',
      '12345': 'number',
      '12a': 'a but not b',
      'ab zz': 'zz',
      cat: 'a but not b',
      '{{x}}': 'y=<{{x}}|> x=swapped {{x}}',
    };
    for (const [text, expected] of Object.entries(replies)) {
      assert.deepEqual(botTexts(await c.say(text)), [expected], text);
    }
  });

  test('exists is false for an empty value', async () => {
    const empty = flowOf({
      formatVersion: 1,
      name: 'exists',
      start: 'set',
      blocks: [
        { id: 'set', type: 'set', values: { v: '' }, next: 'c' },
        { id: 'c', type: 'condition', cases: [{ if: { var: 'v', exists: true }, next: 'yes' }], else: 'no' },
        { id: 'yes', type: 'end', text: 'set' },
        { id: 'no', type: 'end', text: 'empty' },
      ],
    });
    const c = new Conversation(empty);
    assert.deepEqual(botTexts(await c.start()), ['empty']);
  });

  test('matches runs in linear time on hostile input (no backtracking)', async () => {
    const redos = flowOf({
      formatVersion: 1,
      name: 'redos',
      start: 'ask',
      blocks: [
        { id: 'ask', type: 'wait', saveAs: 'x', next: 'c' },
        {
          id: 'c',
          type: 'condition',
          cases: [{ if: { var: 'x', matches: '^(a|a)*$' }, next: 'y' }],
          else: 'n',
        },
        { id: 'y', type: 'end', text: 'matched' },
        { id: 'n', type: 'end', text: 'no' },
      ],
    });
    const c = new Conversation(redos);
    await c.start();
    // With a backtracking engine this input would take longer than the test runner allows.
    assert.deepEqual(botTexts(await c.say(`${'a'.repeat(5000)}!`)), ['no']);
  });
});

describe('engine: step guard', () => {
  test('a wait-less loop the validator would reject is stopped by the guard', async () => {
    const looping = {
      formatVersion: 1 as const,
      name: 'loop',
      start: 'a',
      blocks: [
        { id: 'a', type: 'set' as const, values: { n: 'x' }, next: 'b' },
        { id: 'b', type: 'set' as const, values: { n: 'y' }, next: 'a' },
      ],
    };
    const c = new Conversation(looping);
    const effects = await c.start();
    assert.deepEqual(effects.at(-1), { type: 'end', reason: 'step_limit' });
    assert.equal(c.state.phase, 'ended');
  });
});

describe('engine: resume', () => {
  test('re-announces the wait block and records conversation.resumed', async () => {
    const c = new Conversation(loadExample('travel'));
    await c.start();
    const effects = await c.send({ type: 'resume' });
    assert.deepEqual(effects, [
      { type: 'history', event: { type: 'conversation.resumed', data: {} } },
      { type: 'wait', blockId: 'ask' },
    ]);
  });

  test('re-asks a classification that was lost with the process', async () => {
    const flow = compileFlow(loadExample('travel'), 1);
    const started = step(flow, initialState(1), { type: 'start' });
    assert.ok(started.ok);
    const asked = step(flow, started.state, { type: 'user_message', text: 'weather' });
    assert.ok(asked.ok && asked.state.phase === 'classifying');
    const resumed = step(flow, asked.state, { type: 'resume' });
    assert.ok(resumed.ok);
    assert.equal(resumed.effects.at(-1)?.type, 'classify');
    const done = step(flow, resumed.state, {
      type: 'classified',
      blockId: 'route',
      result: match('weather'),
    });
    assert.ok(done.ok);
    assert.deepEqual(botTexts(done.effects), ['Sunny, 24 °C.']);
  });

  test('cannot resume a conversation that never started', () => {
    const result = step(compileFlow(loadExample('travel'), 1), initialState(1), { type: 'resume' });
    assert.equal(!result.ok && result.error.code, 'NOT_STARTED');
  });
});
