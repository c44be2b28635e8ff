/**
 * Per-version metrics: `GET /metrics` (Prometheus text, admin token) counts executions per
 * production version and per replica revision, with header, rollout and shadow traffic apart;
 * `GET …/metrics/compare?replica=` compares the replica with production over a window; and a
 * rollout with `abortIf` stops by itself, saying why, once too many of its requests fail.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient, assertError, createFunction, createZone, startPlatform, type Api, type FunctionView, type Platform } from './helpers.ts';
import { gatewayRequest } from '../helpers/platform.ts';

const production = `addEventListener('fetch', (event) => event.respondWith(new Response('production')));`;
// Fails on /fail, as a replica under test might.
const replica = `addEventListener('fetch', (event) => {
  if (new URL(event.request.url).pathname === '/fail') throw new Error('not ready');
  event.respondWith(new Response('replica'));
});`;

interface Summary {
  requests: number;
  failures: number;
  errorRate: number | null;
  wallMs: { p50: number; p95: number; p99: number } | null;
  cpuMs: { p50: number; p95: number; p99: number } | null;
}
interface Compare {
  window: { seconds: number; from: string; to: string };
  production: Summary & { version: string };
  replica: Summary & { name: string; revision: number; byTraffic: Record<'header' | 'rollout' | 'shadow', Summary> };
}

async function metricsText(platform: Platform, token = platform.token): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${platform.apiUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

/** The value of the sample with exactly these labels (in any order), or 0. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const got = Object.fromEntries([...match[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.keys(labels).every((k) => got[k] === labels[k]) && Object.keys(got).length === Object.keys(labels).length) return Number(match[3]);
  }
  return 0;
}

async function until<T>(what: string, get: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await get();
    if (ok(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('per-version metrics', () => {
  let platform: Platform;
  let api: Api;
  let fn: FunctionView;
  let version = '';
  const replicaPath = () => `/api/v1/functions/${fn.id}/replicas/next`;
  const compare = async (query = 'replica=next') => api<Compare>('GET', `/api/v1/functions/${fn.id}/metrics/compare?${query}`);

  before(async () => {
    platform = await startPlatform({ workers: 2 });
    api = apiClient(platform);
    const zone = await createZone(api, 'metrics.example.com');
    fn = await createFunction(api, zone.id, 'measured', production);
    version = fn.productionVersion.id;
    assert.equal((await api('POST', `/api/v1/functions/${fn.id}/replicas`, { name: 'next', content: replica })).status, 201);
  });
  after(() => platform?.close());

  it('serves Prometheus text to the admin token only', async () => {
    const refused = await metricsText(platform, 'wrong');
    assert.equal(refused.status, 401);
    assert.doesNotMatch(refused.text, /edgefn_/);
    const got = await metricsText(platform);
    assert.equal(got.status, 200);
    assert.match(got.type ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(got.text, /# TYPE edgefn_executions_total counter/);
    assert.match(got.text, /# TYPE edgefn_execution_wall_seconds histogram/);
    assert.match(got.text, /edgefn_process_resident_memory_bytes \d+/);
  });

  it('counts production and each kind of replica traffic apart, by version', async () => {
    for (let i = 0; i < 10; i++) assert.equal((await gatewayRequest(platform.gatewayUrl, fn.domain, '/')).text, 'production');
    for (let i = 0; i < 4; i++) assert.equal((await gatewayRequest(platform.gatewayUrl, fn.domain, '/', { 'eo-function-replica-name': 'next' })).text, 'replica');
    assert.equal((await gatewayRequest(platform.gatewayUrl, fn.domain, '/fail', { 'eo-function-replica-name': 'next' })).status, 500);
    assert.equal((await api('PUT', `${replicaPath()}/rollout`, { percent: 100 })).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await gatewayRequest(platform.gatewayUrl, fn.domain, '/')).text, 'replica');
    assert.equal((await api('DELETE', `${replicaPath()}/rollout`)).status, 200);

    const base = { function_id: fn.id };
    const text = await until('all executions counted', () => metricsText(platform).then((m) => m.text), (t) =>
      sample(t, 'edgefn_execution_wall_seconds_count', { ...base, variant: 'next', version: 'r1', traffic: 'rollout' }) === 3 &&
      sample(t, 'edgefn_execution_wall_seconds_count', { ...base, variant: 'production', version, traffic: 'production' }) === 10 &&
      sample(t, 'edgefn_execution_wall_seconds_count', { ...base, variant: 'next', version: 'r1', traffic: 'header' }) === 5,
    );
    assert.equal(sample(text, 'edgefn_executions_total', { ...base, variant: 'production', version, traffic: 'production', outcome: 'ok', status: '2xx' }), 10);
    assert.equal(sample(text, 'edgefn_executions_total', { ...base, variant: 'next', version: 'r1', traffic: 'header', outcome: 'ok', status: '2xx' }), 4);
    assert.equal(sample(text, 'edgefn_executions_total', { ...base, variant: 'next', version: 'r1', traffic: 'header', outcome: 'FunctionRuntime.UncaughtException', status: '5xx' }), 1);
    assert.equal(sample(text, 'edgefn_executions_total', { ...base, variant: 'next', version: 'r1', traffic: 'rollout', outcome: 'ok', status: '2xx' }), 3);
    assert.ok(sample(text, 'edgefn_execution_cpu_seconds_count', { ...base, variant: 'production', version, traffic: 'production' }) === 10);
  });

  it('compares the replica with production over a window', async () => {
    const got = await compare();
    assert.equal(got.status, 200, JSON.stringify(got.body));
    const { production: p, replica: r, window } = got.body;
    assert.equal(window.seconds, 900);
    assert.equal(p.version, version);
    assert.equal(p.requests, 10);
    assert.equal(p.errorRate, 0);
    assert.ok(p.wallMs && p.wallMs.p50 > 0 && p.wallMs.p50 <= p.wallMs.p95 && p.wallMs.p95 <= p.wallMs.p99, JSON.stringify(p.wallMs));
    assert.ok(p.cpuMs && p.cpuMs.p99 >= p.cpuMs.p50);
    assert.equal(r.name, 'next');
    assert.equal(r.revision, 1);
    assert.equal(r.requests, 8);
    assert.equal(r.failures, 1);
    assert.equal(r.errorRate, 1 / 8);
    assert.equal(r.byTraffic.header.requests, 5);
    assert.equal(r.byTraffic.rollout.requests, 3);
    assert.deepEqual(r.byTraffic.shadow, { requests: 0, failures: 0, errorRate: null, wallMs: null, cpuMs: null });
    assert.equal((await compare('replica=next&window=60')).body.window.seconds, 60);

    // A new revision starts from nothing: it is not the code those requests ran.
    assert.equal((await api('PATCH', replicaPath(), { content: replica + '\n// edited' })).status, 200);
    assert.equal((await compare()).body.replica.requests, 0);

    assertError(await compare(''), 400, 'InvalidParameter.InvalidParameter');
    for (const window of ['59', '3601', '1.5', '-60', 'soon']) assertError(await compare(`replica=next&window=${window}`), 400, 'InvalidParameter.InvalidParameter', window);
    assertError(await compare('replica=nope'), 404, 'ResourceUnavailable.ReplicaNotFound');
  });

  it('stops a rollout by itself when its error rate passes abortIf, and says why', async () => {
    const set = await api<{ rollout: { abortIf: unknown } }>('PUT', `${replicaPath()}/rollout`, { percent: 100, abortIf: { errorRate: 0.2, minRequests: 10 } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body.rollout.abortIf, { errorRate: 0.2, minRequests: 10 });
    // Below minRequests nothing is judged, however bad.
    for (let i = 0; i < 5; i++) assert.equal((await gatewayRequest(platform.gatewayUrl, fn.domain, '/fail')).status, 500);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.notEqual((await api<{ rollout: unknown }>('GET', replicaPath())).body.rollout, null, 'five requests are fewer than minRequests');
    for (let i = 0; i < 5; i++) await gatewayRequest(platform.gatewayUrl, fn.domain, '/fail');
    const stopped = await until('the rollout to stop', () => api<{ rollout: unknown; rolloutStop: { reason: string; requests: number; errors: number; percent: number } | null }>('GET', replicaPath()).then((a) => a.body), (b) => b.rollout === null);
    assert.equal(stopped.rolloutStop?.percent, 100);
    assert.equal(stopped.rolloutStop?.requests, 10);
    assert.equal(stopped.rolloutStop?.errors, 10);
    assert.match(stopped.rolloutStop!.reason, /10 of 10 rollout requests failed \(100%\), more than abortIf\.errorRate 20%/);
    // Production has every request again.
    for (let i = 0; i < 5; i++) assert.equal((await gatewayRequest(platform.gatewayUrl, fn.domain, '/fail')).text, 'production');
    // A new rollout forgets the stop.
    const again = await api<{ rolloutStop: unknown }>('PUT', `${replicaPath()}/rollout`, { percent: 1 });
    assert.equal(again.body.rolloutStop, null);
  });

  it('leaves a rollout alone while its error rate stays at or under the bar', async () => {
    assert.equal((await api('PUT', `${replicaPath()}/rollout`, { percent: 100, abortIf: { errorRate: 0.5, minRequests: 4 } })).status, 200);
    for (const path of ['/fail', '/', '/fail', '/', '/', '/']) await gatewayRequest(platform.gatewayUrl, fn.domain, path);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const replicaNow = (await api<{ rollout: { percent: number } | null; rolloutStop: unknown }>('GET', replicaPath())).body;
    assert.equal(replicaNow.rollout?.percent, 100);
    assert.equal(replicaNow.rolloutStop, null);
  });
});
