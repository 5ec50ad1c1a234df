/**
 * The documents' runnable examples, and how to run them.
 *
 * In a document, `<!-- file: NAME -->` before a fenced block names a file the examples use (written into
 * the example's working directory), and `<!-- example: ID -->` before a fenced block marks an example:
 *
 * - a `sh` block with one `curl` command, followed by an `http` block: the response (status line,
 *   the headers that matter, a blank line, the body);
 * - a `sh` block with one `npx chatflow …` command, followed by a `text` block: what it prints, and
 *   `(exit code N)` as the last line;
 * - a `text` block that starts with `connect /ws…`: a WebSocket session, `→` frames sent ($ID and
 *   $RESUME_TOKEN replaced, as in the connect line), `←` frames
 *   received in that order, `close` (the client closes) and `closed N` (the server closed with N).
 *
 * Values that change from run to run (ids, timestamps, tokens, cursors, latencies, a command's
 * duration) are compared as placeholders; confidences to two decimals. Everything else must be what the server answers.
 * `DOCS_EXAMPLES_PRINT=1` prints what the server answered, to update a document from.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChatClient, type Frame } from '../support/ws-client.ts';
import { ROOT } from './markdown.ts';

export interface Block {
  info: string;
  body: string;
  line: number;
}

export type Example =
  | { id: string; line: number; kind: 'http'; request: string; response: string }
  | { id: string; line: number; kind: 'cli'; command: string; output: string }
  | { id: string; line: number; kind: 'ws'; transcript: string };

/** The fenced block that starts at or after line index `from`, and the index after it. */
function blockAfter(lines: string[], from: number): { block: Block; next: number } {
  let i = from;
  while (i < lines.length && !/^```/.test(lines[i] as string)) i++;
  const open = lines[i];
  assert.ok(open !== undefined, `a fenced block follows line ${from}`);
  const start = i + 1;
  let end = start;
  while (end < lines.length && !/^```\s*$/.test(lines[end] as string)) end++;
  return {
    block: { info: open.slice(3).trim(), body: lines.slice(start, end).join('\n'), line: start },
    next: end + 1,
  };
}

/** The `<!-- file: NAME -->` blocks of a document. */
export function documentedFiles(text: string): Map<string, string> {
  const lines = text.split('\n');
  const files = new Map<string, string>();
  lines.forEach((line, i) => {
    const name = line.match(/^<!-- file: (\S+) -->$/)?.[1];
    if (name) files.set(name, `${blockAfter(lines, i + 1).block.body}\n`);
  });
  return files;
}

/** The `<!-- example: ID -->` examples of a document, in order. */
export function documentedExamples(text: string): Example[] {
  const lines = text.split('\n');
  const examples: Example[] = [];
  lines.forEach((line, i) => {
    const id = line.match(/^<!-- example: (\S+) -->$/)?.[1];
    if (!id) return;
    const { block, next } = blockAfter(lines, i + 1);
    if (block.info === 'text' && block.body.startsWith('connect ')) {
      examples.push({ id, line: i + 1, kind: 'ws', transcript: block.body });
      return;
    }
    assert.equal(block.info, 'sh', `example ${id} (line ${i + 1}): a sh block or a WebSocket transcript`);
    const response = blockAfter(lines, next).block;
    if (/^\s*npx chatflow /m.test(block.body)) {
      assert.equal(response.info, 'text', `example ${id}: its output is a text block`);
      examples.push({ id, line: i + 1, kind: 'cli', command: block.body, output: response.body });
    } else {
      assert.equal(response.info, 'http', `example ${id}: its response is an http block`);
      examples.push({ id, line: i + 1, kind: 'http', request: block.body, response: response.body });
    }
  });
  return examples;
}

/** Shell words of one command line: quotes, `$VAR` in double quotes or bare, `\`-newline joins. */
export function shellWords(command: string, vars: Record<string, string>): string[] {
  const expand = (s: string) =>
    s.replace(/\$\{?([A-Z_][A-Z0-9_]*)\}?/g, (_, name: string) => {
      assert.ok(name in vars, `unknown variable $${name}`);
      return vars[name] as string;
    });
  const words: string[] = [];
  const text = command.replace(/\\\n/g, ' ');
  for (const match of text.matchAll(/'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g)) {
    if (match[1] !== undefined) words.push(match[1]);
    else if (match[2] !== undefined) words.push(expand(match[2].replace(/\\(.)/g, '$1')));
    else words.push(expand(match[3] as string));
  }
  return words;
}

/** The one command of an example's shell snippet (comments and blank lines dropped), `\`-lines joined. */
function theCommand(snippet: string, program: RegExp): string {
  const commands = snippet
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const found = commands.filter((line) => program.test(line));
  assert.equal(found.length, 1, `one command in ${JSON.stringify(snippet)}`);
  return found[0] as string;
}

/** Values that differ between runs become placeholders; confidences keep two decimals. */
const VARYING_KEYS = new Set([
  'requestId',
  'conversationId',
  'resumeToken',
  'createdAt',
  'startedAt',
  'updatedAt',
  'at',
  'latencyMs',
]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function normalise(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((item) => normalise(item));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v, k)]));
  }
  if (VARYING_KEYS.has(key)) return `<${key}>`;
  if (key === 'nextCursor' && value !== null) return '<nextCursor>';
  if (key === 'id' && typeof value === 'string' && UUID.test(value)) return '<id>';
  if (key === 'confidence' && typeof value === 'number') return Math.round(value * 100) / 100;
  return value;
}

const parseJson = (text: string, what: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    assert.fail(`${what} is not JSON: ${text}`);
  }
};

export interface ExampleContext {
  /** The server's base URL, http://127.0.0.1:PORT. */
  base: string;
  token: string;
  /** The working directory of the examples: the documented files are there. */
  cwd: string;
  /** Set by WebSocket examples: $ID, $RESUME_TOKEN of the last conversation. */
  vars: Record<string, string>;
}

function variables(context: ExampleContext): Record<string, string> {
  return {
    B: context.base,
    TOKEN: context.token,
    AUTH: `Authorization: Bearer ${context.token}`,
    ...context.vars,
  };
}

async function runHttp(example: Extract<Example, { kind: 'http' }>, context: ExampleContext): Promise<void> {
  const words = shellWords(theCommand(example.request, /^curl /), variables(context));
  let method: string | undefined;
  let url: string | undefined;
  let body: string | undefined;
  const headers: Record<string, string> = {};
  for (let i = 1; i < words.length; i++) {
    const word = words[i] as string;
    const value = () => words[++i] as string;
    if (word === '-i' || word === '-s' || word === '-sS') continue;
    if (word === '-X') method = value();
    else if (word === '-H') {
      const [name, ...rest] = value().split(':');
      headers[(name as string).trim()] = rest.join(':').trim();
    } else if (word === '--data-binary' || word === '--data' || word === '-d') {
      const data = value();
      body = data.startsWith('@') ? await readFile(join(context.cwd, data.slice(1)), 'utf8') : data;
    } else {
      assert.ok(!word.startsWith('-'), `curl option ${word} is not understood by the examples test`);
      url = word;
    }
  }
  assert.ok(url, 'the curl command has a URL');
  const response = await fetch(url.replace(/^http:\/\/localhost:3000/, context.base), {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  if (process.env.DOCS_EXAMPLES_PRINT) console.log(`${example.id}: ${response.status} ${text}`);

  const [head = '', ...bodyParts] = example.response.split('\n\n');
  const [statusLine = '', ...headerLines] = head.split('\n');
  const status = Number(statusLine.match(/^HTTP\/1\.1 (\d{3})\b/)?.[1]);
  assert.ok(status > 0, `the response starts with a status line: ${statusLine}`);
  assert.equal(response.status, status, `status of ${example.id}; body: ${text}`);
  for (const line of headerLines) {
    const [name = '', ...rest] = line.split(':');
    assert.equal(response.headers.get(name.trim()), rest.join(':').trim(), `header ${name} of ${example.id}`);
  }
  const documented = bodyParts.join('\n\n').trim();
  if (documented === '') {
    assert.equal(text, '', `${example.id} has no body`);
  } else if (/^[[{]/.test(documented)) {
    assert.deepEqual(
      normalise(parseJson(text, 'the response')),
      normalise(parseJson(documented, `the documented body of ${example.id}`)),
    );
  } else {
    assert.equal(text.trim(), documented);
  }
}

/** How long a command took differs from run to run: `(6 steps, 41 ms)` and `"durationMs": 41` become placeholders. */
const steadyDurations = (output: string) =>
  output.replace(/\b\d+ ms\b/g, '<n> ms').replace(/"durationMs": \d+/g, '"durationMs": <n>');

async function runCli(example: Extract<Example, { kind: 'cli' }>, context: ExampleContext): Promise<void> {
  const [, , ...args] = shellWords(theCommand(example.command, /^npx chatflow /), variables(context));
  const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin/chatflow.ts'), ...args],
      { cwd: context.cwd, env: { PATH: process.env.PATH ?? '' } },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: unknown }).code) : 0, stdout, stderr }),
    );
  });
  const lines = example.output.split('\n');
  const exit = Number(lines.at(-1)?.match(/^\(exit code (\d+)\)$/)?.[1]);
  assert.ok(Number.isInteger(exit), `the output of ${example.id} ends with "(exit code N)"`);
  if (process.env.DOCS_EXAMPLES_PRINT) console.log(`${example.id}:\n${run.stdout}${run.stderr}`);
  assert.equal(
    steadyDurations(`${run.stdout}${run.stderr}`),
    steadyDurations(`${lines.slice(0, -1).join('\n')}\n`),
  );
  assert.equal(run.code, exit, `exit code of ${example.id}`);
}

async function runWs(example: Extract<Example, { kind: 'ws' }>, context: ExampleContext): Promise<void> {
  const [connect = '', ...steps] = example.transcript.split('\n');
  const vars = variables(context);
  const substitute = (text: string) =>
    text.replace(/\$([A-Z_]+)/g, (_, name: string) => {
      assert.ok(name in vars, `unknown variable $${name}`);
      return vars[name] as string;
    });
  const path = substitute(connect.replace(/^connect /, ''));
  const client = await ChatClient.connect(context.base, path.replace(/^\/ws/, ''));
  let received = 0;
  try {
    for (const step of steps) {
      if (step.startsWith('→ ')) {
        client.send(substitute(step.slice(2)));
      } else if (step.startsWith('← ')) {
        const expected = parseJson(step.slice(2), `the frame on "${step}"`) as Frame;
        const frames = await client.until((f) => f.length > received, `frame ${received + 1}: ${step}`);
        const frame = frames[received++] as Frame;
        if (process.env.DOCS_EXAMPLES_PRINT) console.log(`${example.id}: ← ${JSON.stringify(frame)}`);
        if (frame.type === 'conversation') {
          context.vars.ID = frame.conversationId;
          if (frame.resumeToken) context.vars.RESUME_TOKEN = frame.resumeToken;
        }
        assert.deepEqual(normalise(frame), normalise(expected), `frame ${received} of ${example.id}`);
      } else if (step === 'close') {
        client.close();
        await client.waitClosed();
      } else if (/^closed \d+$/.test(step)) {
        const closed = await client.waitClosed();
        assert.equal(closed.code, Number(step.slice(7)), `close code of ${example.id}`);
      } else {
        assert.fail(`a transcript line is "→ frame", "← frame", "close" or "closed N": ${step}`);
      }
    }
    assert.deepEqual(client.frames.slice(received), [], `no frame beyond the transcript of ${example.id}`);
  } finally {
    client.close();
  }
}

/** Runs one example against the server of `context`; throws (an assertion error) where it differs. */
export function runExample(example: Example, context: ExampleContext): Promise<void> {
  if (example.kind === 'http') return runHttp(example, context);
  if (example.kind === 'cli') return runCli(example, context);
  return runWs(example, context);
}
