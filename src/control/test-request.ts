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
/** For the whole exchange, connect to the end of the body. */
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

/** Where to connect: the gateway's own address, a wildcard listen address meaning this host. */
export function gatewayTarget(gatewayUrl: string): { hostname: string; port: string } {
  const url = new URL(gatewayUrl);
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { hostname: hostname === '0.0.0.0' ? '127.0.0.1' : hostname === '::' ? '::1' : hostname, port: url.port };
}

function send(gateway: { hostname: string; port: string }, host: string, input: TestInput): Promise<Omit<TestResult, 'record' | 'requestId'>> {
  const headers: string[] = ['host', host];
  for (const [name, value] of input.headers) headers.push(name, value);
  // Production is asked for by name, so a replica on a rollout cannot answer a production test.
  headers.push('EO-Function-Replica-Name', input.variant);
  const body = input.body === undefined ? undefined : Buffer.from(input.body);
  if (body) headers.push('content-length', String(body.byteLength));
  return new Promise((resolve, reject) => {
    // The whole exchange has a deadline: a response that trickles forever does not hold the API.
    const deadline = setTimeout(() => req.destroy(new Error(`no complete answer within ${timeoutMs / 1000} s`)), timeoutMs);
    const req = request({ hostname: gateway.hostname, port: gateway.port, path: input.path, method: input.method, headers, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      const finish = (truncated: boolean) => {
        clearTimeout(deadline);
        const pairs: [string, string][] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
        resolve({ status: res.statusCode ?? 0, headers: pairs, body: Buffer.concat(chunks).toString('utf8'), bodyTruncated: truncated });
      };
      res.on('data', (chunk: Buffer) => {
        const room = maxShownBody - kept;
        chunks.push(chunk.subarray(0, room));
        kept += Math.min(chunk.byteLength, room);
        if (chunk.byteLength > room) {
          // More than can be shown: stop reading the rest rather than draining it.
          res.removeAllListeners('data');
          res.removeAllListeners('end');
          req.destroy();
          finish(true);
        }
      });
      res.on('error', () => undefined);
      res.on('end', () => finish(false));
    });
    req.on('error', (error) => {
      clearTimeout(deadline);
      reject(new EdgefnError('FailedOperation.TestRequestFailed', `The test request through the gateway failed: ${error.message}`));
    });
    req.end(body);
  });
}

/** The record of `requestId`, once the log has it (records come after the response has gone). */
async function recordOf(control: ControlPlane, functionId: string, variant: string, requestId: string): Promise<InvocationRecord | null> {
  const deadline = Date.now() + recordWaitMs;
  for (;;) {
    let record;
    try {
      record = await control.findLog(functionId, variant, requestId);
    } catch {
      return null; // records are off
    }
    if (record) return record;
    if (Date.now() > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function runTestRequest(control: ControlPlane, gatewayUrl: string, functionId: string, input: TestInput): Promise<TestResult> {
  const fn = await control.getFunction(functionId);
  // A replica that does not exist would silently run production.
  if (input.variant !== 'production') await control.getReplica(functionId, input.variant);
  const response = await send(gatewayTarget(gatewayUrl), fn.domain, input);
  const requestId = response.headers.find(([name]) => name === 'eo-request-id')?.[1] ?? null;
  const record = requestId ? await recordOf(control, functionId, input.variant, requestId) : null;
  return { ...response, requestId, record };
}
