/**
 * Functions reach the public internet and their zone's origin, and nothing else on the operator's
 * side: not the admin API, not other loopback services, not other zones' private origins, through
 * no numeric form of an address, no redirect and no resolveOverride. The operator can allow ranges.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient } from '../helpers/platform.ts';
import { startServeProcess } from '../helpers/serve-process.ts';
import { startServer, type TestServer } from '../helpers/servers.ts';
import { egressDispatcher } from '../../src/runtime/host/egress.ts';
import { makeRequest, newRuntime, run, sw as runtimeSw } from '../helpers/runtime.ts';
import { send, startTenancy, type Tenancy } from './helpers.ts';

/** A function that tries each URL (with fetch init `init`) and reports what happened, one line each. */
const prober = (urls: string[], init = '{}') => `addEventListener('fetch', (event) => event.respondWith((async () => {
  const out = [];
  for (const url of ${JSON.stringify(urls)}) {
    try { const res = await fetch(url, ${init}); out.push(url + ' -> ' + res.status + ' ' + (await res.text()).slice(0, 40)); }
    catch (error) { out.push(url + ' -> ' + error.name + ': ' + error.message); }
  }
  return new Response(out.join('\\n'));
})()));`;

describe('egress: where functions may connect', () => {
  let t: Tenancy;
  let other: TestServer;
  let adminPort: number;
  before(async () => {
    other = await startServer((_req, res) => res.end('another local service'));
    t = await startTenancy((req, res) => {
      if (req.url !== '/to-admin') return false;
      res.writeHead(302, { location: `http://127.0.0.1:${adminPort}/api/v1/zones` }).end();
      return true;
    });
    adminPort = Number(new URL(t.serve.apiUrl).port);
  });
  after(async () => {
    await t.close();
    await other.close();
  });

  it('refuses the admin API and other loopback services through every numeric form', async () => {
    const forms = ['127.0.0.1', 'localhost', '0.0.0.0', '2130706433', '0x7f000001', '127.1', '0177.0.0.1', '[::1]', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]'];
    const urls = [...forms.map((host) => `http://${host}:${adminPort}/api/v1/zones`), `http://127.0.0.1:${other.port}/`];
    await t.deploy(prober(urls));
    const lines = (await t.attack('/')).text.split('\n');
    assert.equal(lines.length, urls.length);
    for (const line of lines) assert.match(line, /-> TypeError: fetch to .* is not allowed: (loopback|unspecified) address/, line);
  });

  it('refuses through a redirect from the origin, and through resolveOverride', async () => {
    await t.deploy(prober([`${t.origin.url}/to-admin`]));
    assert.match((await t.attack('/')).text, /-> TypeError: fetch to 127\.0\.0\.1 is not allowed: loopback/);
    await t.deploy(prober(['http://example.test/'], `{ eo: { resolveOverride: '127.0.0.1:${adminPort}' } }`));
    assert.match((await t.attack('/')).text, /-> TypeError: fetch to 127\.0\.0\.1 is not allowed: loopback/);
  });

  it("allows the zone's own origin, directly and as the request's own host", async () => {
    await t.deploy(prober([`${t.origin.url}/x`]));
    assert.match((await t.attack('/')).text, /-> 200 origin$/);
    await t.deploy(`addEventListener('fetch', (event) => event.respondWith(fetch(event.request)));`);
    assert.equal((await send(t.serve.gatewayUrl, t.attackerDomain, '/y')).text, 'origin');
  });

  it("refuses another zone's private origin", async () => {
    await t.deploy(prober([`http://127.0.0.1:${other.port}/`]));
    assert.match((await t.attack('/')).text, /not allowed: loopback/);
    await t.deploy(prober([`http://127.0.0.1:${other.port}/`]), 'replica');
    assert.match((await t.attack('/', 'replica')).text, /not allowed: loopback/, 'through the replica lane too');
  });

  it('records a refusal in the execution report even when the function catches it', async () => {
    const runtime = newRuntime();
    const egress = egressDispatcher({ allowHosts: [], allowRanges: [] });
    try {
      const answer = await run(runtime, runtimeSw(`try { await fetch('http://127.0.0.1:9/') } catch {} return new Response('caught')`), makeRequest(), { egress });
      assert.equal(answer.text, 'caught');
      assert.deepEqual(answer.report.logs.map((l) => [l.level, l.message]), [['warn', 'edgefn: fetch to 127.0.0.1 is not allowed: loopback address 127.0.0.1 (functions may reach the public internet and their zone\'s origin)']]);
    } finally {
      runtime.close();
      await egress.destroy();
    }
  });

  it('lets the operator allow ranges with --egress-allow, in production and in replicas', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'edgefn-egress-'));
    const serve = await startServeProcess(dataDir, ['--egress-allow', '10.0.0.0/8, 127.0.0.1/32']);
    try {
      const api = apiClient({ apiUrl: serve.apiUrl, token: 'test-token' });
      const zone = await api<{ id: string }>('POST', '/api/v1/zones', { name: 'allowed.test', origin: 'http://127.0.0.1:9' });
      const fn = await api<{ id: string; domain: string }>('POST', '/api/v1/functions', { zoneId: zone.body.id, name: 'prober', content: prober([`http://127.0.0.1:${other.port}/`]) });
      assert.equal((await send(serve.gatewayUrl, fn.body.domain, '/')).text, `http://127.0.0.1:${other.port}/ -> 200 another local service`);
      const replica = await api('POST', `/api/v1/functions/${fn.body.id}/replicas`, { name: 'probe', content: prober([`http://127.0.0.1:${other.port}/`]) });
      assert.equal(replica.status, 201);
      const fromReplica = await send(serve.gatewayUrl, fn.body.domain, '/', { 'eo-function-replica-name': 'probe' });
      assert.equal(fromReplica.text, `http://127.0.0.1:${other.port}/ -> 200 another local service`);
    } finally {
      await serve.kill9();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
