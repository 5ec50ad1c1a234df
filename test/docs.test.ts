/**
 * The documents say what the code does: their tables are checked against the code, every relative
 * link and #anchor resolves, and nothing points outside the repository. (The request/response
 * examples are run against the real server by test/docs/examples.test.ts.)
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, test } from 'node:test';
import { CONFIG_VARIABLES } from '../src/config.ts';
import { DEFAULT_FLOW_PATH } from '../src/default-flow.ts';
import { validateFlow } from '../src/flow/validate.ts';
import { stepSchema, testFileSchema } from '../src/flow-tests/format.ts';
import { TEST_FILE_LIMITS } from '../src/flow-tests/limits.ts';
import { ERROR_CATALOGUE } from '../src/http/errors.ts';
import { CLOSE_CODES, FRAME_ERRORS, HANDSHAKE_REFUSALS } from '../src/ws/protocol.ts';
import { documentedFiles } from './docs/examples.ts';
import { anchors, documents, links, ROOT, read, section, tableRows } from './docs/markdown.ts';

describe('the documents match the code', () => {
  test('the admin API error-code table is the catalogue', () => {
    const rows = tableRows(section(read('docs/admin-api.md'), 'Errors')).map(([code, status, meaning]) => [
      code?.replaceAll('`', ''),
      Number(status),
      meaning,
    ]);
    const catalogue = Object.entries(ERROR_CATALOGUE).map(([code, entry]) => [
      code,
      entry.status,
      entry.meaning,
    ]);
    assert.deepEqual(rows, catalogue);
  });

  test('the WebSocket error-code and close-code tables are the catalogue in ws/protocol.ts', () => {
    const text = section(read('docs/websocket-protocol.md'), 'Error codes and close codes');
    const [errors, closes] = text.split('\n\n| close code');
    const rows = tableRows(errors ?? '');
    assert.deepEqual(
      rows.map(([code]) => code?.replaceAll('`', '')),
      Object.keys(FRAME_ERRORS),
    );
    // Each code's default message is quoted in its row, word for word.
    for (const [code, message] of Object.entries(FRAME_ERRORS)) {
      const row = rows.find(([c]) => c === `\`${code}\``);
      assert.ok(row?.[2]?.includes(message), `${code}: the row quotes "${message}"`);
    }
    const closeCodes = tableRows(`| close code${closes}`).map(([code]) => Number(code));
    assert.deepEqual(closeCodes, Object.values(CLOSE_CODES));
  });

  test('the WebSocket handshake-refusal table is the catalogue in ws/protocol.ts', () => {
    const limits = section(read('docs/websocket-protocol.md'), 'Limits');
    const table = `| status${limits.split('\n| status')[1]?.split('\n\n')[0] ?? ''}`;
    const rows = tableRows(table).map(([status, code, , message]) => [
      code?.replaceAll('`', ''),
      Number(status),
      message,
    ]);
    assert.deepEqual(
      rows,
      Object.entries(HANDSHAKE_REFUSALS).map(([code, { status, message }]) => [code, status, message]),
    );
  });

  test('the configuration table lists every environment variable, and only those', () => {
    const table = section(read('docs/configuration.md'), 'Variables');
    const documented = tableRows(table).map(([name]) => name?.replaceAll('`', ''));
    assert.deepEqual(documented, [...CONFIG_VARIABLES]);
  });

  test('the flow-format example is the built-in travel flow, with fewer examples per intent', () => {
    const shown = JSON.parse(read('docs/flow-format.md').match(/```json\n([\s\S]*?)\n```/)?.[1] ?? '');
    const travel = JSON.parse(readFileSync(DEFAULT_FLOW_PATH, 'utf8'));
    const examplesOf = (flow: typeof travel) =>
      // biome-ignore lint/suspicious/noExplicitAny: a flow document read as JSON
      flow.blocks.flatMap((block: any) => (block.intents ?? []).map((intent: any) => intent.examples ?? []));
    const travelExamples = examplesOf(travel);
    examplesOf(shown).forEach((examples: string[], i: number) => {
      for (const example of examples) assert.ok(travelExamples[i].includes(example), example);
    });
    const withoutExamples = (flow: typeof travel) =>
      JSON.parse(JSON.stringify(flow, (key, value) => (key === 'examples' ? undefined : value)));
    assert.deepEqual(withoutExamples(shown), withoutExamples(travel));
  });

  test('the conversation-test tables are the format (file and step fields) and its limits', () => {
    const doc = read('docs/conversation-tests.md');
    const [fileTable = '', stepTable = ''] = section(doc, 'The format')
      .split('\n\n')
      .filter((block) => block.startsWith('|'));
    const names = (table: string) => tableRows(table).map(([name]) => name?.replaceAll('`', ''));
    assert.deepEqual(names(fileTable), Object.keys(testFileSchema.shape));
    assert.deepEqual(names(stepTable), Object.keys(stepSchema.shape));
    const limits = tableRows(section(doc, 'Limits')).map(([name, value]) => [
      name?.replaceAll('`', ''),
      Number(value?.replaceAll(',', '')),
    ]);
    assert.deepEqual(limits, Object.entries(TEST_FILE_LIMITS));
  });

  test('the flow of the README tour is a valid flow', () => {
    const files = documentedFiles(read('README.md'));
    const flow = files.get('my-flow.json');
    assert.ok(flow, 'the README shows my-flow.json');
    const result = validateFlow(JSON.parse(flow));
    assert.equal(result.valid, true, JSON.stringify(result.errors));
  });
});

describe('the documents hold together', () => {
  test('every relative link names a file that exists, and every #anchor a heading of it', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const doc of documents()) {
      for (const { target, number } of links(read(doc))) {
        if (/^[a-z]+:/i.test(target)) continue; // http:, https:, mailto:
        checked++;
        const [path = '', anchor] = target.split('#');
        const file = path === '' ? doc : normalize(join(dirname(doc), decodeURIComponent(path)));
        const where = `${doc}:${number} → ${target}`;
        if (file.startsWith('..')) broken.push(`${where}: outside the repository`);
        else if (!existsSync(join(ROOT, file))) broken.push(`${where}: no file ${file}`);
        else if (anchor !== undefined && !(file.endsWith('.md') && anchors(read(file)).has(anchor))) {
          broken.push(`${where}: no heading #${anchor} in ${file}`);
        }
      }
    }
    assert.ok(checked > 30, `links were found (${checked})`);
    assert.deepEqual(broken, []);
  });

  test('every document is reachable from the README', () => {
    const linked = new Set(
      links(read('README.md'))
        .map(({ target }) => target.split('#')[0] ?? '')
        .filter((target) => target.endsWith('.md'))
        .map((target) => normalize(target)),
    );
    const missing = documents().filter((doc) => doc !== 'README.md' && !linked.has(doc));
    assert.deepEqual(missing, []);
  });

  test('nothing cites a document outside the repository or a local path', () => {
    const found: string[] = [];
    for (const doc of documents()) {
      read(doc)
        .split('\n')
        .forEach((line, i) => {
          for (const pattern of [
            /contract \u00a7/i,
            /§\s*\d/,
            /\.\.\/shared/,
            /\/(work|home|Users)\//,
            /\bissue \d+/i,
          ]) {
            if (pattern.test(line)) found.push(`${doc}:${i + 1}: ${line.trim()}`);
          }
        });
    }
    assert.deepEqual(found, []);
  });

  test('the README is a short introduction', () => {
    const lines = read('README.md').split('\n').length;
    assert.ok(lines <= 300, `README.md has ${lines} lines`);
    const contributing = section(read('README.md'), 'Contributing');
    for (const check of ['npm test', 'npm run typecheck', 'npm run lint']) {
      assert.ok(contributing.includes(check), `the README's Contributing names ${check}`);
    }
  });

  test('LICENSE is the MIT licence that package.json names', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string };
    assert.equal(pkg.license, 'MIT');
    const license = read('LICENSE');
    assert.match(license, /^MIT License\n\nCopyright \(c\) 2026 the Chatflow authors\n/);
    assert.match(license, /THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND/);
  });
});
