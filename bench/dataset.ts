/** Loads an intent dataset laid out like Banking77: train.csv and test.csv with columns `text,category`. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface LabelledText {
  text: string;
  label: string;
}

export interface Dataset {
  train: LabelledText[];
  test: LabelledText[];
}

/** RFC 4180 fields: quoted fields may hold commas, newlines and doubled quotes. */
export function parseCsv(content: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < content.length; i++) {
    const ch = content[i];
    if (quoted) {
      if (ch === '"' && content[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && content[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

async function readSplit(dir: string, name: string): Promise<LabelledText[]> {
  const rows = parseCsv(await readFile(join(dir, name), 'utf8'));
  const [header, ...body] = rows;
  if (header?.[0] !== 'text' || header[1] !== 'category')
    throw new Error(`${name}: expected a "text,category" header`);
  return body
    .filter((r) => r.length >= 2 && r[0] !== '')
    .map((r) => ({ text: r[0] as string, label: r[1] as string }));
}

export async function loadDataset(dir: string): Promise<Dataset> {
  return { train: await readSplit(dir, 'train.csv'), test: await readSplit(dir, 'test.csv') };
}

/** The first `n` training rows of each label, in file order ("n-shot"). */
export function firstPerLabel(rows: readonly LabelledText[], n: number): LabelledText[] {
  const seen = new Map<string, number>();
  return rows.filter((r) => {
    const count = seen.get(r.label) ?? 0;
    seen.set(r.label, count + 1);
    return count < n;
  });
}
