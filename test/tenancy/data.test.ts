/**
 * No function sees or steers another tenant's data: caches belong to one zone and one variant
 * (production, or one replica), an isolate serves one function variant of one zone, and a
 * replica's tests never change what production serves.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { send, startTenancy, type Tenancy } from './helpers.ts';

const sw = (body: string): string => `addEventListener('fetch', (event) => event.respondWith((async () => { ${body} })()));`;

describe('tenant data stays with its zone and variant', () => {
  let t: Tenancy;
  let hits = 0;
  const zones: Record<string, { zone: string; fn: string; domain: string }> = {};
  before(async () => {
    t = await startTenancy((req, res) => {
      if (req.url !== '/counted') return false;
      hits++;
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`origin answer ${hits} for ${req.headers.authorization ?? 'nobody'}`);
      return true;
    });
    for (const name of ['shop', 'blog']) {
      const zone = await t.api<{ id: string }>('POST', '/api/v1/zones', { name: `${name}.test`, origin: t.origin.url });
      assert.equal(zone.status, 201, zone.text);
      const fn = await t.api<{ id: string; domain: string }>('POST', '/api/v1/functions', { zoneId: zone.body.id, name, content: sw(`return new Response('idle')`) });
      assert.equal(fn.status, 201, fn.text);
      zones[name] = { zone: zone.body.id, fn: fn.body.id, domain: fn.body.domain };
    }
  });
  after(() => t.close());

  const deploy = async (name: string, code: string, replica?: string): Promise<void> => {
    const base = `/api/v1/functions/${zones[name]!.fn}`;
    if (!replica) {
      const answer = await t.api('PATCH', base, { content: code });
      assert.equal(answer.status, 200, answer.text);
      return;
    }
    const existing = await t.api('GET', `${base}/replicas/${replica}`);
    const answer = existing.status === 200 ? await t.api('PATCH', `${base}/replicas/${replica}`, { content: code }) : await t.api('POST', `${base}/replicas`, { name: replica, content: code });
    assert.ok(answer.status === 200 || answer.status === 201, answer.text);
  };
  const call = (name: string, path = '/', headers: Record<string, string> = {}) => send(t.serve.gatewayUrl, zones[name]!.domain, path, headers);

  it("one zone can neither read nor replace another zone's Cache API entries", async () => {
    await deploy('shop', sw(`
      const key = 'https://shop.test/price';
      const url = new URL(event.request.url);
      if (url.pathname === '/put') await caches.default.put(key, new Response('genuine price'));
      const hit = await caches.default.match(key);
      return new Response(hit ? await hit.text() : 'miss');`));
    assert.equal((await call('shop', '/put')).text, 'genuine price');
    await deploy('blog', sw(`
      const key = 'https://shop.test/price';
      const seen = await caches.default.match(key);
      await caches.default.put(key, new Response('forged price'));
      const named = await (await caches.open('default')).match(key);
      return new Response((seen ? 'read ' + await seen.text() : 'nothing to read') + ', ' + (named ? 'named hit' : 'named miss'));`));
    assert.equal((await call('blog')).text, 'nothing to read, named miss');
    assert.equal((await call('shop')).text, 'genuine price', 'the forged entry did not reach the shop');
  });

  it('Cache and CacheStorage cannot be constructed, so no cache outside the zone can be named', async () => {
    await deploy('blog', sw(`
      const out = [];
      for (const make of [() => new Cache(':subrequests'), () => new CacheStorage(), () => new caches.default.constructor('x')]) {
        try { make(); out.push('made'); } catch (error) { out.push(error.name); }
      }
      return new Response(out.join());`));
    assert.equal((await call('blog')).text, 'TypeError,TypeError,TypeError');
  });

  it('nor while `caches` is being made, with the globals it uses replaced', async () => {
    await deploy('blog', `
      const RealMap = Map;
      let made = 'not reached';
      globalThis.Map = class extends RealMap {
        constructor(...args) {
          super(...args);
          try { new Cache('named:x'); made = 'made'; } catch (error) { made = error.name; }
        }
      };
      const storage = caches;
      globalThis.Map = RealMap;
      addEventListener('fetch', (event) => event.respondWith(new Response(made + ' ' + typeof storage.open)));`);
    assert.equal((await call('blog')).text, 'TypeError function');
  });

  it('a cache name counts, and a very long one is refused', async () => {
    await deploy('blog', sw(`
      const out = [];
      try { await caches.open('n'.repeat(2048)); out.push('opened'); } catch (error) { out.push(error.name); }
      const fine = await caches.open('n'.repeat(1024));
      await fine.put('https://blog.test/k', new Response('kept'));
      out.push(await (await fine.match('https://blog.test/k')).text());
      return new Response(out.join());`));
    assert.equal((await call('blog')).text, 'TypeError,kept');
  });

  it("eo.cacheKey names an entry only in the zone's own subrequest cache", async () => {
    const fetchCached = (key: string) => sw(`
      const res = await fetch(new URL('/counted', event.request.url), { eo: { cacheTtl: 60, cacheKey: '${key}' } });
      return new Response(await res.text());`);
    await deploy('shop', fetchCached('catalog'));
    const first = (await call('shop')).text;
    assert.match(first, /^origin answer \d+ for nobody$/);
    assert.equal((await call('shop')).text, first, 'cached for the shop');
    await deploy('blog', sw(`
      const res = await fetch('${t.origin.url}/counted?poisoned', { eo: { cacheTtl: 600, cacheKey: 'catalog' } });
      return new Response(await res.text());`));
    const blog = (await call('blog')).text;
    assert.notEqual(blog, first, "the blog did not get the shop's cached answer");
    assert.equal((await call('shop')).text, first, "the blog's write under the same key did not replace the shop's");
  });

  it('a fetch with credentials is not cached unless the function opts in', async () => {
    await deploy('shop', sw(`
      const optIn = new URL(event.request.url).pathname === '/opt-in';
      const res = await fetch(new URL('/counted', event.request.url), { headers: { authorization: 'Bearer user-1' }, eo: { cacheTtl: 60, cacheKey: optIn ? 'opt-in' : 'private', cacheCredentialed: optIn } });
      return new Response(await res.text());`));
    const a = (await call('shop', '/private')).text;
    const b = (await call('shop', '/private')).text;
    assert.notEqual(a, b, 'each request went to the origin');
    const c = (await call('shop', '/opt-in')).text;
    assert.equal((await call('shop', '/opt-in')).text, c, 'cached when asked');
  });

  it("a replica's cache is its own: its writes never reach production", async () => {
    const code = sw(`
      const key = 'https://shop.test/banner';
      if (new URL(event.request.url).pathname === '/put') await caches.default.put(key, new Response('from the replica'));
      const hit = await caches.default.match(key);
      return new Response(hit ? await hit.text() : 'empty');`);
    await deploy('shop', code);
    await deploy('shop', code, 'next');
    assert.equal((await call('shop', '/put', { 'eo-function-replica-name': 'next' })).text, 'from the replica');
    assert.equal((await call('shop', '/', { 'eo-function-replica-name': 'next' })).text, 'from the replica');
    assert.equal((await call('shop')).text, 'empty', 'production does not see the replica entry');
  });

  it('functions with identical code in two zones do not share an isolate', async () => {
    const code = sw(`globalThis.seen ??= []; seen.push(new URL(event.request.url).host); return new Response([...new Set(seen)].join());`);
    await deploy('shop', code);
    await deploy('blog', code);
    await call('shop');
    const blog = (await call('blog')).text;
    assert.equal(blog, zones.blog!.domain, `the blog's isolate saw: ${blog}`);
  });
});
