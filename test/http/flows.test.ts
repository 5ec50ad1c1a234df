import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bigFlowText, flowText, INVALID_FLOW } from '../support/flow-texts.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('flow endpoints', () => {
  let server: TestServer;
  const activated: number[] = [];

  before(async () => {
    server = await startTestServer({ onFlowActivated: (version) => void activated.push(version) });
  });
  after(() => server.stop());

  test('an empty store has no current flow and no versions', async () => {
    const current = await server.api.get('/api/flow');
    assert.equal(current.status, 404);
    assert.equal(current.json.error.code, 'NOT_FOUND');
    const versions = await server.api.get('/api/flow/versions');
    assert.deepEqual(versions.json, { current: null, versions: [] });
  });

  test('upload, read back byte for byte, version, roll back', async () => {
    const first = flowText('First');
    const put1 = await server.api.put('/api/flow', first);
    assert.equal(put1.status, 201);
    assert.equal(put1.json.version, 1);
    assert.deepEqual(put1.json.warnings, []);
    assert.ok(!Number.isNaN(Date.parse(put1.json.createdAt)));
    assert.equal(put1.headers.get('etag'), '"1"');

    const got1 = await server.api.get('/api/flow');
    assert.equal(got1.status, 200);
    assert.equal(got1.text, first, 'the uploaded bytes, not a re-serialisation');
    assert.equal(got1.headers.get('etag'), '"1"');
    assert.match(got1.headers.get('content-type') ?? '', /^application\/json/);

    const second = flowText('Second', 'Bonjour');
    const put2 = await server.api.put('/api/flow', second);
    assert.equal(put2.status, 201);
    assert.equal(put2.json.version, 2);
    assert.equal((await server.api.get('/api/flow')).text, second);

    const versions = await server.api.get('/api/flow/versions');
    assert.equal(versions.json.current, 2);
    assert.deepEqual(
      versions.json.versions.map((v: { version: number; name: string; current: boolean }) => [
        v.version,
        v.name,
        v.current,
      ]),
      [
        [2, 'Second', true],
        [1, 'First', false],
      ],
    );

    const old = await server.api.get('/api/flow/versions/1');
    assert.equal(old.text, first);
    assert.equal(old.headers.get('etag'), '"1"');

    const rollback = await server.api.post('/api/flow/versions/1/activate');
    assert.equal(rollback.status, 200);
    assert.deepEqual(rollback.json, { version: 1, current: true });
    assert.equal(rollback.headers.get('etag'), '"1"');
    const afterRollback = await server.api.get('/api/flow');
    assert.equal(afterRollback.text, first);
    assert.equal(afterRollback.headers.get('etag'), '"1"');
    assert.equal((await server.api.get('/api/flow/versions')).json.current, 1);
    assert.deepEqual(activated, [1, 2, 1], 'onFlowActivated after each upload and activation');
  });

  test('unknown and malformed versions', async () => {
    const missing = await server.api.get('/api/flow/versions/99');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, 'NOT_FOUND');
    const activateMissing = await server.api.post('/api/flow/versions/99/activate');
    assert.equal(activateMissing.status, 404);
    for (const bad of ['abc', '0', '-1', '1.5']) {
      const response = await server.api.get(`/api/flow/versions/${bad}`);
      assert.equal(response.status, 400, bad);
      assert.equal(response.json.error.code, 'BAD_REQUEST');
    }
  });

  test('an invalid flow is refused with every problem located, and changes nothing', async () => {
    const before = await server.api.get('/api/flow/versions');
    const activatedBefore = activated.length;
    const response = await server.api.put('/api/flow', INVALID_FLOW);
    assert.equal(response.status, 400);
    assert.equal(response.json.error.code, 'INVALID_FLOW');
    const paths = response.json.error.details.map((d: { path: string }) => d.path);
    assert.ok(paths.includes('/blocks/0/nxt'), `unknown field located: ${paths}`);
    assert.ok(
      paths.some((p: string) => p.startsWith('/blocks/2')),
      `bad block located: ${paths}`,
    );
    for (const detail of response.json.error.details) assert.equal(typeof detail.message, 'string');
    assert.deepEqual((await server.api.get('/api/flow/versions')).json, before.json);
    assert.equal(activated.length, activatedBefore);
  });

  test('warnings (an unreachable block) come with the 201; graph errors are located too', async () => {
    const withOrphan = JSON.parse(flowText('Orphan'));
    withOrphan.blocks.push({ id: 'orphan', type: 'end' });
    const accepted = await server.api.put('/api/flow', JSON.stringify(withOrphan));
    assert.equal(accepted.status, 201);
    assert.deepEqual(
      accepted.json.warnings.map((w: { path: string }) => w.path),
      ['/blocks/3'],
    );

    const dangling = JSON.parse(flowText('Dangling'));
    dangling.blocks[1].next = 'nowhere';
    const refused = await server.api.put('/api/flow', JSON.stringify(dangling));
    assert.equal(refused.status, 400);
    assert.deepEqual(
      refused.json.error.details.map((d: { path: string }) => d.path),
      ['/blocks/1/next'],
    );
  });

  test('a flow with 15,000 intent examples (about 1 MB) fits the default limit', async () => {
    const big = bigFlowText(15_000);
    assert.ok(Buffer.byteLength(big) > 900_000);
    const response = await server.api.put('/api/flow', big);
    assert.equal(response.status, 201);
    assert.equal((await server.api.get('/api/flow')).text, big);
  });

  test('bodies that are not JSON are 400 INVALID_JSON', async () => {
    for (const body of ['{"formatVersion": 1,', '', '   ', 'nope']) {
      const response = await server.api.put('/api/flow', body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.json.error.code, 'INVALID_JSON');
    }
    const notUtf8 = await server.api.put('/api/flow', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) as never);
    assert.equal(notUtf8.json.error.code, 'INVALID_JSON');
  });

  test('If-Match is a compare-and-set; malformed If-Match is 400', async () => {
    const current = (await server.api.get('/api/flow/versions')).json.current as number;
    const ok = await server.api.put('/api/flow', flowText('Guarded'), {
      headers: { 'If-Match': `"${current}"` },
    });
    assert.equal(ok.status, 201);
    const stale = await server.api.put('/api/flow', flowText('Stale'), {
      headers: { 'If-Match': `"${current}"` },
    });
    assert.equal(stale.status, 412);
    assert.equal(stale.json.error.code, 'VERSION_CONFLICT');
    const staleActivate = await server.api.post('/api/flow/versions/1/activate', undefined, {
      headers: { 'If-Match': `"${current}"` },
    });
    assert.equal(staleActivate.status, 412);
    for (const bad of ['1', 'W/"1"', '"abc"', '"1", "2"', '*']) {
      const response = await server.api.put('/api/flow', flowText(), { headers: { 'If-Match': bad } });
      assert.equal(response.status, 400, bad);
      assert.equal(response.json.error.code, 'BAD_REQUEST');
    }
    assert.equal((await server.api.get('/api/flow/versions')).json.current, ok.json.version);
  });

  test('concurrent uploads with the same If-Match: exactly one wins', async () => {
    const before = (await server.api.get('/api/flow/versions')).json;
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        server.api.put('/api/flow', flowText(`Racer ${i}`), {
          headers: { 'If-Match': `"${before.current}"` },
        }),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, 412, 412, 412, 412, 412]);
    const afterRace = (await server.api.get('/api/flow/versions')).json;
    assert.equal(afterRace.versions.length, before.versions.length + 1, 'never two versions');
  });

  test('POST /api/flow/validate reports without storing', async () => {
    const before = (await server.api.get('/api/flow/versions')).json;
    const valid = await server.api.post('/api/flow/validate', flowText());
    assert.equal(valid.status, 200);
    assert.deepEqual(valid.json, { valid: true, errors: [], warnings: [] });
    const invalid = await server.api.post('/api/flow/validate', INVALID_FLOW);
    assert.equal(invalid.status, 200);
    assert.equal(invalid.json.valid, false);
    assert.ok(invalid.json.errors.some((e: { path: string }) => e.path === '/blocks/0/nxt'));
    const notJson = await server.api.post('/api/flow/validate', '{');
    assert.equal(notJson.status, 400);
    assert.equal(notJson.json.error.code, 'INVALID_JSON');
    assert.deepEqual((await server.api.get('/api/flow/versions')).json, before);
  });
});
