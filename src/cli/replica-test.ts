/**
 * `edgefn replicas test`: one request through the gateway with `EO-Function-Replica-Name` set,
 * to the function's default domain, then the execution's invocation record (found by the
 * `EO-Request-Id` the gateway answered with). `--compare` sends the same request to production
 * and shows both side by side.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import type { ApiClient, Json } from './client.ts';
import type { CliConfig } from './config.ts';
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
  gateway?: string;
}

interface Exchange {
  status: number;
  headers: Record<string, string>;
  body: string;
  record: Json | null;
}

/** Shown bodies are cut here; the rest is counted, not printed. */
const shownBodyBytes = 64 * 1024;

async function gatewayUrl(config: CliConfig, api: ApiClient, flag: string | undefined): Promise<URL> {
  const given = flag ?? config.gateway;
  const text = given ?? ((await api.get('/platform')).gateway as string | null);
  if (!text) throw new CliError('the API did not say where the gateway is: pass --gateway URL');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`'${text}' is not a gateway URL`);
  }
  // A gateway listening on every address is reached at the API's host.
  if (given === undefined && (url.hostname === '0.0.0.0' || url.hostname === '[::]')) url.hostname = new URL(config.api).hostname;
  return url;
}

function parseHeaders(lines: string[]): [string, string][] {
  return lines.map((line) => {
    const colon = line.indexOf(':');
    if (colon < 1) throw new CliError(`-H '${line}' is not 'Name: value'`);
    return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
  });
}

function send(gateway: URL, host: string, options: TestOptions, replica: string | undefined): Promise<Omit<Exchange, 'record'>> {
  if (!options.path.startsWith('/')) throw new CliError(`--path must start with /: ${options.path}`);
  const body = options.data === undefined ? undefined : options.data.startsWith('@') ? readFileSync(options.data.slice(1)) : Buffer.from(options.data);
  const method = (options.request ?? (body ? 'POST' : 'GET')).toUpperCase();
  const headers: [string, string][] = [['host', host], ...parseHeaders(options.header)];
  if (replica !== undefined) headers.push(['EO-Function-Replica-Name', replica]);
  if (body) headers.push(['content-length', String(body.byteLength)]);
  const request = gateway.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request({ hostname: gateway.hostname, port: gateway.port, path: options.path, method, headers: headers.flat(), setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const flat: Record<string, string> = {};
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i]!.toLowerCase();
          flat[name] = flat[name] === undefined ? res.rawHeaders[i + 1]! : `${flat[name]}, ${res.rawHeaders[i + 1]!}`;
        }
        resolve({ status: res.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', (error) => reject(new CliError(`cannot reach the gateway at ${gateway.origin}: ${(error as NodeJS.ErrnoException).code ?? error.message}`, { exitCode: 2 })));
    req.end(body);
  });
}

/** The invocation record of `requestId`: records arrive once the response is done, so look a few times. */
async function recordOf(api: ApiClient, functionId: string, variant: string, requestId: string | undefined): Promise<Json | null> {
  if (!requestId) return null;
  for (let attempt = 0; attempt < 30; attempt++) {
    const page = await api.get(`/functions/${seg(functionId)}/logs?variant=${seg(variant)}&limit=100`);
    const record = (page.records as Json[]).find((r) => r.requestId === requestId);
    if (record) return record;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return null;
}

async function exchange(api: ApiClient, gateway: URL, fn: Json, options: TestOptions, replica: string | undefined): Promise<Exchange> {
  const response = await send(gateway, fn.domain as string, options, replica);
  const record = await recordOf(api, fn.id as string, replica ?? 'production', response.headers['eo-request-id']);
  return { ...response, record };
}

/** The lines of one exchange, in the order both sides are compared, safe to print. */
function linesOf(ex: Exchange, headerNames: string[]): [string, string][] {
  return rawLinesOf(ex, headerNames).map(([key, line]) => [key, inert(line)]);
}

function rawLinesOf(ex: Exchange, headerNames: string[]): [string, string][] {
  const lines: [string, string][] = [['status', String(ex.status)]];
  for (const name of headerNames) lines.push([`header ${name}`, ex.headers[name] === undefined ? '' : `${name}: ${ex.headers[name]}`]);
  const shown = ex.body.length > shownBodyBytes ? `${ex.body.slice(0, shownBodyBytes)}… (${ex.body.length - shownBodyBytes} more characters)` : ex.body;
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

function printExchange(title: string, ex: Exchange): void {
  printLine(colours.bold(title));
  for (const [key, line] of linesOf(ex, Object.keys(ex.headers).sort())) {
    if (key === 'outcome') printLine(colours.dim(`── invocation record ${ex.record!.requestId as string}`));
    if (key === 'body 0' || key === 'record') printLine();
    printLine(key === 'status' ? `HTTP ${line}` : line);
  }
}

function printSideBySide(replica: string, a: Exchange, b: Exchange): void {
  const names = [...new Set([...Object.keys(a.headers), ...Object.keys(b.headers)])].sort();
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

export async function testReplica(config: CliConfig, api: ApiClient, functionId: string, replica: string, options: TestOptions): Promise<void> {
  const fn = await api.get(`/functions/${seg(functionId)}`);
  await api.get(`/functions/${seg(functionId)}/replicas/${seg(replica)}`); // a missing replica would silently run production
  const gateway = await gatewayUrl(config, api, options.gateway);
  const ofReplica = await withProgress('Waiting for the response', exchange(api, gateway, fn, options, replica));
  const ofProduction = options.compare ? await withProgress('Waiting for production', exchange(api, gateway, fn, options, undefined)) : undefined;
  if (options.json) return printJson({ replica: ofReplica, ...(ofProduction ? { production: ofProduction } : {}) });
  if (ofProduction) printSideBySide(replica, ofReplica, ofProduction);
  else printExchange(`replica ${replica} of ${fn.name as string}`, ofReplica);
}
