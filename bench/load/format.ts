/** Number and Markdown-table formatting for the bench's report. */
export const fixed = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const mib = (bytes: number) => `${fixed(bytes / 1024 / 1024)} MiB`;
export const ms = (value: number) => `${fixed(value, value < 10 ? 2 : 1)} ms`;
export const ratio = (value: number) => `${fixed(value, 2)}×`;

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
