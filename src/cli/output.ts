/**
 * What commands print: with `--json`, only JSON on stdout (the API's objects); otherwise aligned
 * tables and `label: value` lines, coloured when stdout is a terminal (picocolors honours
 * NO_COLOR and FORCE_COLOR).
 */
import pc from 'picocolors';

export const colours = pc;

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** A table with a header row; empty tables print `none`. */
export function printTable(header: string[], rows: string[][]): void {
  if (rows.length === 0) {
    printLine(pc.dim('none'));
    return;
  }
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  printLine(pc.bold(line(header)));
  for (const row of rows) printLine(line(row));
}

/** `label: value` lines, labels aligned; undefined values are left out. */
export function printFields(fields: [string, string | number | undefined][]): void {
  const shown = fields.filter((field): field is [string, string | number] => field[1] !== undefined);
  const width = Math.max(...shown.map(([label]) => label.length));
  for (const [label, value] of shown) printLine(`${pc.dim(`${label}:`.padEnd(width + 1))} ${value}`);
}

/** A unified diff, its added and removed lines coloured on a terminal. */
export function colourDiff(diff: string): string {
  return diff
    .split('\n')
    .map((line) => {
      if (line.startsWith('+++') || line.startsWith('---')) return pc.bold(line);
      if (line.startsWith('@@')) return pc.cyan(line);
      if (line.startsWith('+')) return pc.green(line);
      if (line.startsWith('-')) return pc.red(line);
      return line;
    })
    .join('\n');
}

/** Short local time of an ISO timestamp, for tables. */
export function shortTime(iso: unknown): string {
  return typeof iso === 'string' ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '';
}
