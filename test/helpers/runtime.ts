/** Test helpers: run a function in a real Runtime and read its answer. */
import type { Readable } from 'node:stream';
import { Runtime, type ExecutionReport, type FunctionCode, type IncomingRequest, type RunOptions, type RuntimeOptions } from '../../src/runtime/runtime.ts';

export interface Answer {
  kind: 'response' | 'passthrough' | 'error';
  status: number;
  headers: Map<string, string>;
  text: string;
  code?: string;
  message?: string;
  report: ExecutionReport;
}

export function makeRequest(url = 'http://example.com/', init: Partial<IncomingRequest> = {}): IncomingRequest {
  return { method: 'GET', url, headers: ['host', new URL(url).host], body: null, clientIp: '203.0.113.7', ...init };
}

async function readAll(body: null | string | Uint8Array | Readable): Promise<string> {
  if (body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

/** Runs one request and reads the whole answer. */
export async function run(runtime: Runtime, fn: FunctionCode | string, request: IncomingRequest = makeRequest(), options: RunOptions = {}): Promise<Answer> {
  const code = typeof fn === 'string' ? { code: fn } : fn;
  const { outcome, report } = await runtime.execute(code, request, options);
  if (outcome.kind === 'response') {
    const headers = new Map<string, string>();
    for (let i = 0; i < outcome.headers.length; i += 2) {
      const name = outcome.headers[i]!.toLowerCase();
      const prev = headers.get(name);
      headers.set(name, prev === undefined ? outcome.headers[i + 1]! : `${prev}, ${outcome.headers[i + 1]!}`);
    }
    const text = await readAll(outcome.body);
    return { kind: 'response', status: outcome.status, headers, text, report: await report };
  }
  if (outcome.kind === 'passthrough') return { kind: 'passthrough', status: 0, headers: new Map(), text: '', report: await report };
  return { kind: 'error', status: 0, headers: new Map(), text: '', code: outcome.error.code, message: outcome.error.message, report: await report };
}

/** A Service Worker function whose handler body is `body` (an async function of `request`). */
export function sw(body: string): string {
  return `addEventListener('fetch', (event) => event.respondWith((async (request) => { ${body} })(event.request)));`;
}

export function newRuntime(options: RuntimeOptions = {}): Runtime {
  return new Runtime(options);
}
