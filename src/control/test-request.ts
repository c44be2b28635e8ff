/**
 * Test requests (`POST /api/v1/functions/{id}/test`), the "Send" of the console and the CLI: the
 * serving process sends one request through this platform's own gateway to the function's default
 * domain (with `EO-Function-Replica-Name` for a replica) and answers with the response and that
 * execution's invocation record. The target is always this gateway; the caller names only the
 * method, path, headers and body, so the route reaches nothing else.
 */
import { request } from 'node:http';
import { EdgefnError } from '../domain/errors.ts';
import type { InvocationRecord } from '../store/invocation-log.ts';
import type { ControlPlane } from './services.ts';

export interface TestInput {
  /** 'production' or a replica's name. */
  variant: string;
  method: string;
  /** Path and query, starting with '/'. */
  path: string;
  headers: [string, string][];
  body?: string;
}

export interface TestResult {
  status: number;
  headers: [string, string][];
  /** The body as UTF-8 text, up to {@link maxShownBody} bytes. */
  body: string;
  bodyTruncated: boolean;
  requestId: string | null;
  /** The execution's record (null when none came within a few seconds, or records are off). */
  record: InvocationRecord | null;
}

/** EdgeOne's request body limit. */
const maxRequestBody = 1024 * 1024;
const maxShownBody = 1024 * 1024;
const timeoutMs = 30_000;
const recordWaitMs = 5_000;
/** Set by the platform, not the caller. */
const reserved = new Set(['host', 'eo-function-replica-name', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect']);

const bad = (message: string) => new EdgefnError('InvalidParameter.InvalidParameter', message);

/** Checks what the caller sent; the body of the route has already been read as JSON. */
export function parseTestInput(body: Record<string, unknown>): TestInput {
  const variant = body.variant ?? 'production';
  const method = body.method ?? 'GET';
  const path = body.path ?? '/';
  if (typeof variant !== 'string' || variant === '') throw bad("'variant' must be 'production' or a replica name");
  if (typeof method !== 'string' || !/^[A-Z]{1,16}$/.test(method)) throw bad("'method' must be an HTTP method in capitals, e.g. GET");
  if (typeof path !== 'string' || !/^\/[\x21-\x7e]{0,8191}$/.test(path)) throw bad("'path' must start with / and hold no spaces or control characters");
  const headers = body.headers ?? [];
  if (!Array.isArray(headers) || headers.length > 100 || headers.some((h) => !Array.isArray(h) || h.length !== 2 || typeof h[0] !== 'string' || typeof h[1] !== 'string')) {
    throw bad("'headers' must be a list of at most 100 [name, value] pairs of strings");
  }
  for (const [name, value] of headers as [string, string][]) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/.test(name)) throw bad(`Header name '${name.slice(0, 64)}' is not a valid HTTP header name`);
    if (reserved.has(name.toLowerCase())) throw bad(`Header '${name}' is set by the platform`);
    if (!/^[\t\x20-\x7e\x80-\xff]{0,8192}$/.test(value)) throw bad(`Header '${name}' has a value with control characters or over 8 KB`);
  }
  if (body.body !== undefined && typeof body.body !== 'string') throw bad("'body' must be a string");
  if (typeof body.body === 'string' && Buffer.byteLength(body.body) > maxRequestBody) throw bad(`'body' is over ${maxRequestBody} bytes`);
  return { variant, method, path, headers: headers as [string, string][], ...(typeof body.body === 'string' ? { body: body.body } : {}) };
}

function send(gateway: URL, host: string, input: TestInput): Promise<Omit<TestResult, 'record' | 'requestId'>> {
  const headers: string[] = ['host', host];
  for (const [name, value] of input.headers) headers.push(name, value);
  if (input.variant !== 'production') headers.push('EO-Function-Replica-Name', input.variant);
  const body = input.body === undefined ? undefined : Buffer.from(input.body);
  if (body) headers.push('content-length', String(body.byteLength));
  return new Promise((resolve, reject) => {
    const req = request({ hostname: gateway.hostname, port: gateway.port, path: input.path, method: input.method, headers, setHost: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      let truncated = false;
      res.on('data', (chunk: Buffer) => {
        if (kept >= maxShownBody) {
          truncated = true;
          return;
        }
        chunks.push(chunk.subarray(0, maxShownBody - kept));
        truncated ||= chunk.byteLength > maxShownBody - kept;
        kept += Math.min(chunk.byteLength, maxShownBody - kept);
      });
      res.on('error', reject);
      res.on('end', () => {
        const pairs: [string, string][] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
        resolve({ status: res.statusCode ?? 0, headers: pairs, body: Buffer.concat(chunks).toString('utf8'), bodyTruncated: truncated });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', (error) => reject(new EdgefnError('FailedOperation.TestRequestFailed', `The test request through the gateway failed: ${error.message}`)));
    req.end(body);
  });
}

/** The record of `requestId`, once the log has it (records come after the response has gone). */
async function recordOf(control: ControlPlane, functionId: string, variant: string, requestId: string): Promise<InvocationRecord | null> {
  const deadline = Date.now() + recordWaitMs;
  for (;;) {
    let page;
    try {
      page = await control.listLogs(functionId, { variant, limit: 1000 });
    } catch {
      return null; // records are off
    }
    const record = page.records.find((r) => r.requestId === requestId);
    if (record) return record;
    if (Date.now() > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function runTestRequest(control: ControlPlane, gatewayUrl: string, functionId: string, input: TestInput): Promise<TestResult> {
  const fn = await control.getFunction(functionId);
  // A replica that does not exist would silently run production.
  if (input.variant !== 'production') await control.getReplica(functionId, input.variant);
  const gateway = new URL(gatewayUrl);
  if (gateway.hostname === '0.0.0.0') gateway.hostname = '127.0.0.1';
  if (gateway.hostname === '[::]') gateway.hostname = '[::1]';
  const response = await send(gateway, fn.domain, input);
  const requestId = response.headers.find(([name]) => name === 'eo-request-id')?.[1] ?? null;
  const record = requestId ? await recordOf(control, functionId, input.variant, requestId) : null;
  return { ...response, requestId, record };
}
