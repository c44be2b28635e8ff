/**
 * Shared helpers for the HTTP API contract tests (test/platform/api-*.test.ts): one in-process
 * edgefn per suite on ephemeral ports with a fresh data dir, and a small JSON client over real
 * sockets (global fetch).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startEdgefn } from '../../src/main.ts';

export const suffix = 'edgefunctions.localhost';

export interface Platform {
  apiUrl: string;
  gatewayUrl: string;
  token: string;
  dataDir: string;
  tokenFile: string | undefined;
  close(): Promise<void>;
}

/**
 * Starts edgefn on a fresh temp data dir. With `token` set, EDGEFN_ADMIN_TOKEN is that value while
 * starting; with `token: null` it is unset (the token file is used). The variable is restored after.
 * A given `dataDir` is left in place on close; a generated one is removed.
 */
export async function startPlatform(options: { token?: string | null; dataDir?: string; print?: (line: string) => void } = {}): Promise<Platform> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'edgefn-'));
  const saved = process.env.EDGEFN_ADMIN_TOKEN;
  const wanted = options.token === undefined ? 'api-contract-token' : options.token;
  if (wanted === null) delete process.env.EDGEFN_ADMIN_TOKEN;
  else process.env.EDGEFN_ADMIN_TOKEN = wanted;
  try {
    const running = await startEdgefn({ dataDir, host: '127.0.0.1', port: 0, adminPort: 0, domainSuffix: suffix, print: options.print ?? (() => {}) });
    return {
      apiUrl: running.apiUrl,
      gatewayUrl: running.gatewayUrl,
      token: running.token,
      tokenFile: running.tokenFile,
      dataDir,
      close: async () => {
        await running.close();
        if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
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

/** A JSON client for the API that sends the platform's bearer token. */
export function apiClient(platform: Platform): Api {
  return async <T = ErrorBody>(method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<Answer<T>> => {
    const headers: Record<string, string> = {};
    const authorization = options.authorization === undefined ? `Bearer ${platform.token}` : options.authorization;
    if (authorization !== null) headers.authorization = authorization;
    const payload = options.raw ?? (body === undefined ? undefined : JSON.stringify(body));
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${platform.apiUrl}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
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

/** A Service Worker-style function answering `text`. */
export const sw = (text: string): string => `addEventListener('fetch', (event) => event.respondWith(new Response(${JSON.stringify(text)})));\n`;

export interface ZoneView {
  id: string;
  name: string;
  origin: string;
}

export interface VersionRef {
  id: string;
  sha256: string;
  source: string;
  createdAt: string;
}

export interface FunctionView {
  id: string;
  zoneId: string;
  name: string;
  remark: string;
  domain: string;
  productionVersion: VersionRef;
  createdAt: string;
  updatedAt: string;
}

export interface VersionView extends VersionRef {
  remark: string;
  content?: string;
}

export interface ReplicaView {
  functionId: string;
  name: string;
  remark: string;
  revision: number;
  createdAt: string;
  modifiedAt: string;
  content?: string;
}

export interface EnvView {
  key: string;
  type: string;
  value?: string;
}

/** Creates a zone named `name` (origin http://127.0.0.1:9) and returns it. */
export async function createZone(api: Api, name: string): Promise<ZoneView> {
  const answer = await api<ZoneView>('POST', '/api/v1/zones', { name, origin: 'http://127.0.0.1:9' });
  assert.equal(answer.status, 201, answer.text);
  return answer.body;
}

/** Creates a function and returns it. */
export async function createFunction(api: Api, zoneId: string, name: string, content = sw(name), remark?: string): Promise<FunctionView> {
  const answer = await api<FunctionView>('POST', '/api/v1/functions', { zoneId, name, content, ...(remark !== undefined ? { remark } : {}) });
  assert.equal(answer.status, 201, answer.text);
  return answer.body;
}

/** The hex SHA-256 of `text` in UTF-8. */
export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');
