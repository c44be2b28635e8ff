/**
 * HTTP API contract: test requests (`POST /api/v1/functions/{id}/test`), the "Send" of the console
 * and the CLI. A real platform: the request goes through its gateway to the function's default
 * domain, production or a replica, and comes back with the execution's invocation record.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient, assertError, createFunction, createZone, startPlatform, type Api, type FunctionView, type Platform } from './helpers.ts';

interface TestAnswer {
  status: number;
  headers: [string, string][];
  body: string;
  bodyTruncated: boolean;
  requestId: string | null;
  record: { requestId: string; variant: string; method: string; path: string; status: number; outcome: string; logs: { level: string; message: string }[] } | null;
}

const code = (label: string) => `addEventListener('fetch', (event) => event.respondWith(handle(event.request)));
async function handle(request) {
  const url = new URL(request.url);
  console.log('${label} ' + request.method + ' ' + url.pathname);
  if (url.pathname === '/big') return new Response('x'.repeat(1536 * 1024));
  return Response.json({ label: '${label}', method: request.method, path: url.pathname, query: url.search,
    note: request.headers.get('x-note'), host: request.headers.get('host'), body: await request.text() });
}`;

describe('API: test requests through the gateway', () => {
  let platform: Platform;
  let api: Api;
  let fn: FunctionView;
  const test = (body: unknown) => api<TestAnswer>('POST', `/api/v1/functions/${fn.id}/test`, body);

  before(async () => {
    platform = await startPlatform();
    api = apiClient(platform);
    const zone = await createZone(api, 'test-requests.example.com');
    fn = await createFunction(api, zone.id, 'tested', code('production'));
    assert.equal((await api('POST', `/api/v1/functions/${fn.id}/replicas`, { name: 'next', content: code('replica') })).status, 201);
  });
  after(async () => {
    await platform.close();
  });

  it('sends to production at the default domain and answers the response with its record', async () => {
    const answer = await test({ method: 'GET', path: '/hello?x=1', headers: [['x-note', 'hi']] });
    assert.equal(answer.status, 200, answer.text);
    const { body, record, requestId } = answer.body;
    assert.equal(answer.body.status, 200);
    assert.deepEqual(JSON.parse(body), { label: 'production', method: 'GET', path: '/hello', query: '?x=1', note: 'hi', host: fn.domain, body: '' });
    assert.ok(answer.body.headers.some(([name, value]) => name === 'eo-request-id' && value === requestId));
    assert.equal(record?.requestId, requestId);
    assert.equal(record?.variant, 'production');
    assert.deepEqual(record?.logs.map((l) => l.message), ['production GET /hello']);
  });

  it('sends to a replica with EO-Function-Replica-Name, with a method and a body', async () => {
    const answer = await test({ variant: 'next', method: 'POST', path: '/form', headers: [], body: 'a=1' });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(JSON.parse(answer.body.body).label, 'replica');
    assert.equal(JSON.parse(answer.body.body).body, 'a=1');
    assert.ok(answer.body.headers.some(([name, value]) => name === 'eo-function-replica-status' && value === 'served'));
    assert.equal(answer.body.record?.variant, 'next');
    assert.equal(answer.body.record?.method, 'POST');
  });

  it('cuts a body over 1 MiB and says so', async () => {
    const answer = await test({ path: '/big' });
    assert.equal(answer.body.bodyTruncated, true);
    assert.equal(answer.body.body.length, 1024 * 1024);
  });

  it('refuses a replica that does not exist rather than running production', async () => {
    assertError(await test({ variant: 'nope' }), 404, 'ResourceUnavailable.ReplicaNotFound');
    assertError(await api('POST', '/api/v1/functions/ef-zzzzzzzz/test', {}), 404, 'ResourceUnavailable.FunctionNotFound');
  });

  it('refuses headers the platform sets, bad methods, paths and header values', async () => {
    for (const name of ['Host', 'eo-function-replica-name', 'Content-Length', 'transfer-encoding', 'connection']) {
      assertError(await test({ headers: [[name, 'x']] }), 400, 'InvalidParameter.InvalidParameter');
    }
    for (const body of [{ method: 'get' }, { method: 'GET / HTTP/1.1' }, { path: 'no-slash' }, { path: '/a b' }, { path: '/a\r\nx: y' }, { headers: [['x', 'a\r\nx-injected: 1']] }, { headers: [['bad name', 'v']] }, { headers: 'x' }, { body: 1 }, { url: 'http://elsewhere/' }]) {
      assertError(await test(body), 400, 'InvalidParameter.InvalidParameter');
    }
  });
});
