/**
 * Where a text stops being JSON, without quoting it: V8's JSON.parse messages quote the start of the
 * text ("Unexpected token 'x', "{"secret": x…" is not valid JSON"), which an error answer must not echo
 * back (a proxy or a client log may keep it). An iterative scanner, so deep nesting cannot overflow the stack.
 */

export interface JsonErrorPosition {
  /** UTF-16 offset of the first character that cannot continue a JSON text (the length at an early end). */
  offset: number;
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units from the start of the line. */
  column: number;
}

const LITERALS: Record<string, string> = { t: 'true', f: 'false', n: 'null' };
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX = /^[0-9a-fA-F]$/;

function skipSpace(text: string, i: number): number {
  let j = i;
  while (j < text.length) {
    const c = text[j];
    if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') break;
    j++;
  }
  return j;
}

/** The offset after the string starting at `i` (a `"`), or `{ error }` at the offending character. */
function scanString(text: string, i: number): number | { error: number } {
  let j = i + 1;
  while (j < text.length) {
    const c = text[j] as string;
    if (c === '"') return j + 1;
    if (c.charCodeAt(0) < 0x20) return { error: j };
    if (c === '\\') {
      const next = text[j + 1];
      if (next === 'u') {
        for (let k = j + 2; k < j + 6; k++) if (!HEX.test(text[k] ?? '')) return { error: k };
        j += 6;
      } else if (next !== undefined && ESCAPES.has(next)) {
        j += 2;
      } else {
        return { error: j + 1 };
      }
    } else {
      j++;
    }
  }
  return { error: text.length };
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** The offset after the number starting at `i`, or `{ error }` at the first character that cannot go on. */
function scanNumber(text: string, i: number): number | { error: number } {
  let j = i;
  if (text[j] === '-') j++;
  if (!isDigit(text[j])) return { error: j };
  if (text[j] === '0') j++;
  else while (isDigit(text[j])) j++;
  if (text[j] === '.') {
    j++;
    if (!isDigit(text[j])) return { error: j };
    while (isDigit(text[j])) j++;
  }
  if (text[j] === 'e' || text[j] === 'E') {
    j++;
    if (text[j] === '+' || text[j] === '-') j++;
    if (!isDigit(text[j])) return { error: j };
    while (isDigit(text[j])) j++;
  }
  return j;
}

/** The offset after the literal (true, false, null) starting at `i`, or `{ error }` where it differs. */
function scanLiteral(text: string, i: number, word: string): number | { error: number } {
  for (let k = 0; k < word.length; k++) if (text[i + k] !== word[k]) return { error: i + k };
  return i + word.length;
}

/** The offset of the first error in `text`, or -1 when it is a valid JSON text. */
export function jsonErrorOffset(text: string): number {
  const stack: ('{' | '[')[] = [];
  let i = 0;
  let state: 'value' | 'key' | 'after' = 'value';
  for (;;) {
    i = skipSpace(text, i);
    if (state === 'key') {
      if (text[i] !== '"') return i;
      const end = scanString(text, i);
      if (typeof end !== 'number') return end.error;
      i = skipSpace(text, end);
      if (text[i] !== ':') return i;
      i++;
      state = 'value';
    } else if (state === 'value') {
      const c = text[i];
      if (c === '{' || c === '[') {
        i = skipSpace(text, i + 1);
        if (text[i] === (c === '{' ? '}' : ']')) {
          i++;
          state = 'after';
        } else {
          stack.push(c);
          state = c === '{' ? 'key' : 'value';
        }
      } else if (c === '"') {
        const end = scanString(text, i);
        if (typeof end !== 'number') return end.error;
        i = end;
        state = 'after';
      } else {
        const word = c === undefined ? undefined : LITERALS[c];
        const end = word
          ? scanLiteral(text, i, word)
          : c === '-' || isDigit(c)
            ? scanNumber(text, i)
            : { error: i };
        if (typeof end !== 'number') return end.error;
        i = end;
        state = 'after';
      }
    } else {
      const top = stack.at(-1);
      if (top === undefined) return i === text.length ? -1 : i;
      const c = text[i];
      if (c === ',') {
        i++;
        state = top === '{' ? 'key' : 'value';
      } else if (c === (top === '{' ? '}' : ']')) {
        stack.pop();
        i++;
      } else {
        return i;
      }
    }
  }
}

/** Line and column of `offset` in `text`. */
export function positionOf(text: string, offset: number): JsonErrorPosition {
  let line = 1;
  let lineStart = 0;
  for (let j = text.indexOf('\n'); j !== -1 && j < offset; j = text.indexOf('\n', j + 1)) {
    line++;
    lineStart = j + 1;
  }
  return { offset, line, column: offset - lineStart + 1 };
}
