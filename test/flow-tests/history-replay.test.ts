/**
 * The lockstep replay that gives the variables of a conversation held by a server: the engine in this
 * process, its classifications answered with the server's history events (data as GET
 * /api/conversations/:id returns them), never by a classifier of its own.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HistoryEvent } from '../../src/engine/index.ts';
import { compileForTests } from '../../src/flow-tests/engine-driver.ts';
import { LockstepReplay, ReplayDivergence } from '../../src/flow-tests/history-replay.ts';
import { SAMPLE_TURN } from '../support/conversations.ts';
import { flowOf } from '../support/flows.ts';
import { ORDERS_FLOW } from '../support/orders-flow.ts';

const compiled = compileForTests(flowOf(ORDERS_FLOW)).compiled;

const entered = (...ids: string[]): HistoryEvent[] =>
  ids.map((blockId) => ({ type: 'block.entered', data: { blockId, blockType: 'message' } }));

const detected = (blockId: string, intent: string): HistoryEvent => ({
  type: 'intent.detected',
  data: {
    blockId,
    intent,
    confidence: 0.62,
    provider: 'openai',
    latencyMs: 5,
    cached: false,
    fallback: false,
  },
});

/** A replay past the opening and the name, at the intent block's wait. */
async function atTheMenu(): Promise<LockstepReplay> {
  const replay = new LockstepReplay(compiled);
  await replay.start(entered('hello', 'ask-name'));
  await replay.send('Ada', entered('greet', 'menu', 'ask'));
  return replay;
}

test("the replay takes the server's answer, not its own: a text about rain detected as travel", async () => {
  const replay = await atTheMenu();
  const vars = await replay.send('will it rain tomorrow', [
    ...entered('route'),
    detected('route', 'travel'),
    ...entered('travel', 'ask'),
  ]);
  assert.deepEqual(vars, {
    name: 'Ada',
    greeting: 'Hello Ada',
    lastMessage: 'will it rain tomorrow',
    request: 'will it rain tomorrow',
    intent: 'travel',
  });
});

test("a no-match and an error from the history send the replay down the server's exits", async () => {
  const replay = await atTheMenu();
  const noMatch = (count: number): HistoryEvent => ({
    type: 'intent.no_match',
    data: { blockId: 'route', count, provider: 'local', confidence: 0.1, latencyMs: 1 },
  });
  // A timeout of the OpenAI provider at the block `route`.
  const error = SAMPLE_TURN.find((event) => event.type === 'intent.error') as HistoryEvent;
  await replay.send('hm', [...entered('route'), noMatch(1), ...entered('not-understood', 'ask')]);
  // An error takes the block's onError exit, and is not counted as a no-match…
  await replay.send('hm?', [...entered('route'), error, ...entered('unavailable', 'ask')]);
  // …so the next no-match is the second in a row, which ends the conversation.
  const vars = await replay.send('hm!', [...entered('route'), noMatch(2), ...entered('bye')]);
  assert.equal(vars.request, 'hm!');
});

test('a replay that leaves the path of the history is an error, not wrong variables', async () => {
  const replay = await atTheMenu();
  await assert.rejects(
    replay.send('weather', [...entered('route'), detected('route', 'weather'), ...entered('travel', 'ask')]),
    (err: Error) => {
      assert.ok(err instanceof ReplayDivergence);
      assert.match(
        err.message,
        /blocks entered here: route → weather → ask; on the server: route → travel → ask/,
      );
      return true;
    },
  );
  await assert.rejects(
    (await atTheMenu()).send('weather', [...entered('route'), detected('elsewhere', 'weather')]),
    /the replay classifies at block "route", the server at "elsewhere"/,
  );
  await assert.rejects(
    (await atTheMenu()).send('weather', entered('route', 'weather', 'ask')),
    /the replay classifies at block "route", the server no more/,
  );
  await assert.rejects(
    new LockstepReplay(compiled).start([...entered('hello', 'ask-name'), detected('route', 'weather')]),
    /1 classification\(s\) left over/,
  );
});
