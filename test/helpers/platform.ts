/**
 * Test helpers for the platform: edgefn started in-process on ephemeral ports with a fresh data
 * dir, a JSON client for its API over real sockets, and requests to its gateway.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEdgefn, type RunningEdgefn, type ServeOptions } from '../../src/main.ts';

export interface PlatformOptions extends Partial<ServeOptions> {
  /** EDGEFN_ADMIN_TOKEN while starting (default 'test-token'); null unsets it (the token file is used). */
  token?: string | null;
}

export type Platform = RunningEdgefn & { dataDir: string };

/**
 * Starts edgefn. The admin-token variable is restored after start. A given `dataDir` is left in
 * place on close; a generated one is removed.
 */
export async function startPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const { token = 'test-token', ...serve } = options;
  const dataDir = serve.dataDir ?? mkdtempSync(join(tmpdir(), 'edgefn-'));
  const saved = process.env.EDGEFN_ADMIN_TOKEN;
  if (token === null) delete process.env.EDGEFN_ADMIN_TOKEN;
  else process.env.EDGEFN_ADMIN_TOKEN = token;
  try {
    const running = await startEdgefn({ host: '127.0.0.1', port: 0, adminPort: 0, domainSuffix: 'edgefunctions.localhost', workers: 1, print: () => undefined, ...serve, dataDir });
    return {
      ...running,
      dataDir,
      close: async () => {
        await running.close();
        if (serve.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } finally {
    if (saved === undefined) delete process.env.EDGEFN_ADMIN_TOKEN;
    else process.env.EDGEFN_ADMIN_TOKEN = saved;
  }
}

/** Every error body: `{error: {code, message}}` (plus optional `details`). */
export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export interface Answer<T> {
  status: number;
  /** Parsed JSON (undefined when the body is empty). */
  body: T;
  /** The raw body text, for "never appears anywhere" checks. */
  text: string;
  headers: Headers;
}

export interface CallOptions {
  /** Override the Authorization header; null sends none. */
  authorization?: string | null;
  /** Send this exact text as the body instead of JSON-encoding `body`. */
  raw?: string;
}

export type Api = <T = ErrorBody>(method: string, path: string, body?: unknown, options?: CallOptions) => Promise<Answer<T>>;

/** A JSON client for the API that sends the bearer token. */
export function apiClient(target: { apiUrl: string; token: string }): Api {
  return async <T = ErrorBody>(method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<Answer<T>> => {
    const headers: Record<string, string> = {};
    const authorization = options.authorization === undefined ? `Bearer ${target.token}` : options.authorization;
    if (authorization !== null) headers.authorization = authorization;
    const payload = options.raw ?? (body === undefined ? undefined : JSON.stringify(body));
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${target.apiUrl}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        assert.fail(`${method} ${path} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
      }
    }
    return { status: res.status, body: parsed as T, text, headers: res.headers };
  };
}

/** Asserts an error answer: the status, the code, and the `{error: {code, message}}` shape. */
export function assertError(answer: Answer<unknown>, status: number, code: string, context = ''): ErrorBody {
  const where = context ? ` (${context})` : '';
  assert.equal(answer.status, status, `expected ${status} ${code}${where}, got ${answer.status}: ${answer.text}`);
  assert.match(answer.headers.get('content-type') ?? '', /application\/json/, `error content-type${where}`);
  const body = answer.body as ErrorBody;
  assert.ok(body && typeof body === 'object' && body.error && typeof body.error === 'object', `error body shape${where}: ${answer.text}`);
  assert.equal(body.error.code, code, `error code${where}: ${answer.text}`);
  assert.equal(typeof body.error.message, 'string', `error message${where}`);
  assert.ok(body.error.message.length > 0, `error message is not empty${where}`);
  return body;
}

/** A request to the gateway for `host` (sent to 127.0.0.1 with that Host header). */
export async function gatewayRequest(gatewayUrl: string, host: string, path: string, headers: Record<string, string> = {}, init: { method?: string; body?: string } = {}) {
  const { request } = await import('undici');
  const res = await request(`${gatewayUrl}${path}`, { method: (init.method ?? 'GET') as 'GET', headers: { host, ...headers }, ...(init.body !== undefined ? { body: init.body } : {}) });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** A Service Worker function answering `text`. */
export const sw = (text: string): string => `addEventListener('fetch', (event) => event.respondWith(new Response(${JSON.stringify(text)})));\n`;
