/** Starting edgefn in-process on ephemeral ports, and a small API client for tests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEdgefn, type RunningEdgefn, type ServeOptions } from '../../src/main.ts';

export async function startPlatform(options: Partial<ServeOptions> = {}): Promise<RunningEdgefn & { dataDir: string }> {
  process.env.EDGEFN_ADMIN_TOKEN = 'test-token';
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'edgefn-'));
  const running = await startEdgefn({ dataDir, host: '127.0.0.1', port: 0, adminPort: 0, domainSuffix: 'edgefunctions.localhost', print: () => undefined, ...options });
  return { ...running, dataDir };
}

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** Calls the API with the test token; returns status and parsed JSON. */
export function apiClient(apiUrl: string, token = 'test-token') {
  return async <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
  };
}

/** A request to the gateway for `host` (sent to 127.0.0.1 with that Host header). */
export async function gatewayRequest(gatewayUrl: string, host: string, path: string, headers: Record<string, string> = {}, init: { method?: string; body?: string } = {}) {
  const { request } = await import('undici');
  const res = await request(`${gatewayUrl}${path}`, { method: (init.method ?? 'GET') as 'GET', headers: { host, ...headers }, ...(init.body !== undefined ? { body: init.body } : {}) });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

export const sw = (text: string): string => `addEventListener('fetch', (event) => event.respondWith(new Response(${JSON.stringify(text)})));`;
