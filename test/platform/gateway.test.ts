/** The gateway over real sockets: host resolution, rules in order, origin pass-through, body limits, env vars in production and replicas. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient, gatewayRequest, startPlatform, sw } from '../helpers/platform.ts';
import { readText, startServer, type TestServer } from '../helpers/servers.ts';

describe('gateway', () => {
  let platform: Awaited<ReturnType<typeof startPlatform>>;
  let origin: TestServer;
  let api: ReturnType<typeof apiClient>;
  let zoneId = '';
  const fns: Record<string, { id: string; domain: string }> = {};

  before(async () => {
    origin = await startServer(async (req, res) => {
      const body = await readText(req);
      res.setHeader('x-origin', '1');
      res.end(JSON.stringify({ url: req.url, method: req.method, body, host: req.headers.host, xff: req.headers['x-forwarded-for'], proto: req.headers['x-forwarded-proto'], xhost: req.headers['x-forwarded-host'] }));
    });
    platform = await startPlatform();
    api = apiClient(platform);
    zoneId = (await api<{ id: string }>('POST', '/api/v1/zones', { name: 'shop.test', origin: origin.url })).body.id;
    const create = async (name: string, content: string) => {
      const res = await api<{ id: string; domain: string }>('POST', '/api/v1/functions', { zoneId, name, content });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      fns[name] = res.body;
    };
    await create('first', sw('first'));
    await create('second', sw('second'));
    await create('passer', `addEventListener('fetch', () => {});`);
    await create('selfie', `addEventListener('fetch', (e) => e.respondWith(fetch('http://' + new URL(e.request.url).host + '/from-function?x=1')));`);
    await create('thrower', `addEventListener('fetch', () => { throw new Error('bad day'); });`);
    await create('own500', `addEventListener('fetch', (e) => e.respondWith(new Response('my own error', { status: 500 })));`);
    await create('envy', `addEventListener('fetch', (e) => e.respondWith(Response.json({ plain: env.PLAIN ?? null, conf: env.CONF ?? null, secret: env.SECRET ?? null })));`);
    const rule = (values: string[], name: string, extra: object[] = []) =>
      api('POST', `/api/v1/zones/${zoneId}/rules`, { conditions: [[{ target: 'url', operator: 'equal', values }, ...extra]], functionId: fns[name]!.id });
    assert.equal((await rule(['/a/*'], 'first')).status, 201);
    assert.equal((await rule(['/a/b'], 'second')).status, 201);
    assert.equal((await rule(['/beta'], 'second', [{ target: 'request_header', name: 'x-beta', operator: 'exist', values: [] }])).status, 201);
    assert.equal((await rule(['/pass'], 'passer')).status, 201);
  });
  after(async () => {
    await platform.close();
    await origin.close();
  });

  const get = (host: string, path: string, headers: Record<string, string> = {}) => gatewayRequest(platform.gatewayUrl, host, path, headers);

  it('answers an unknown host with 404 and a clear message', async () => {
    const res = await get('nowhere.test', '/');
    assert.equal(res.status, 404);
    assert.equal(res.headers['eo-function-error'], 'ResourceNotFound.Host');
    assert.match(res.text, /nowhere\.test/);
  });

  it('runs the first matching rule, for the zone and hosts under it', async () => {
    assert.equal((await get('shop.test', '/a/b')).text, 'first', 'the earlier rule wins');
    assert.equal((await get('www.shop.test:8080', '/a/x/y')).text, 'first');
    assert.equal((await get('shop.test', '/beta', { 'x-beta': '1' })).text, 'second');
    const rules = await api<{ rules: { id: string }[] }>('GET', `/api/v1/zones/${zoneId}/rules`);
    const ids = rules.body.rules.map((r) => r.id);
    const reordered = await api('PUT', `/api/v1/zones/${zoneId}/rules/order`, { ruleIds: [ids[1], ids[0], ...ids.slice(2)] });
    assert.equal(reordered.status, 200);
    assert.equal((await get('shop.test', '/a/b')).text, 'second', 'a new order applies at once');
  });

  it('passes requests no rule matches to the origin, streaming the body, with forwarding headers', async () => {
    const res = await gatewayRequest(platform.gatewayUrl, 'shop.test', '/nothing?q=1', { 'x-forwarded-for': '198.51.100.1' }, { method: 'POST', body: 'payload' });
    assert.equal(res.headers['x-origin'], '1');
    assert.deepEqual(JSON.parse(res.text), { url: '/nothing?q=1', method: 'POST', body: 'payload', host: 'shop.test', xff: '198.51.100.1, 127.0.0.1', proto: 'http', xhost: 'shop.test' });
  });

  it('sends a function that does not respond to the origin, and its own-host fetches too', async () => {
    const passed = JSON.parse((await get('shop.test', '/pass')).text) as { url: string; host: string };
    assert.equal(passed.url, '/pass');
    const self = JSON.parse((await get(fns.selfie!.domain, '/')).text) as { url: string; host: string };
    assert.equal(self.url, '/from-function?x=1');
    assert.equal(self.host, fns.selfie!.domain, 'the Host header is kept');
  });

  it('marks platform failures with EO-Function-Error and passes a function\'s own 500 untouched', async () => {
    const failed = await get(fns.thrower!.domain, '/');
    assert.equal(failed.status, 500);
    assert.equal(failed.headers['eo-function-error'], 'FunctionRuntime.UncaughtException');
    const own = await get(fns.own500!.domain, '/');
    assert.equal(own.status, 500);
    assert.equal(own.text, 'my own error');
    assert.equal(own.headers['eo-function-error'], undefined);
  });

  it('refuses a request body over the limit with 413, in production and on a replica', async () => {
    assert.equal((await api('POST', `/api/v1/functions/${fns.first!.id}/replicas`, { name: 'roomy', from: 'production' })).status, 201);
    const big = { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) };
    const expected = 'FunctionRuntime.RequestBodyTooLarge: Request body exceeds 1048576 bytes\n';
    const production = await gatewayRequest(platform.gatewayUrl, fns.first!.domain, '/', {}, big);
    assert.equal(production.status, 413);
    assert.equal(production.headers['eo-function-error'], 'FunctionRuntime.RequestBodyTooLarge');
    assert.equal(production.text, expected);
    assert.equal(production.headers.connection, 'close', 'the rest of a refused body is not read');
    const replica = await gatewayRequest(platform.gatewayUrl, fns.first!.domain, '/', { 'EO-Function-Replica-Name': 'roomy' }, big);
    assert.equal(replica.status, 413);
    assert.equal(replica.headers['eo-function-error'], 'FunctionRuntime.RequestBodyTooLarge');
    assert.equal(replica.headers['eo-function-replica-status'], 'served');
    assert.equal(replica.text, expected);
    assert.equal((await gatewayRequest(platform.gatewayUrl, fns.first!.domain, '/', {}, { method: 'POST', body: 'small' })).text, 'first');
  });

  it('gives env vars and secrets to production and replicas, and applies changes to the next request', async () => {
    const id = fns.envy!.id;
    assert.equal((await api('PUT', `/api/v1/functions/${id}/env/PLAIN`, { value: 'hello', type: 'string' })).status, 200);
    assert.equal((await api('PUT', `/api/v1/functions/${id}/env/CONF`, { value: '{"n":1}', type: 'json' })).status, 200);
    assert.equal((await api('PUT', `/api/v1/functions/${id}/env/SECRET`, { value: 's3cr3t-value', type: 'secret' })).status, 200);
    assert.equal((await api('POST', `/api/v1/functions/${id}/replicas`, { name: 'copy', from: 'production' })).status, 201);
    const expected = { plain: 'hello', conf: { n: 1 }, secret: 's3cr3t-value' };
    assert.deepEqual(JSON.parse((await get(fns.envy!.domain, '/')).text), expected);
    assert.deepEqual(JSON.parse((await get(fns.envy!.domain, '/', { 'EO-Function-Replica-Name': 'copy' })).text), expected);
    assert.equal((await api('PUT', `/api/v1/functions/${id}/env/PLAIN`, { value: 'changed', type: 'string' })).status, 200);
    assert.equal((JSON.parse((await get(fns.envy!.domain, '/')).text) as { plain: string }).plain, 'changed');
    assert.equal((JSON.parse((await get(fns.envy!.domain, '/', { 'EO-Function-Replica-Name': 'copy' })).text) as { plain: string }).plain, 'changed');
    const listed = await api<{ env: { key: string; value?: string }[] }>('GET', `/api/v1/functions/${id}/env`);
    assert.equal(JSON.stringify(listed.body).includes('s3cr3t-value'), false, 'secret values never leave through the API');
    assert.equal(listed.body.env.find((e) => e.key === 'SECRET')?.value, undefined);
  });
});

describe('gateway with a body limit above the replica lane\'s', () => {
  let platform: Awaited<ReturnType<typeof startPlatform>>;
  let domain = '';

  before(async () => {
    platform = await startPlatform({ runtime: { limits: { requestBodyBytes: 2 * 1024 * 1024 } } });
    const api = apiClient(platform);
    const zone = await api<{ id: string }>('POST', '/api/v1/zones', { name: 'roomy.test', origin: 'http://127.0.0.1:9' });
    const fn = await api<{ id: string; domain: string }>('POST', '/api/v1/functions', { zoneId: zone.body.id, name: 'roomy', content: sw('roomy') });
    domain = fn.body.domain;
    assert.equal((await api('POST', `/api/v1/functions/${fn.body.id}/replicas`, { name: 'copy', from: 'production' })).status, 201);
  });
  after(() => platform.close());

  it('passes on the lane\'s own refusal of a body it finds too large', async () => {
    const res = await gatewayRequest(platform.gatewayUrl, domain, '/', { 'EO-Function-Replica-Name': 'copy' }, { method: 'POST', body: 'x'.repeat(1536 * 1024) });
    assert.equal(res.status, 413);
    assert.equal(res.headers['eo-function-error'], 'FunctionRuntime.RequestBodyTooLarge');
    assert.equal(res.headers['eo-function-replica-status'], 'served');
    assert.match(res.text, /^FunctionRuntime\.RequestBodyTooLarge: Request body /);
  });
});
