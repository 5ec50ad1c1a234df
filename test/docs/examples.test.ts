/**
 * Every request/response example of the documents, run against the real server (port 0, SQLite in a
 * temporary directory, the built-in travel flow as version 1, real HTTP, a real `ws` client, the real
 * `chatflow` command): a document whose example drifts from what the server answers fails here.
 * Each document gets a fresh server; its examples run in order (an upload, then the versions, …).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_FLOW_PATH } from '../../src/default-flow.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import {
  documentedExamples,
  documentedFiles,
  type Example,
  type ExampleContext,
  runExample,
} from './examples.ts';
import { documents, ROOT, read } from './markdown.ts';

const withExamples = documents()
  .map((doc) => ({ doc, text: read(doc) }))
  .map(({ doc, text }) => ({ doc, examples: documentedExamples(text), files: documentedFiles(text) }))
  .filter(({ examples }) => examples.length > 0);

test('the documents hold runnable examples of the admin API, the WebSocket protocol and the CLI', () => {
  const all = withExamples.flatMap(({ examples }) => examples);
  const ids = all.map((example) => example.id);
  assert.deepEqual(ids, [...new Set(ids)], 'example ids are unique');
  const kinds = new Set(all.map((example) => example.kind));
  assert.deepEqual([...kinds].sort(), ['cli', 'http', 'ws']);
  for (const id of ['upload-flow', 'invalid-flow', 'download-version', 'versions', 'history-page']) {
    assert.ok(ids.includes(id), `an example ${id}`);
  }
});

/** The example with one thing changed in what it documents: a status, an exit code, a frame's text. */
function drift(example: Example): Example {
  if (example.kind === 'http') {
    return { ...example, response: example.response.replace(/^HTTP\/1\.1 \d+/, 'HTTP/1.1 299') };
  }
  if (example.kind === 'cli') return { ...example, output: example.output.replace(/\d+\)$/, '9)') };
  return { ...example, transcript: example.transcript.replace(/"type":"/, '"type":"x') };
}

for (const { doc, examples, files } of withExamples) {
  describe(`the examples of ${doc}`, () => {
    let server: TestServer;
    let context: ExampleContext;
    before(async () => {
      server = await startTestServer({ defaultFlowPath: DEFAULT_FLOW_PATH });
      const cwd = await mkdtemp(join(tmpdir(), 'chatflow-docs-'));
      await symlink(join(ROOT, 'examples'), join(cwd, 'examples'));
      for (const [name, content] of files) await writeFile(join(cwd, name), content);
      context = { base: server.url, token: server.adminToken, cwd, vars: {} };
    });
    after(async () => {
      await server?.stop();
      if (context) await rm(context.cwd, { recursive: true, force: true });
    });

    for (const example of examples) {
      test(`${example.id} (${doc}:${example.line})`, () => runExample(example, context));
    }

    test('an example that drifts from the answer fails', async () => {
      const example = examples.at(-1) as Example;
      await assert.rejects(runExample(drift(example), context), assert.AssertionError);
    });
  });
}

test('`npx chatflow` runs the project’s own command (no install, no registry)', async () => {
  const run = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(
      'npx',
      ['--no', '--offline', 'chatflow', 'validate', 'examples/support-triage.json'],
      { cwd: ROOT },
      (err, stdout) => resolve({ code: err ? Number((err as { code?: unknown }).code) : 0, stdout }),
    );
  });
  assert.equal(run.code, 0);
  assert.equal(run.stdout, 'examples/support-triage.json: valid (0 warning(s))\n');
});
