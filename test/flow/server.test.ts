/**
 * Flow rules seen through the real server: PUT /api/flow answers a located 400, and variables named
 * like Object.prototype members survive a real conversation whose state goes through SQLite.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ENGINE_LIMITS } from '../../src/flow/limits.ts';
import { makeDataDir, withTestServer } from '../support/server.ts';
import { ChatClient, type Frame, texts } from '../support/ws-client.ts';
import { flowDocument, messageChain, NAMES_FLOW } from './fixtures.ts';

describe('PUT /api/flow refuses what the engine cannot run', () => {
  test('a chain of 1,500 message blocks: 400 INVALID_FLOW naming the path, nothing stored', async () => {
    await withTestServer({}, async (server) => {
      const response = await server.api.put('/api/flow', JSON.stringify(flowDocument(messageChain(1_500))));
      assert.equal(response.status, 400);
      assert.equal(response.json.error.code, 'INVALID_FLOW');
      assert.deepEqual(response.json.error.details, [
        {
          path: '/blocks/0',
          message: `1501 blocks in one step, from "m0" to "bye", without a wait or intent block: the engine enters at most ${ENGINE_LIMITS.maxStepsPerTurn} blocks before one must stop the step`,
        },
      ]);
      assert.equal((await server.api.get('/api/flow')).status, 404);

      const fits = await server.api.put('/api/flow', JSON.stringify(flowDocument(messageChain(999))));
      assert.equal(fits.status, 201);
      assert.deepEqual(fits.json.warnings, []);
    });
  });

  test('a variable named "__proto__" (saveAs, a set key): 400 INVALID_FLOW at each pointer', async () => {
    await withTestServer({}, async (server) => {
      const body = `{
        "formatVersion": 1, "name": "proto", "start": "ask",
        "blocks": [
          { "id": "ask", "type": "wait", "saveAs": "__proto__", "next": "keep" },
          { "id": "keep", "type": "set", "values": { "__proto__": "x", "other": "y" }, "next": "bye" },
          { "id": "bye", "type": "end" }
        ]
      }`;
      const response = await server.api.put('/api/flow', body);
      assert.equal(response.status, 400);
      assert.equal(response.json.error.code, 'INVALID_FLOW');
      assert.deepEqual(response.json.error.details.map((d: { path: string }) => d.path).sort(), [
        '/blocks/0/saveAs',
        '/blocks/1/values/__proto__',
      ]);
      assert.equal((await server.api.get('/api/flow')).status, 404);
    });
  });
});

describe('variables named like Object.prototype members, through the real runtime', () => {
  test('toString, constructor and an intent block "constructor" keep their values across a restart', async () => {
    const { dataDir, remove } = await makeDataDir();
    const options = { dataDir, env: { INTENT_PROVIDER: 'local' } };
    try {
      const resume = await withTestServer(options, async (server) => {
        assert.equal((await server.api.put('/api/flow', JSON.stringify(NAMES_FLOW))).status, 201);
        const client = await ChatClient.connect(server.url);
        await client.nth('waiting');
        assert.deepEqual(texts(await client.say('hello')), ['noted hello']);
        assert.deepEqual(texts(await client.say('qwzx vbnm plokij')), ['sorry, qwzx vbnm plokij?']);
        client.close();
        await client.waitClosed();
        return client.frames[0] as Frame;
      });
      // A new process: the conversation state comes back from the SQLite file.
      await withTestServer(options, async (server) => {
        const { conversationId, resumeToken } = resume;
        const client = await ChatClient.connect(
          server.url,
          `?conversationId=${conversationId}&resumeToken=${resumeToken}`,
        );
        await client.nth('waiting');
        assert.deepEqual(texts(await client.say('plokij qwzx')), ['bye; first was hello []']);
        client.close();
      });
    } finally {
      await remove();
    }
  });
});
