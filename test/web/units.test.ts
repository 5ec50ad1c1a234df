/**
 * The playground's pure parts, without a browser: JSON pointers located in the editor's syntax tree,
 * a flow turned into the graph to draw (and laid out), history events put into words, and the chat's
 * resume record (which bot messages were shown, so a resume replays only the missed ones).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { json } from '@codemirror/lang-json';
import { EditorState } from '@codemirror/state';
import { chatUrl, isNewMessage, parseResume, resumeFrame } from '../../web/src/chat/resume.ts';
import { decodePointer, locatePointer } from '../../web/src/editor/pointer.ts';
import { layoutFlow } from '../../web/src/graph/layout.ts';
import { drawnFlow } from '../../web/src/graph/model.ts';
import { describeEvent } from '../../web/src/history/timeline.ts';
import { examplePath } from '../support/flows.ts';

const TEXT = `{
  "name": "x",
  "a/b": { "c~d": [10, {"deep": true}] },
  "blocks": [
    { "id": "one", "next": "two" },
    { "id": "two", "type": "wait" }
  ]
}`;

describe('locatePointer', () => {
  const state = EditorState.create({ doc: TEXT, extensions: [json()] });
  const at = (pointer: string) => {
    const where = locatePointer(state, pointer);
    return { text: state.sliceDoc(where.from, where.to), exact: where.exact };
  };

  test('decodes ~1 and ~0 (RFC 6901)', () => {
    assert.deepEqual(decodePointer('/a~1b/c~0d/0'), ['a/b', 'c~d', '0']);
    assert.deepEqual(decodePointer(''), []);
  });

  test('a scalar property is marked from its key to its value', () => {
    assert.deepEqual(at('/name'), { text: '"name": "x"', exact: true });
    assert.deepEqual(at('/blocks/0/next'), { text: '"next": "two"', exact: true });
    assert.deepEqual(at('/a~1b/c~0d/1/deep'), { text: '"deep": true', exact: true });
  });

  test('an object or array is marked by its key, or by its opening bracket when it has none', () => {
    assert.deepEqual(at('/blocks'), { text: '"blocks"', exact: true });
    assert.deepEqual(at('/blocks/1'), { text: '{', exact: true });
    assert.deepEqual(at('/a~1b/c~0d/0'), { text: '10', exact: true });
  });

  test('a missing field or item marks the nearest part that exists', () => {
    assert.deepEqual(at('/blocks/1/next'), { text: '{', exact: false });
    assert.deepEqual(at('/blocks/7'), { text: '"blocks"', exact: false });
    assert.deepEqual(at('/nope/deeper'), { text: '{', exact: false });
    assert.deepEqual(at('/name/0'), { text: '"name": "x"', exact: false });
  });

  test('an empty or unparsable document still gives a valid range', () => {
    const empty = EditorState.create({ doc: '', extensions: [json()] });
    assert.deepEqual(locatePointer(empty, '/blocks/0'), { from: 0, to: 0, exact: false });
  });
});

describe('drawnFlow and layoutFlow', () => {
  const travel = JSON.parse(readFileSync(examplePath('travel'), 'utf8'));

  test('every block is a node, every transition a labelled edge, the start marked', () => {
    const flow = drawnFlow(travel);
    assert.equal(flow.name, 'Travel assistant');
    assert.equal(flow.nodes.length, travel.blocks.length);
    assert.deepEqual(
      flow.nodes.filter((n) => n.start).map((n) => n.id),
      ['welcome'],
    );
    const route = flow.edges.filter((e) => e.from === 'route').map((e) => `${e.label}→${e.to}`);
    assert.deepEqual(route.sort(), [
      'noMatch→not-understood',
      'onError→not-understood',
      'onMaxNoMatch→goodbye',
      'restaurants→restaurants',
      'travel→travel',
      'weather→weather',
    ]);
    assert.equal(new Set(flow.edges.map((e) => e.key)).size, flow.edges.length, 'unique keys');
  });

  test('condition cases are numbered; transitions to missing blocks are not drawn', () => {
    const flow = drawnFlow({
      start: 'c',
      blocks: [
        {
          id: 'c',
          type: 'condition',
          cases: [
            { if: {}, next: 'a' },
            { if: {}, next: 'ghost' },
          ],
          else: 'a',
        },
        { id: 'a', type: 'end' },
      ],
    });
    assert.deepEqual(
      flow.edges.map((e) => `${e.label}→${e.to}`),
      ['else→a', 'case 1→a'],
    );
    assert.deepEqual(drawnFlow('not a flow'), { name: '', nodes: [], edges: [] });
  });

  test('dagre places every node without overlap and routes every edge', () => {
    const flow = drawnFlow(travel);
    const layout = layoutFlow(flow);
    assert.equal(layout.nodes.size, flow.nodes.length);
    assert.equal(layout.edges.size, flow.edges.length);
    const boxes = [...layout.nodes.values()];
    for (const a of boxes) {
      assert.ok(a.x - a.width / 2 >= 0 && a.x + a.width / 2 <= layout.width, `${a.id} inside`);
      for (const b of boxes) {
        if (a === b) continue;
        const apart =
          Math.abs(a.x - b.x) >= (a.width + b.width) / 2 || Math.abs(a.y - b.y) >= (a.height + b.height) / 2;
        assert.ok(apart, `${a.id} and ${b.id} do not overlap`);
      }
    }
    for (const edge of layout.edges.values()) assert.ok(edge.points.length >= 2, edge.key);
  });
});

describe('describeEvent', () => {
  test('intents show confidence, provider, latency and flags', () => {
    const view = describeEvent({
      seq: 7,
      type: 'intent.detected',
      at: '2026-01-01T00:00:00.000Z',
      data: {
        blockId: 'route',
        intent: 'weather',
        confidence: 0.934,
        provider: 'openai',
        latencyMs: 12.4,
        cached: true,
        fallback: false,
      },
    });
    assert.deepEqual(view, {
      kind: 'intent',
      title: 'Intent weather',
      detail: 'confidence 0.93 · openai · 12 ms · cached',
    });
  });

  test('messages keep their text as is; an unknown type still shows', () => {
    const bot = describeEvent({
      seq: 1,
      type: 'message.bot',
      at: '',
      data: { text: '<b>x</b>', options: ['Yes', 'No'] },
    });
    assert.equal(bot.detail, '<b>x</b> [Yes | No]');
    const error = describeEvent({
      seq: 2,
      type: 'intent.error',
      at: '',
      data: { code: 'PROVIDER_TIMEOUT', message: 'late', provider: 'openai', latencyMs: 8000 },
    });
    assert.deepEqual(error, {
      kind: 'error',
      title: 'Intent error PROVIDER_TIMEOUT',
      detail: 'late · openai · 8000 ms',
    });
    assert.equal(describeEvent({ seq: 3, type: 'future.event', at: '', data: { a: 1 } }).detail, '{"a":1}');
  });
});

describe('chat resume record', () => {
  const record = { conversationId: 'c-1', resumeToken: 'tok/+=' };

  test('parseResume keeps a valid lastSeq and drops a bad one; anything else is no record', () => {
    assert.deepEqual(parseResume(JSON.stringify({ ...record, lastSeq: 9 })), { ...record, lastSeq: 9 });
    assert.deepEqual(parseResume(JSON.stringify({ ...record, lastSeq: 0 })), { ...record, lastSeq: 0 });
    for (const lastSeq of [-1, 1.5, '9', null]) {
      assert.deepEqual(parseResume(JSON.stringify({ ...record, lastSeq })), record, String(lastSeq));
    }
    assert.deepEqual(parseResume(JSON.stringify(record)), record, 'a record written before replay');
    for (const text of [null, '', 'not json', '{}', '{"conversationId":"c"}', '[]']) {
      assert.equal(parseResume(text), null, String(text));
    }
  });

  test('chatUrl: ws or wss on the page host; a resume is /ws?resume, with nothing of it in the URL', () => {
    assert.equal(chatUrl('http://localhost:3000/#chat', null).href, 'ws://localhost:3000/ws');
    const resumed = chatUrl('https://bot.example/app/', { ...record, lastSeq: 12 });
    assert.equal(resumed.href, 'wss://bot.example/ws?resume');
    assert.doesNotMatch(resumed.href, /c-1|tok/);
  });

  test('resumeFrame: the id, the token and lastSeq once a seq was seen', () => {
    assert.deepEqual(resumeFrame({ ...record, lastSeq: 12 }), {
      type: 'resume',
      conversationId: 'c-1',
      resumeToken: 'tok/+=',
      lastSeq: 12,
    });
    assert.equal('lastSeq' in resumeFrame(record), false, 'no seq seen yet');
  });

  test('isNewMessage: a seq not above the last one shown is a repeat', () => {
    assert.equal(isNewMessage(9, 3), true);
    assert.equal(isNewMessage(9, 9), false);
    assert.equal(isNewMessage(5, 9), false, 'a reply replayed after a resend, shown before');
    assert.equal(isNewMessage(3, undefined), true, 'the first message of a conversation');
    assert.equal(isNewMessage(undefined, 9), true, 'a server that sends no seq');
  });
});
