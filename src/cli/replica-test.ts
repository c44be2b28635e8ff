/**
 * `edgefn replicas test`: one request through the gateway to the function's default domain with
 * `EO-Function-Replica-Name` set (the API's test route sends it), then the execution's invocation
 * record. `--compare` sends the same request to production and shows both side by side.
 */
import { readFileSync } from 'node:fs';
import type { ApiClient, Json } from './client.ts';
import { seg } from './context.ts';
import { CliError } from './errors.ts';
import { colours, inert, printJson, printLine } from './output.ts';
import { withProgress } from './prompt.ts';

export interface TestOptions {
  json?: boolean;
  path: string;
  request?: string;
  header: string[];
  data?: string;
  compare?: boolean;
}

/** What the API's test route answers. */
interface Exchange {
  status: number;
  headers: [string, string][];
  body: string;
  bodyTruncated: boolean;
  record: Json | null;
}

function parseHeaders(lines: string[]): [string, string][] {
  return lines.map((line) => {
    const colon = line.indexOf(':');
    if (colon < 1) throw new CliError(`-H '${line}' is not 'Name: value'`);
    return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
  });
}

function requestOf(options: TestOptions, variant: string): Json {
  let body: string | undefined;
  if (options.data !== undefined) {
    if (!options.data.startsWith('@')) body = options.data;
    else {
      try {
        body = readFileSync(options.data.slice(1), 'utf8');
      } catch (error) {
        throw new CliError(`cannot read ${options.data.slice(1)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    }
  }
  const method = (options.request ?? (body !== undefined ? 'POST' : 'GET')).toUpperCase();
  return { variant, method, path: options.path, headers: parseHeaders(options.header), ...(body !== undefined ? { body } : {}) };
}

const exchange = async (api: ApiClient, functionId: string, options: TestOptions, variant: string): Promise<Exchange> =>
  (await api.request('POST', `/functions/${seg(functionId)}/test`, requestOf(options, variant))) as unknown as Exchange;

/** The lines of one exchange, in the order both sides are compared, safe to print. */
function linesOf(ex: Exchange, headerNames: string[]): [string, string][] {
  return rawLinesOf(ex, headerNames).map(([key, line]) => [key, inert(line)]);
}

function rawLinesOf(ex: Exchange, headerNames: string[]): [string, string][] {
  const lines: [string, string][] = [['status', String(ex.status)]];
  for (const name of headerNames) {
    const values = ex.headers.filter(([n]) => n === name).map(([, v]) => v);
    lines.push([`header ${name}`, values.length === 0 ? '' : `${name}: ${values.join(', ')}`]);
  }
  const shown = ex.bodyTruncated ? `${ex.body}… (cut at ${ex.body.length} characters)` : ex.body;
  shown.split('\n').forEach((line, i) => lines.push([`body ${i}`, line]));
  const r = ex.record;
  if (!r) {
    lines.push(['record', '(no invocation record found)']);
    return lines;
  }
  lines.push(['outcome', `outcome: ${r.outcome as string}`]);
  lines.push(['cpu', `cpu ${r.cpuMs as number} ms, wall ${r.wallMs as number} ms, ${r.subrequests as number} subrequests`]);
  (r.logs as { level: string; message: string }[]).forEach((l, i) => lines.push([`log ${i}`, `[${l.level}] ${l.message}`]));
  if ((r.droppedLogs as number) > 0) lines.push(['dropped', `(${r.droppedLogs as number} console lines dropped)`]);
  const error = r.error as { message: string; stack?: string } | undefined;
  if (error) (error.stack ?? error.message).split('\n').forEach((l, i) => lines.push([`error ${i}`, l]));
  return lines;
}

const namesOf = (ex: Exchange): string[] => [...new Set(ex.headers.map(([name]) => name))].sort();

function printExchange(title: string, ex: Exchange): void {
  printLine(colours.bold(title));
  for (const [key, line] of linesOf(ex, namesOf(ex))) {
    if (key === 'outcome') printLine(colours.dim(`── invocation record ${ex.record!.requestId as string}`));
    if (key === 'body 0' || key === 'record') printLine();
    printLine(key === 'status' ? `HTTP ${line}` : line);
  }
}

function printSideBySide(replica: string, a: Exchange, b: Exchange): void {
  const names = [...new Set([...namesOf(a), ...namesOf(b)])].sort();
  const left = new Map(linesOf(a, names));
  const right = new Map(linesOf(b, names));
  const keys = [...new Set([...left.keys(), ...right.keys()])];
  const width = Math.max(20, Math.floor(((process.stdout.columns || 160) - 3) / 2));
  const cut = (text: string) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));
  printLine(`${colours.bold(cut(`replica ${replica}`))} ${colours.dim('|')} ${colours.bold('production')}`);
  for (const key of keys) {
    const l = left.get(key) ?? '';
    const r = right.get(key) ?? '';
    const differs = l !== r;
    printLine(`${differs ? colours.yellow(cut(l)) : cut(l)} ${differs ? colours.yellow('≠') : colours.dim('|')} ${differs ? colours.yellow(r) : r}`);
  }
  const count = keys.filter((key) => (left.get(key) ?? '') !== (right.get(key) ?? '')).length;
  printLine(colours.dim(`${count} line${count === 1 ? '' : 's'} differ (marked ≠)`));
}

export async function testReplica(api: ApiClient, functionId: string, replica: string, options: TestOptions): Promise<void> {
  const fn = await api.get(`/functions/${seg(functionId)}`);
  const ofReplica = await withProgress('Waiting for the response', exchange(api, functionId, options, replica));
  const ofProduction = options.compare ? await withProgress('Waiting for production', exchange(api, functionId, options, 'production')) : undefined;
  if (options.json) return printJson({ replica: ofReplica, ...(ofProduction ? { production: ofProduction } : {}) });
  if (ofProduction) printSideBySide(replica, ofReplica, ofProduction);
  else printExchange(`replica ${replica} of ${fn.name as string}`, ofReplica);
}
