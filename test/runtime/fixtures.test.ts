/** Realistic EdgeOne-style functions (test/fixtures/*.js) against a real local origin. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { newRuntime, run, makeRequest, type Answer } from '../helpers/runtime.ts';
import { readText, startServer, type TestServer } from '../helpers/servers.ts';
import type { IncomingRequest } from '../../src/runtime/runtime.ts';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/${name}.js`, import.meta.url), 'utf8');

describe('realistic functions', () => {
  const runtime = newRuntime();
  let origin: TestServer;
  let assetHits = 0;

  before(async () => {
    origin = await startServer(async (req, res) => {
      const url = new URL(req.url!, 'http://x');
      const body = await readText(req);
      if (url.pathname.startsWith('/v2/')) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ path: url.pathname, query: url.search, auth: req.headers['x-edge-auth'] ?? null, method: req.method, body }));
      } else if (url.pathname.startsWith('/a/') || url.pathname.startsWith('/b/')) {
        res.setHeader('set-cookie', 'origin=1');
        res.end(`variant ${url.pathname[1]} for ${req.headers.cookie ?? 'no cookie'}`);
      } else if (url.pathname === '/page.html') {
        res.setHeader('content-type', 'text/html; charset=utf-8');
        // Many small writes so words are split across chunks.
        const html = `<html><h1>Example Domain</h1>${'<p>This Example is Example-ish. Ünïcødé Example.</p>'.repeat(200)}</html>`;
        for (let i = 0; i < html.length; i += 37) res.write(html.slice(i, i + 37));
        res.end();
      } else if (url.pathname === '/asset') {
        assetHits++;
        res.setHeader('cache-control', 'public, max-age=60');
        res.end(`asset body ${assetHits}`);
      } else {
        res.statusCode = 404;
        res.end('origin 404');
      }
    });
  });
  after(async () => {
    runtime.close();
    await origin.close();
  });

  const toOrigin = { route: (url: URL) => (url.host === 'www.example.com' ? new URL(url.pathname + url.search, origin.url) : undefined) };
  const call = (name: string, request: IncomingRequest, env?: Record<string, unknown>): Promise<Answer> =>
    run(runtime, { code: fixture(name), ...(env ? { env } : {}), filename: `${name}.js` }, request, toOrigin);
  const get = (path: string, headers: string[] = []): IncomingRequest => makeRequest(`http://www.example.com${path}`, { headers: ['host', 'www.example.com', ...headers] });

  it('origin rewrite with header injection', async () => {
    const a = await call('origin-rewrite', get('/api/users?page=2'));
    assert.equal(a.status, 200);
    assert.deepEqual(JSON.parse(a.text), { path: '/v2/users', query: '?page=2', auth: 'edge-secret-header', method: 'GET', body: '' });
    assert.equal(a.headers.get('x-served-by'), 'edgefn');
    assert.equal(a.headers.get('cache-control'), 'no-store');
    const other = await call('origin-rewrite', get('/elsewhere'));
    assert.equal(other.status, 404);
    assert.equal(other.text, 'origin 404');
  });

  it('JSON API with validation', async () => {
    const list = await call('json-api', get('/items'));
    assert.deepEqual(JSON.parse(list.text), { items: [{ id: 1, name: 'first' }] });
    const post = (body: string): Promise<Answer> => call('json-api', makeRequest('http://www.example.com/items', { method: 'POST', body: new TextEncoder().encode(body), headers: ['content-type', 'application/json'] }));
    const created = await post('{"name":"second"}');
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('location'), '/items/2');
    assert.equal((await post('not json')).status, 400);
    assert.equal((await post('{"name":""}')).status, 422);
    const del = await call('json-api', makeRequest('http://www.example.com/items', { method: 'DELETE' }));
    assert.equal(del.status, 405);
    assert.equal(del.headers.get('allow'), 'GET, POST');
  });

  it('redirect by path, passing everything else to the origin', async () => {
    const moved = await call('redirect-by-path', get('/old-blog'));
    assert.equal(moved.status, 301);
    assert.equal(moved.headers.get('location'), 'https://blog.example.com/');
    const promo = await call('redirect-by-path', get('/promo'));
    assert.equal(promo.status, 302);
    assert.equal((await call('redirect-by-path', get('/other'))).kind, 'passthrough');
  });

  it('A/B by cookie, with Set-Cookie added to a fetched response', async () => {
    const fresh = await call('ab-cookie', get('/home?force=b'));
    assert.equal(fresh.text, 'variant b for no cookie');
    assert.equal(fresh.headers.get('x-ab-group'), 'b');
    assert.match(fresh.headers.get('set-cookie')!, /^origin=1, ab-group=b; Path=\/; Max-Age=86400; HttpOnly; SameSite=Lax$/);
    const returning = await call('ab-cookie', get('/home', ['cookie', 'ab-group=a; other=1']));
    assert.equal(returning.text, 'variant a for ab-group=a; other=1');
    assert.equal(returning.headers.get('set-cookie'), 'origin=1');
  });

  it('HMAC-signed URL check with the secret from env', async () => {
    const env = { SIGNING_SECRET: 's3cret' };
    const exp = Math.floor(Date.now() / 1000) + 60;
    const sig = createHmac('sha256', 's3cret').update(`/file:${exp}`).digest('hex');
    assert.equal((await call('hmac-signed-url', get(`/file?exp=${exp}&sig=${sig}`), env)).text, 'access granted to /file');
    assert.equal((await call('hmac-signed-url', get(`/file?exp=${exp}&sig=${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`), env)).status, 403);
    const old = Math.floor(Date.now() / 1000) - 1;
    const oldSig = createHmac('sha256', 's3cret').update(`/file:${old}`).digest('hex');
    assert.equal((await call('hmac-signed-url', get(`/file?exp=${old}&sig=${oldSig}`), env)).text, 'link expired');
  });

  it('HTML rewriting with TransformStream, across chunk boundaries', async () => {
    const a = await call('html-rewrite', get('/page.html'));
    assert.equal(a.status, 200);
    assert.equal(a.text.includes('Example'), false);
    assert.equal(a.text.match(/edgefn/g)?.length, 1 + 200 * 3);
    assert.ok(a.text.includes('Ünïcødé'));
  });

  it('geolocation from request.eo', async () => {
    const geo = { countryName: 'China', countryCodeAlpha2: 'CN', regionCode: 'GD', cityName: 'Shenzhen', asn: 132203 };
    const a = await call('geo', makeRequest('http://www.example.com/', { geo, clientIp: '198.51.100.1' }));
    assert.deepEqual(JSON.parse(a.text), { clientIp: '198.51.100.1', country: 'China', code: 'CN', region: 'GD', city: 'Shenzhen', asn: 132203 });
    assert.equal((await call('geo', makeRequest('http://www.example.com/', { geo: { countryCodeAlpha2: 'XX' } }))).status, 451);
  });

  it('cache-first with caches.default and waitUntil', async () => {
    const first = await call('cache-first', get('/asset'));
    assert.equal(first.headers.get('x-cache'), 'MISS');
    assert.equal(first.text, 'asset body 1');
    const second = await call('cache-first', get('/asset'));
    assert.equal(second.headers.get('x-cache'), 'HIT');
    assert.equal(second.text, 'asset body 1');
    assert.equal(assetHits, 1);
  });

  it('env vars: strings and parsed JSON', async () => {
    const a = await call('env', get('/'), { GREETING: 'hello', FEATURE_FLAGS: { beta: true, regions: ['CN', 'SG'] } });
    assert.deepEqual(JSON.parse(a.text), { greeting: 'hello', beta: true, regions: ['CN', 'SG'], missing: null });
  });
});
