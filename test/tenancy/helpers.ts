/**
 * The hostile-tenant bench: `edgefn serve` as a child process, a victim zone whose function must
 * keep answering, and an attacker zone whose function (production or a replica) is swapped for
 * each attack. The attacker's origin is a local server with the payloads attacks need.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { apiClient, sw, type Api } from '../helpers/platform.ts';
import { rssMbOf, startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';
import { startServer, type TestServer } from '../helpers/servers.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  ms: number;
}

export interface Tenancy {
  serve: ServeProcess;
  api: Api;
  origin: TestServer;
  attackerDomain: string;
  attackerZoneId: string;
  attackerFunctionId: string;
  victimDomain: string;
  /** Makes `code` the attacker's production code, or the code of its replica `evil`. */
  deploy(code: string, variant?: 'production' | 'replica'): Promise<void>;
  /** A request to the attacker's function (its replica with variant 'replica'). */
  attack(path?: string, variant?: 'production' | 'replica', init?: { headers?: Record<string, string>; timeoutMs?: number }): Promise<Answer>;
  /** Resident memory (MB) of the process a variant runs in: the gateway, or the replica lane. */
  rss(variant: 'production' | 'replica'): number;
  /** A request to the victim; it must always answer 200 "ok". */
  victim(): Promise<Answer>;
  /** The process is alive and the victim answers (in production and through the replica lane). */
  assertHealthy(context: string): Promise<void>;
  close(): Promise<void>;
}

export async function send(gatewayUrl: string, host: string, path: string, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<Answer> {
  const started = performance.now();
  const res = await request(`${gatewayUrl}${path}`, { headers: { host, ...headers }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, ms: performance.now() - started };
}

/** Payloads for attacks: /bytes/N (N bytes), /gzip-bomb/N (N zero bytes, gzip-coded), /echo. */
export type OriginHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export async function startTenancy(originHandler: OriginHandler = () => false, serveArgs: string[] = []): Promise<Tenancy> {
  const dataDir = mkdtempSync(join(tmpdir(), 'edgefn-tenancy-'));
  const origin = await startServer((req, res) => {
    if (originHandler(req, res)) return;
    const bytes = /^\/bytes\/(\d+)/.exec(req.url ?? '');
    if (bytes) {
      const total = Number(bytes[1]);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
      const chunk = Buffer.alloc(1024 * 1024, 0x61);
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          const n = Math.min(chunk.length, total - sent);
          sent += n;
          if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('origin');
  });
  const serve = await startServeProcess(dataDir, serveArgs);
  const api = apiClient({ apiUrl: serve.apiUrl, token: 'test-token' });
  const zone = async (name: string, originUrl: string): Promise<string> => {
    const answer = await api<{ id: string }>('POST', '/api/v1/zones', { name, origin: originUrl });
    assert.equal(answer.status, 201, answer.text);
    return answer.body.id;
  };
  const victimZone = await zone('victim.test', 'http://127.0.0.1:9');
  const attackerZone = await zone('attacker.test', origin.url);
  const victimFn = await api<{ id: string; domain: string }>('POST', '/api/v1/functions', { zoneId: victimZone, name: 'victim', content: sw('ok') });
  assert.equal(victimFn.status, 201, victimFn.text);
  const victimReplica = await api('POST', `/api/v1/functions/${victimFn.body.id}/replicas`, { name: 'good', from: 'production' });
  assert.equal(victimReplica.status, 201, victimReplica.text);
  const attackerFn = await api<{ id: string; domain: string }>('POST', '/api/v1/functions', { zoneId: attackerZone, name: 'attacker', content: sw('idle') });
  assert.equal(attackerFn.status, 201, attackerFn.text);
  const replica = await api('POST', `/api/v1/functions/${attackerFn.body.id}/replicas`, { name: 'evil', from: 'production' });
  assert.equal(replica.status, 201, replica.text);

  const t: Tenancy = {
    serve,
    api,
    origin,
    attackerDomain: attackerFn.body.domain,
    attackerZoneId: attackerZone,
    attackerFunctionId: attackerFn.body.id,
    victimDomain: victimFn.body.domain,
    async deploy(code, variant = 'production') {
      const path = variant === 'production' ? `/api/v1/functions/${attackerFn.body.id}` : `/api/v1/functions/${attackerFn.body.id}/replicas/evil`;
      const answer = await api('PATCH', path, { content: code });
      assert.equal(answer.status, 200, answer.text);
    },
    attack(path = '/', variant = 'production', init = {}) {
      const headers = { ...(variant === 'replica' ? { 'eo-function-replica-name': 'evil' } : {}), ...init.headers };
      return send(serve.gatewayUrl, attackerFn.body.domain, path, headers, init.timeoutMs);
    },
    rss(variant) {
      if (variant === 'production') return serve.rssMb();
      const lane = serve.lanePid();
      return lane ? rssMbOf(lane) : 0;
    },
    victim: () => send(serve.gatewayUrl, victimFn.body.domain, '/'),
    async assertHealthy(context) {
      assert.ok(serve.alive(), `${context}: the process died\n${serve.stderr()}`);
      const production = await send(serve.gatewayUrl, victimFn.body.domain, '/');
      assert.equal(production.status, 200, `${context}: the victim answered ${production.status} ${production.text}`);
      assert.equal(production.text, 'ok', context);
      const viaLane = await send(serve.gatewayUrl, victimFn.body.domain, '/', { 'eo-function-replica-name': 'good' });
      assert.equal(viaLane.status, 200, `${context}: the victim's replica answered ${viaLane.status} ${viaLane.text}`);
    },
    async close() {
      await serve.kill9();
      await origin.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}
