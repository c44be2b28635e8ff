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
  // Cells hold what users and functions wrote (remarks, env values): shown inert.
  rows = rows.map((row) => row.map((cell) => inert(cell)));
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  printLine(pc.bold(line(header)));
  for (const row of rows) printLine(line(row));
}

/** `label: value` lines, labels aligned; undefined values are left out. */
export function printFields(fields: [string, string | number | undefined][]): void {
  const shown = fields.filter((field): field is [string, string | number] => field[1] !== undefined);
  const width = Math.max(...shown.map(([label]) => label.length));
  for (const [label, value] of shown) printLine(`${pc.dim(`${label}:`.padEnd(width + 1))} ${inert(String(value))}`);
}

/** A unified diff, its added and removed lines coloured on a terminal. */
export function colourDiff(diff: string): string {
  return inert(diff)
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

/**
 * Text that came from a function (bodies, headers, console lines, errors), made safe to print: a
 * hostile function must not drive the user's terminal with escape sequences (retitle it, write
 * the clipboard, hide lines), so control characters other than newline and tab are shown as
 * `\xNN` / `\u{NN}`.
 */
export function inert(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** Short local time of an ISO timestamp, for tables. */
export function shortTime(iso: unknown): string {
  return typeof iso === 'string' ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '';
}
