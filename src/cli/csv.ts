/**
 * A strict RFC 4180 reader for `chatflow eval`'s data: comma-separated fields, records ended by CRLF or
 * LF, a field in double quotes may hold commas, line breaks and `""` (one quote). A quote anywhere
 * else, or text after a closing quote, is an error with its line: a file that does not parse as the
 * author meant it is refused rather than read differently. Empty lines are skipped.
 */

export class CsvError extends Error {
  override readonly name = 'CsvError';
  /** 1-based line of the file where the problem is. */
  readonly line: number;

  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

export interface CsvRecord {
  /** 1-based line where the record starts. */
  line: number;
  fields: string[];
}

import { withoutByteOrderMark } from '../flow/json-text.ts';

/** The records of `text` (a leading byte-order mark is dropped); throws CsvError. */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const input = withoutByteOrderMark(text);
  let line = 1;
  let i = 0;
  while (i < input.length) {
    const start = line;
    const fields: string[] = [];
    // One record: fields until a line break or the end.
    for (;;) {
      let field = '';
      if (input[i] === '"') {
        i++;
        for (;;) {
          if (i >= input.length) throw new CsvError(start, 'a quoted field is not closed');
          const char = input[i] as string;
          if (char === '"') {
            if (input[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (char === '\n') line++;
          field += char;
          i++;
        }
        const after = input[i];
        if (after !== undefined && after !== ',' && after !== '\n' && !input.startsWith('\r\n', i)) {
          throw new CsvError(line, 'text after a closing quote (a quote inside a field is written "")');
        }
      } else {
        while (i < input.length && input[i] !== ',' && input[i] !== '\n' && !input.startsWith('\r\n', i)) {
          if (input[i] === '"') {
            throw new CsvError(
              line,
              'a quote inside an unquoted field (quote the field, and write a quote as "")',
            );
          }
          field += input[i];
          i++;
        }
      }
      fields.push(field);
      if (input[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    i += input.startsWith('\r\n', i) ? 2 : input[i] === '\n' ? 1 : 0;
    line++;
    const empty = fields.length === 1 && fields[0] === '';
    if (!empty) records.push({ line: start, fields });
  }
  return records;
}
