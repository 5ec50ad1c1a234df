/** The README documents what the code does: its tables are checked against the code. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CONFIG_VARIABLES } from '../src/config.ts';
import { validateFlow } from '../src/flow/validate.ts';
import { ERROR_CATALOGUE } from '../src/http/errors.ts';
import { CLOSE_CODES, FRAME_ERRORS } from '../src/ws/protocol.ts';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The section under a `##`/`###` heading, up to the next heading of the same or a higher level. */
function section(heading: string): string {
  const lines = README.split('\n');
  const start = lines.findIndex((line) => /^#{2,3} /.test(line) && line.replace(/^#+ /, '') === heading);
  assert.ok(start >= 0, `README has a "${heading}" section`);
  const level = (lines[start]?.match(/^#+/)?.[0] ?? '').length;
  const end = lines.findIndex((line, i) => i > start && new RegExp(`^#{1,${level}} `).test(line));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** Rows of the first Markdown table in `text`, as arrays of cells without backticks. */
function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) =>
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
}

describe('README', () => {
  test('the error-code table is the catalogue', () => {
    const rows = tableRows(section('Errors')).map(([code, status, meaning]) => [
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
    const [errors, closes] = section('Error codes and close codes').split('\n\n| close code');
    const codes = tableRows(errors ?? '').map(([code]) => code?.replaceAll('`', ''));
    assert.deepEqual(codes, Object.keys(FRAME_ERRORS));
    const closeCodes = tableRows(`| close code${closes}`).map(([code]) => Number(code));
    assert.deepEqual(closeCodes, Object.values(CLOSE_CODES));
  });

  test('the configuration table lists every environment variable, and only those', () => {
    const documented = tableRows(section('Configuration')).map(([name]) => name?.replaceAll('`', ''));
    assert.deepEqual(documented, [...CONFIG_VARIABLES]);
  });

  test('the walkthrough flow is a valid flow', () => {
    const walkthrough = section('Try it: upload a flow and read it back');
    const flow = walkthrough.match(/<<'JSON'\n([\s\S]*?)\nJSON\n/)?.[1];
    assert.ok(flow, 'the heredoc is there');
    const result = validateFlow(JSON.parse(flow));
    assert.equal(result.valid, true, JSON.stringify(result.errors));
  });
});
