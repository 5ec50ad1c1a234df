import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_FLOW_PATH } from '../../src/default-flow.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

interface IntentBlock {
  minConfidence?: number;
  intents: { examples: string[] }[];
}
interface TravelFlow {
  settings?: unknown;
  blocks: unknown[];
}

/** The built-in travel flow, with its settings and its intent block (/blocks/2) changed. */
async function travelFlow(edit: (flow: TravelFlow, block: IntentBlock) => void): Promise<string> {
  const flow = JSON.parse(await readFile(DEFAULT_FLOW_PATH, 'utf8')) as TravelFlow;
  edit(flow, flow.blocks[2] as IntentBlock);
  return JSON.stringify(flow);
}

describe('the offline threshold of each intent block, reported on upload', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { INTENT_PROVIDER: 'local' } });
  });
  after(() => server.stop());

  test('a block without minConfidence: the threshold derived from its examples is among the warnings', async () => {
    const put = await server.api.put('/api/flow', await travelFlow((flow) => delete flow.settings));
    assert.equal(put.status, 201);
    const notes = put.json.warnings.filter((w: { path: string }) => w.path === '/blocks/2');
    assert.equal(notes.length, 1, JSON.stringify(put.json.warnings));
    const match = /threshold is (0\.\d+) \(derived from this block's examples/.exec(notes[0].message);
    assert.ok(match, notes[0].message);
    const value = Number(match[1]);
    assert.ok(value > 0 && value < 1);
    // The warning docs/intent-detection.md shows is this one, word for word (training is deterministic).
    const docs = await readFile(new URL('../../docs/intent-detection.md', import.meta.url), 'utf8');
    const shown = /\*\*Where authors see it\.\*\*[\s\S]*?```json\n([\s\S]*?)```/.exec(docs)?.[1];
    assert.deepEqual(JSON.parse(shown ?? 'null'), notes[0]);
  });

  test('a threshold set on the flow or the block: no note', async () => {
    for (const edit of [
      () => {},
      (flow: TravelFlow, block: IntentBlock) => {
        delete flow.settings;
        block.minConfidence = 0.6;
      },
    ]) {
      const put = await server.api.put('/api/flow', await travelFlow(edit));
      assert.equal(put.status, 201);
      assert.deepEqual(put.json.warnings, []);
    }
  });

  test('a block with too few examples: the fixed default, said so', async () => {
    const put = await server.api.put(
      '/api/flow',
      await travelFlow((flow, block) => {
        delete flow.settings;
        for (const intent of block.intents) intent.examples = [];
      }),
    );
    assert.equal(put.status, 201);
    const [note] = put.json.warnings;
    assert.match(note.message, /threshold is 0\.4 \(the fixed default: too few examples/);
  });
});
