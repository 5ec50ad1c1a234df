/** Validation rules seen through the admin API: the real server answers PUT /api/flow with a located 400. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ENGINE_LIMITS } from '../../src/flow/limits.ts';
import { withTestServer } from '../support/server.ts';
import { flowDocument, messageChain } from './long-flows.ts';

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
});
