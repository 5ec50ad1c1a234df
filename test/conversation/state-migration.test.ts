/**
 * The stored conversation state carries a `stateVersion`, and a state stored by older code is migrated
 * when it is loaded. The fixture is a state captured from the code before `stateVersion` existed: the
 * travel flow, waiting at `ask` after one no-match at `route` (two bot messages sent).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { hashToken } from '../../src/conversation/tokens.ts';
import { loadState, STATE_VERSION } from '../../src/engine/index.ts';
import { examplePath } from '../support/flows.ts';
import { type TestServer, withTestServer } from '../support/server.ts';
import { ChatClient, texts } from '../support/ws-client.ts';

const BEFORE_VERSIONS = JSON.parse(
  readFileSync(new URL('./fixtures/state-before-version.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const travel = { defaultFlowPath: examplePath('travel').pathname, env: { INTENT_PROVIDER: 'local' } };
const TOKEN = 'resume-token-of-the-stored-conversation';

/** Stores a conversation with `state` as if an earlier process had written it; returns the resume query. */
async function storeConversation(server: TestServer, id: string, state: unknown): Promise<string> {
  await server.store.createConversation(
    {
      id,
      flowVersion: 1,
      resumeTokenHash: hashToken(TOKEN),
      state,
      status: 'active',
      at: new Date().toISOString(),
    },
    [{ type: 'conversation.started', data: { flowVersion: 1 } }],
  );
  return `?conversationId=${id}&resumeToken=${TOKEN}`;
}

describe('conversation state versions', () => {
  test('a state without stateVersion is migrated to the current version, its data kept', () => {
    const loaded = loadState(BEFORE_VERSIONS);
    assert.ok(loaded.ok);
    const { stateVersion, variables, noMatchCounts, ...rest } = loaded.state;
    const { variables: storedVariables, noMatchCounts: storedCounts, ...storedRest } = BEFORE_VERSIONS;
    assert.equal(stateVersion, STATE_VERSION);
    assert.deepEqual(rest, { ...storedRest, recentMessages: [] });
    assert.deepEqual({ ...variables }, storedVariables);
    assert.deepEqual({ ...noMatchCounts }, storedCounts);
  });

  test('a version 1 state (before the classifier saw the conversation) starts with no recent messages', () => {
    const loaded = loadState({ ...BEFORE_VERSIONS, stateVersion: 1 });
    assert.ok(loaded.ok);
    assert.deepEqual(loaded.state.recentMessages, []);
    assert.equal(loaded.state.messageCount, BEFORE_VERSIONS.messageCount);
  });

  test('a state of an unknown version, or of a shape no version has, is refused with a reason', () => {
    assert.deepEqual(loadState({ ...BEFORE_VERSIONS, stateVersion: STATE_VERSION + 1 }), {
      ok: false,
      error: `no migration from state version ${STATE_VERSION + 1}`,
    });
    const wrongShape = loadState({ ...BEFORE_VERSIONS, phase: 'dancing' });
    assert.equal(wrongShape.ok, false);
    assert.match(wrongShape.ok ? '' : wrongShape.error, /invalid state/);
  });

  test('a conversation stored before stateVersion resumes where it was, and is stored with the version', async () => {
    await withTestServer(travel, async (server) => {
      const id = '2b0e9f4c-5a53-4d61-9d0e-6f1f2b8a7c10';
      const client = await ChatClient.connect(
        server.url,
        await storeConversation(server, id, BEFORE_VERSIONS),
      );
      assert.deepEqual(await client.nth('waiting'), { type: 'waiting', blockId: 'ask' });
      // Its variables and message count were kept: the next bot message is m3 and quotes the new request.
      const reply = await client.say('qqq zzz');
      assert.deepEqual(texts(reply), ['Sorry, I did not understand "qqq zzz". Could you rephrase?']);
      assert.equal(reply.find((frame) => frame.type === 'message')?.id, 'm3');
      // Its no-match count was kept: this is the third in a row, and maxNoMatch is 3.
      const last = await client.say('xyzzy plugh');
      assert.deepEqual(texts(last), ['Let me stop here. Goodbye!']);
      assert.equal(last.at(-1)?.type, 'end');
      const stored = await server.store.getConversation(id);
      assert.equal((stored?.state as { stateVersion?: number } | undefined)?.stateVersion, STATE_VERSION);
      client.close();
    });
  });

  test('a stored state this code cannot read is refused with STORE_UNAVAILABLE, never run', async () => {
    await withTestServer(travel, async (server) => {
      const id = '7d1c2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
      const future = { ...BEFORE_VERSIONS, stateVersion: STATE_VERSION + 1 };
      const client = await ChatClient.connect(server.url, await storeConversation(server, id, future));
      const error = await client.nth('error');
      assert.equal(error.code, 'STORE_UNAVAILABLE');
      assert.equal((await client.waitClosed()).code, 1011);
      assert.equal(client.count('waiting'), 0);
    });
  });
});
