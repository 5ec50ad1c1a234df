/** Durability across restarts on the same DATA_DIR, the generated admin token, the default flow. */
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ADMIN_TOKEN_FILE } from '../../src/http/admin-token.ts';
import { playAndEnd, seedConversations } from '../support/conversations.ts';
import { flowText } from '../support/flow-texts.ts';
import { ApiClient, makeDataDir, startTestServer } from '../support/server.ts';

describe('restart on the same DATA_DIR', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  test('keeps versions, the current pointer and conversations', async () => {
    const { dataDir, remove } = await makeDataDir();
    cleanups.push(remove);
    const first = await startTestServer({ dataDir });
    const v1 = flowText('One');
    const v2 = flowText('Two');
    await first.api.put('/api/flow', v1);
    await first.api.put('/api/flow', v2);
    await first.api.post('/api/flow/versions/1/activate');
    const [id] = await seedConversations(first.store, 1);
    await playAndEnd(first.store, id as string, 50);
    const historyBefore = (await first.api.get(`/api/conversations/${id}`)).json;
    await first.stop();

    const second = await startTestServer({ dataDir });
    try {
      const versions = (await second.api.get('/api/flow/versions')).json;
      assert.equal(versions.current, 1);
      assert.deepEqual(
        versions.versions.map((v: { version: number }) => v.version),
        [2, 1],
      );
      assert.equal((await second.api.get('/api/flow')).text, v1);
      assert.equal((await second.api.get('/api/flow/versions/2')).text, v2);
      assert.deepEqual((await second.api.get(`/api/conversations/${id}`)).json, historyBefore);
      const next = await second.api.put('/api/flow', flowText('Three'), { headers: { 'If-Match': '"1"' } });
      assert.equal(next.json.version, 3, 'numbering continues');
    } finally {
      await second.stop();
    }
  });

  test('without ADMIN_TOKEN a token is generated once, kept 0600 in DATA_DIR, and reused', async () => {
    const { dataDir, remove } = await makeDataDir();
    cleanups.push(remove);
    const env = { ADMIN_TOKEN: '' };
    const first = await startTestServer({ dataDir, env });
    const token = first.adminToken;
    assert.match(token, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
    const path = join(dataDir, ADMIN_TOKEN_FILE);
    assert.equal((await readFile(path, 'utf8')).trim(), token);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await first.api.get('/api/flow/versions')).status, 200);
    await first.stop();

    const second = await startTestServer({ dataDir, env });
    try {
      assert.equal(second.adminToken, token);
      const client = new ApiClient(second.url, token);
      assert.equal((await client.get('/api/flow/versions')).status, 200);
    } finally {
      await second.stop();
    }
  });

  test('ADMIN_TOKEN wins over a stored token', async () => {
    const { dataDir, remove } = await makeDataDir();
    cleanups.push(remove);
    await writeFile(join(dataDir, ADMIN_TOKEN_FILE), 'stored-token-value\n', { mode: 0o600 });
    const server = await startTestServer({
      dataDir,
      env: { ADMIN_TOKEN: 'from-the-environment-0123456789abcdef' },
    });
    try {
      assert.equal((await server.api.get('/api/flow/versions', { token: 'stored-token-value' })).status, 401);
      assert.equal(
        (await server.api.get('/api/flow/versions', { token: 'from-the-environment-0123456789abcdef' }))
          .status,
        200,
      );
    } finally {
      await server.stop();
    }
  });

  test('an empty store gets the default flow as version 1, once', async () => {
    const { dataDir, remove } = await makeDataDir();
    cleanups.push(remove);
    const defaultFlowPath = join(dataDir, 'default-flow.json');
    const text = flowText('Built-in');
    await writeFile(defaultFlowPath, text);
    const activated: number[] = [];
    const first = await startTestServer({
      dataDir,
      defaultFlowPath,
      onFlowActivated: (v) => void activated.push(v),
    });
    assert.equal((await first.api.get('/api/flow')).text, text);
    assert.deepEqual(activated, [1]);
    await first.stop();

    const second = await startTestServer({ dataDir, defaultFlowPath });
    try {
      const versions = (await second.api.get('/api/flow/versions')).json;
      assert.deepEqual(versions.versions.length, 1, 'not installed again');
    } finally {
      await second.stop();
    }
  });
});
