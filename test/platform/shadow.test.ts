/**
 * Shadow traffic: `PUT …/replicas/{name}/shadow` copies a sample of production requests to the
 * replica after production has answered. Production's answers must be exactly what they are
 * without the shadow, whatever the replica does (answers differently, throws, loops, tries to
 * POST to the origin); the replica's subrequests may only read; the report counts the pairs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiClient, assertError, createFunction, startPlatform, type Api, type FunctionView, type Platform } from './helpers.ts';
import { gatewayRequest } from '../helpers/platform.ts';

const production = `addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.pathname === '/pass') return; // to the origin
  event.respondWith(handle(event.request, url));
});
async function handle(request, url) {
  if (url.pathname === '/echo') return new Response('echo:' + (await request.text()));
  return new Response('production ' + url.pathname + url.search, {
    status: url.pathname === '/missing' ? 404 : 200,
    headers: { 'content-type': 'text/plain', 'cache-control': 'max-age=60', 'x-kind': 'production' },
  });
}`;

// Everything a replica under test might do wrong, on production's traffic.
const replica = `addEventListener('fetch', (event) => event.respondWith(handle(event.request)));
async function handle(request) {
  const url = new URL(request.url);
  let posted = 'posted';
  try {
    await fetch(new URL('/side-effect', request.url), { method: 'POST', body: 'twice?' });
  } catch (error) {
    posted = 'refused: ' + error.message;
  }
  const read = await (await fetch(new URL('/data', request.url))).text();
  if (url.pathname === '/echo') return new Response('echo:' + (await request.text()));
  if (url.pathname === '/boom') throw new Error('the replica fails here');
  if (url.pathname === '/spin') for (;;) {}
  return new Response(JSON.stringify({ replica: url.pathname, posted, read }), { headers: { 'content-type': 'application/json' } });
}`;

interface Pair {
  method: string;
  path: string;
  production: { outcome: string; status: number; headers: Record<string, string>; bodySha256: string | null };
  replica: { outcome: string; status: number; headers: Record<string, string>; bodySha256: string | null };
}
interface Report {
  shadow: { percent: number; methods: string[]; since: string } | null;
  report: {
    since: string;
    pairs: number;
    matches: number;
    skipped: number;
    mismatches: Record<string, { count: number; examples: Pair[] }>;
    production: { requests: number; failures: number; errorRate: number | null };
    replica: { requests: number; failures: number; errorRate: number | null };
  } | null;
}

const paths = ['/a?n=1', '/a?n=2', '/b', '/missing', '/boom', '/spin', '/pass', '/a?n=3', '/c/d', '/missing?x=1'];

/** What a client sees, without what differs on every request (date, request id). */
async function seen(platform: Platform, host: string, path: string, init: { method?: string; body?: string } = {}) {
  const res = await gatewayRequest(platform.gatewayUrl, host, path, {}, init);
  const headers = { ...res.headers };
  delete headers.date;
  delete headers['eo-request-id'];
  return { status: res.status, headers, text: res.text };
}

describe('shadow traffic', () => {
  let platform: Platform;
  let api: Api;
  let fn: FunctionView;
  let origin: Server;
  const originSaw: string[] = [];
  let shadowUrl = '';

  before(async () => {
    origin = createServer((req, res) => {
      originSaw.push(`${req.method} ${req.url}`);
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`origin ${req.url}`);
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    // Two gateway processes: the pairs reach the serving process over IPC.
    platform = await startPlatform({ workers: 2 });
    api = apiClient(platform);
    const zone = (await api<{ id: string }>('POST', '/api/v1/zones', { name: 'shadow.example.com', origin: `http://127.0.0.1:${(origin.address() as AddressInfo).port}` })).body;
    fn = await createFunction(api, zone.id, 'shadowed', production);
    assert.equal((await api('POST', `/api/v1/functions/${fn.id}/replicas`, { name: 'next', content: replica })).status, 201);
    assert.equal((await api('POST', `/api/v1/functions/${fn.id}/replicas`, { name: 'other', from: 'production' })).status, 201);
    shadowUrl = `/api/v1/functions/${fn.id}/replicas/next/shadow`;
  });
  after(async () => {
    await platform?.close();
    origin?.close();
  });

  const report = async () => (await api<Report>('GET', `${shadowUrl}/report`)).body;
  async function waitForPairs(count: number): Promise<NonNullable<Report['report']>> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const got = (await report()).report;
      if (got && got.pairs + got.skipped >= count) return got;
      if (Date.now() > deadline) assert.fail(`waited for ${count} pairs: ${JSON.stringify(got)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('takes {percent, methods?} and refuses bad input', async () => {
    for (const body of [{ percent: 0.05 }, { percent: 101 }, {}, { percent: 5, methods: [] }, { percent: 5, methods: ['CONNECT'] }, { percent: 5, methods: 'GET' }, { percent: 5, extra: 1 }]) {
      assertError(await api('PUT', shadowUrl, body), 400, 'InvalidParameter.InvalidParameter', JSON.stringify(body));
    }
    assertError(await api('PUT', `/api/v1/functions/${fn.id}/replicas/nope/shadow`, { percent: 5 }), 404, 'ResourceUnavailable.ReplicaNotFound');
    const set = await api<{ shadow: { percent: number; methods: string[]; since: string } }>('PUT', shadowUrl, { percent: 5 });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body.shadow, { percent: 5, methods: ['GET', 'HEAD'], since: set.body.shadow.since });
    assertError(await api('PUT', `/api/v1/functions/${fn.id}/replicas/other/shadow`, { percent: 5 }), 409, 'FailedOperation.ShadowInProgress');
    const empty = await report();
    assert.deepEqual(empty.shadow, set.body.shadow);
    assert.equal(empty.report?.pairs, 0);
    assert.equal((await api<{ shadow: unknown }>('DELETE', shadowUrl)).body.shadow, null);
  });

  it('never changes a production response: every mirrored answer equals an unmirrored run', async () => {
    const unmirrored = [];
    for (const path of paths) unmirrored.push(await seen(platform, fn.domain, path));
    assert.equal(originSaw.filter((line) => line.startsWith('GET /data')).length, 0);

    const set = await api<{ shadow: { since: string } }>('PUT', shadowUrl, { percent: 100 });
    assert.equal(set.status, 200);
    for (const [i, path] of paths.entries()) {
      assert.deepEqual(await seen(platform, fn.domain, path), unmirrored[i], `${path} with its shadow copy`);
      // One copy at a time: the endless loop's copy ends its isolate, and would take any copy
      // running beside it along.
      await waitForPairs(i + 1);
    }
    const got = await waitForPairs(paths.length);
    assert.equal(got.since, set.body.shadow.since);
    assert.equal(got.pairs, paths.length, JSON.stringify(got));
    assert.equal(got.skipped, 0);
    // Every replica answer differs from production's here.
    assert.equal(got.matches, 0);
    const kinds = got.mismatches;
    assert.equal(kinds.outcome?.count, 3, `boom, spin and pass differ in outcome: ${JSON.stringify(kinds.outcome)}`);
    assert.deepEqual(new Set(kinds.outcome!.examples.map((e) => e.path)), new Set(['/boom', '/spin', '/pass']));
    assert.equal(kinds.status?.count, 2, 'the two 404s');
    assert.equal(kinds.body?.count, paths.length - 3);
    assert.equal(kinds['header:content-type']?.count, paths.length - 3);
    assert.equal(kinds['header:cache-control']?.count, paths.length - 3);
    const example = kinds.status!.examples[0]!;
    assert.equal(example.method, 'GET');
    assert.equal(example.path, '/missing', 'paths are kept without their query string');
    assert.equal(example.production.status, 404);
    assert.equal(example.replica.status, 200);
    assert.equal(example.production.headers['content-type'], 'text/plain');
    assert.equal(example.replica.headers['content-type'], 'application/json');
    assert.equal(got.production.failures, 0);
    assert.equal(got.replica.failures, 2, 'the throw and the endless loop');
    assert.equal(got.replica.errorRate, 2 / paths.length);

    // The copies could read from the origin, but not write to it.
    assert.ok(originSaw.filter((line) => line === 'GET /data').length >= paths.length - 2, originSaw.join('\n'));
    assert.deepEqual(originSaw.filter((line) => line.startsWith('POST')), []);
    // /pass went to the origin once per client request, never for a copy.
    assert.equal(originSaw.filter((line) => line === 'GET /pass').length, 2);
  });

  it('records the copies as the replica\'s, marked shadow', async () => {
    // Records come from the lane, pairs from the gateway: one may arrive before the other.
    type Records = { records: { variant: string; via?: string; path: string; outcome: string; status: number }[] };
    let logs: Records['records'] = [];
    for (let tries = 0; tries < 300 && logs.length < paths.length; tries++) {
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      logs = (await api<Records>('GET', `/api/v1/functions/${fn.id}/logs?variant=next`)).body.records;
    }
    assert.equal(logs.length, paths.length, `${logs.length} records`);
    assert.ok(logs.every((r) => r.via === 'shadow'), JSON.stringify(logs.map((r) => r.via)));
    const direct = await gatewayRequest(platform.gatewayUrl, fn.domain, '/a', { 'eo-function-replica-name': 'next' });
    // Asked for with the header, the replica is not restricted.
    assert.equal((JSON.parse(direct.text) as { posted: string }).posted, 'posted');
    assert.equal(originSaw.filter((line) => line.startsWith('POST')).length, 1);
    const examples = (await report()).report!.mismatches.body!.examples;
    assert.ok(examples.length > 0 && examples.length <= 5);
  });

  it('mirrors only the methods it was given, bodies included', async () => {
    const before = (await report()).report!.pairs;
    assert.equal((await seen(platform, fn.domain, '/echo', { method: 'POST', body: 'hello' })).text, 'echo:hello');
    assert.equal((await seen(platform, fn.domain, '/b')).status, 200);
    const got = await waitForPairs(before + 1);
    assert.equal(got.pairs, before + 1, 'the POST was not mirrored (GET and HEAD by default)');

    const set = await api<{ shadow: { methods: string[] } }>('PUT', shadowUrl, { percent: 100, methods: ['post'] });
    assert.deepEqual(set.body.shadow.methods, ['POST']);
    assert.equal((await report()).report!.pairs, 0, 'a new setting starts a new report');
    assert.equal((await seen(platform, fn.domain, '/echo', { method: 'POST', body: 'hello' })).text, 'echo:hello');
    const posted = await waitForPairs(1);
    assert.equal(posted.pairs, 1);
    assert.equal(posted.matches, 1, JSON.stringify(posted.mismatches));
    assert.deepEqual(originSaw.filter((line) => line.startsWith('POST')).length, 1, 'the copy of a POST still may not POST');
  });

  it('ends with a sync of the replica, and its last report stays readable', async () => {
    const compare = (await api<{ production: { version: { id: string } } }>('GET', `/api/v1/functions/${fn.id}/replicas/next/compare`)).body;
    assert.equal((await api('POST', `/api/v1/functions/${fn.id}/replicas/next/sync`, { productionVersion: compare.production.version.id, confirm: true })).status, 201);
    const after = await report();
    assert.equal(after.shadow, null);
    assert.equal(after.report?.pairs, 1);
  });
});
