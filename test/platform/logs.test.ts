/**
 * Invocation logs (issue 12, API first): every execution, production or replica, in the gateway
 * process, a gateway worker or the replica lane, leaves one record, found by the request id the
 * client got in EO-Request-Id.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient, assertError, createFunction, createZone, startPlatform, type Api, type Platform } from './helpers.ts';
import { gatewayRequest } from '../helpers/platform.ts';
import { startServer, type TestServer } from '../helpers/servers.ts';

interface RecordView {
  requestId: string;
  at: string;
  zoneId: string;
  functionId: string;
  variant: string;
  versionId?: string;
  revision?: number;
  method: string;
  host: string;
  path: string;
  status: number;
  outcome: string;
  logs: { level: string; message: string }[];
  error?: { message: string; stack?: string };
  cpuMs: number;
  wallMs: number;
  subrequests: number;
}

interface Page {
  records: RecordView[];
  next: string | null;
}

const chatty = `addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  console.log('serving', url.pathname);
  if (url.pathname === '/throw') throw new Error('broken on purpose');
  if (url.pathname === '/pass') return;
  event.respondWith(new Response('production'));
});`;

/** The record with `requestId`, once it has arrived (records follow the response; the lane's may be slow on a busy machine). */
async function recordOf(api: Api, functionId: string, requestId: string, variant = 'production'): Promise<RecordView> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const page = await api<Page>('GET', `/api/v1/functions/${functionId}/logs?variant=${variant}&limit=1000`);
    assert.equal(page.status, 200, page.text);
    const found = page.body.records.find((r) => r.requestId === requestId);
    if (found) return found;
    if (Date.now() > deadline) assert.fail(`no record for ${requestId} in ${page.text.slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const workers of [1, 2]) {
  describe(`invocation logs (${workers} gateway process${workers > 1 ? 'es' : ''})`, () => {
    let platform: Platform;
    let api: Api;
    let fn: { id: string; domain: string; productionVersion: { id: string } };
    let origin: TestServer;

    before(async () => {
      origin = await startServer((_req, res) => {
        res.writeHead(201, { 'content-type': 'text/plain' });
        res.end('from the origin');
      });
      platform = await startPlatform({ workers });
      api = apiClient(platform);
      const zone = await createZone(api, `logs${workers}.example`);
      assert.equal((await api('PATCH', `/api/v1/zones/${zone.id}`, { origin: origin.url })).status, 200);
      fn = await createFunction(api, zone.id, 'chatty', chatty);
    });
    after(async () => {
      await platform.close();
      await origin.close();
    });

    it('records a production execution under the id the client got', async () => {
      const res = await gatewayRequest(platform.gatewayUrl, fn.domain, '/hello?token=secret-value');
      assert.equal(res.status, 200);
      const requestId = res.headers['eo-request-id'];
      assert.equal(typeof requestId, 'string');
      const record = await recordOf(api, fn.id, requestId as string);
      assert.equal(record.variant, 'production');
      assert.equal(record.versionId, fn.productionVersion.id);
      assert.equal(record.functionId, fn.id);
      assert.equal(record.method, 'GET');
      assert.equal(record.host, fn.domain);
      assert.equal(record.path, '/hello', 'no query string: it may hold tokens');
      assert.equal(record.status, 200);
      assert.equal(record.outcome, 'ok');
      assert.deepEqual(record.logs, [{ level: 'log', message: 'serving /hello' }]);
      assert.ok(record.cpuMs > 0 && record.wallMs >= record.cpuMs / 2, `cpu ${record.cpuMs} wall ${record.wallMs}`);
      assert.equal(record.subrequests, 0);
      assert.ok(!JSON.stringify(record).includes('secret-value'));
    });

    it('records a failure with its code, message and stack', async () => {
      const res = await gatewayRequest(platform.gatewayUrl, fn.domain, '/throw');
      assert.equal(res.status, 500);
      const record = await recordOf(api, fn.id, res.headers['eo-request-id'] as string);
      assert.equal(record.outcome, 'FunctionRuntime.UncaughtException');
      assert.equal(record.status, 500);
      assert.match(record.error?.message ?? '', /broken on purpose/);
      assert.match(record.error?.stack ?? '', /chatty/);
    });

    it('records a replica execution in the lane under the replica name and revision', async () => {
      const created = await api<{ revision: number }>('POST', `/api/v1/functions/${fn.id}/replicas`, { name: 'try-it', content: chatty.replace("'production'", "'replica'") });
      assert.equal(created.status, 201, created.text);
      const res = await gatewayRequest(platform.gatewayUrl, fn.domain, '/r', { 'eo-function-replica-name': 'try-it' });
      assert.equal(res.text, 'replica');
      const record = await recordOf(api, fn.id, res.headers['eo-request-id'] as string, 'try-it');
      assert.equal(record.variant, 'try-it');
      assert.equal(record.revision, created.body.revision);
      assert.equal(record.versionId, undefined);
      assert.deepEqual(record.logs, [{ level: 'log', message: 'serving /r' }]);
      const production = await api<Page>('GET', `/api/v1/functions/${fn.id}/logs?variant=production&limit=1000`);
      assert.ok(!production.body.records.some((r) => r.requestId === record.requestId), 'not in production');
    });

    it('records what the origin answered a request passed to it, and tells the client the request id (production and replica)', async () => {
      const production = await gatewayRequest(platform.gatewayUrl, fn.domain, '/pass');
      assert.equal(production.status, 201);
      assert.equal(production.text, 'from the origin');
      assert.equal(typeof production.headers['eo-request-id'], 'string', 'a passed-through answer carries the request id too');
      const productionRecord = await recordOf(api, fn.id, production.headers['eo-request-id'] as string);
      assert.equal(productionRecord.outcome, 'passthrough');
      assert.equal(productionRecord.status, 201);
      assert.deepEqual(productionRecord.logs, [{ level: 'log', message: 'serving /pass' }]);

      const created = await api('POST', `/api/v1/functions/${fn.id}/replicas`, { name: 'pass-it', from: 'production' });
      assert.equal(created.status, 201, created.text);
      const replica = await gatewayRequest(platform.gatewayUrl, fn.domain, '/pass', { 'eo-function-replica-name': 'pass-it' });
      assert.equal(replica.status, 201);
      assert.equal(replica.headers['eo-function-replica-status'], 'served');
      assert.equal(typeof replica.headers['eo-request-id'], 'string');
      const replicaRecord = await recordOf(api, fn.id, replica.headers['eo-request-id'] as string, 'pass-it');
      assert.equal(replicaRecord.outcome, 'passthrough');
      assert.equal(replicaRecord.status, 201, 'the status the client got, although the lane never saw it');
      assert.deepEqual(replicaRecord.logs, [{ level: 'log', message: 'serving /pass' }]);

      // An unknown replica name runs production: its pass-through says so, and has its id too.
      const unknown = await gatewayRequest(platform.gatewayUrl, fn.domain, '/pass', { 'eo-function-replica-name': 'no-such' });
      assert.equal(unknown.status, 201);
      assert.equal(unknown.headers['eo-function-replica-status'], 'not-found');
      assert.equal((await recordOf(api, fn.id, unknown.headers['eo-request-id'] as string)).status, 201);
    });

    it('pages newest first and checks its parameters', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await gatewayRequest(platform.gatewayUrl, fn.domain, `/page/${i}`)).headers['eo-request-id'] as string);
      await recordOf(api, fn.id, ids[4]!);
      // Records of different workers may arrive out of order; wait for all five.
      for (const id of ids) await recordOf(api, fn.id, id);
      const first = await api<Page>('GET', `/api/v1/functions/${fn.id}/logs?limit=2`);
      assert.equal(first.body.records.length, 2);
      assert.ok(first.body.next);
      const second = await api<Page>('GET', `/api/v1/functions/${fn.id}/logs?limit=2&before=${first.body.next}`);
      assert.equal(second.body.records.length, 2);
      const seen = [...first.body.records, ...second.body.records].map((r) => r.requestId);
      assert.equal(new Set(seen).size, 4, 'pages do not overlap');
      assertError(await api('GET', `/api/v1/functions/${fn.id}/logs?limit=0`), 400, 'InvalidParameter.InvalidParameter');
      assertError(await api('GET', `/api/v1/functions/${fn.id}/logs?before=abc`), 400, 'InvalidParameter.InvalidParameter');
      assertError(await api('GET', `/api/v1/functions/${fn.id}/logs?variant=Bad_Name!`), 400, 'InvalidParameter.InvalidParameter');
      assertError(await api('GET', '/api/v1/functions/ef-doesnotexist/logs'), 404, 'ResourceUnavailable.FunctionNotFound');
    });
  });
}
