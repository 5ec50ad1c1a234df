/** Typed reads of node:sqlite rows: a column of the wrong type means a corrupt file, so it throws. */
import type { SQLOutputValue } from 'node:sqlite';

export type Row = Record<string, SQLOutputValue>;

export function textColumn(row: Row, name: string): string {
  const value = row[name];
  if (typeof value !== 'string') throw new TypeError(`column ${name}: expected TEXT, got ${typeof value}`);
  return value;
}

export function integerColumn(row: Row, name: string): number {
  const value = row[name];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new TypeError(`column ${name}: expected INTEGER, got ${typeof value}`);
  }
  return value;
}

export function nullableIntegerColumn(row: Row, name: string): number | null {
  return row[name] === null ? null : integerColumn(row, name);
}

export function jsonColumn(row: Row, name: string): unknown {
  return JSON.parse(textColumn(row, name));
}
