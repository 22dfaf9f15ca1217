import type { Writable } from 'node:stream';

export function writeLine(stream: Writable, line = ''): void {
  stream.write(`${line}\n`);
}

export function writeJson(stream: Writable, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain aligned table, header first; used by list commands. */
export function renderTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] + 2))).join('');
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

export const FORMAT_FLAG = {
  format: { type: 'string', description: 'output format', choices: ['text', 'json'], placeholder: 'FORMAT' },
} as const;
