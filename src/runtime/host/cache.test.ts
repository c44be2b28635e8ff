import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CacheStore, freshnessOf, type CacheSpace } from './cache.ts';

const api = (name: string, scope = 'zone-a:production'): CacheSpace => ({ scope, kind: 'api', name });
const response = (headers: string[], body = 'x') => ({ status: 200, statusText: 'OK', headers, body: new TextEncoder().encode(body) });

describe('node-local cache store', () => {
  it('reads freshness from s-maxage, then max-age, then Expires', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(freshnessOf(['cache-control', 'public, max-age=60, s-maxage=120'], now), 120);
    assert.equal(freshnessOf(['Cache-Control', 'max-age=30'], now), 30);
    assert.equal(freshnessOf(['expires', 'Thu, 01 Jan 2026 00:01:00 GMT'], now), 60);
    assert.equal(freshnessOf([], now), null);
    for (const cc of ['no-store', 'private, max-age=60', 'no-cache', 'max-age=0']) assert.equal(freshnessOf(['cache-control', cc], now), 0, cc);
  });

  it('expires entries by their max-age', () => {
    let now = 1_000_000;
    const store = new CacheStore({ maxBytes: 1 << 20, now: () => now });
    assert.equal(store.put(api('c'), 'https://a/1', response(['cache-control', 'max-age=10'])), true);
    assert.ok(store.match(api('c'), 'https://a/1'));
    now += 10_001;
    assert.equal(store.match(api('c'), 'https://a/1'), undefined);
    assert.equal(store.put(api('c'), 'https://a/2', response(['cache-control', 'no-store'])), false);
    assert.equal(store.match(api('c'), 'https://a/2'), undefined);
  });

  it('keeps caches apart and deletes', () => {
    const store = new CacheStore({ maxBytes: 1 << 20 });
    store.put(api('one'), 'https://a/', response([], 'from one'));
    assert.equal(store.match(api('two'), 'https://a/'), undefined);
    assert.equal(store.delete(api('one'), 'https://a/'), true);
    assert.equal(store.delete(api('one'), 'https://a/'), false);
  });

  it('stays within its byte bound, evicting the least recently used', () => {
    const store = new CacheStore({ maxBytes: 3000 });
    const big = 'b'.repeat(900);
    store.put(api('c'), 'https://a/1', response([], big));
    store.put(api('c'), 'https://a/2', response([], big));
    store.put(api('c'), 'https://a/3', response([], big));
    assert.ok(store.match(api('c'), 'https://a/1')); // 1 is now the most recently used
    store.put(api('c'), 'https://a/4', response([], big));
    assert.ok(store.bytes <= 3000);
    assert.equal(store.match(api('c'), 'https://a/2'), undefined, 'the least recently used entry went first');
    assert.ok(store.match(api('c'), 'https://a/1'));
    assert.equal(store.put(api('c'), 'https://a/huge', response([], 'h'.repeat(5000))), false, 'larger than the whole cache');
  });

  it('keeps scopes apart: zones, variants, and the Cache API from the subrequest cache', () => {
    const store = new CacheStore({ maxBytes: 1 << 20 });
    store.put(api(':default', 'zone-a:production'), 'https://a/', response([], 'a production'));
    assert.equal(store.match(api(':default', 'zone-b:production'), 'https://a/'), undefined, 'another zone');
    assert.equal(store.match(api(':default', 'zone-a:replica-x'), 'https://a/'), undefined, 'a replica of the same zone');
    assert.equal(store.match({ scope: 'zone-a:production', kind: 'subrequests', name: '' }, 'https://a/'), undefined, 'the subrequest cache');
    assert.equal(store.match(api(':default\nx', 'zone-a:production'), 'https://a/'), undefined);
    assert.ok(store.match(api(':default', 'zone-a:production'), 'https://a/'));
  });

  it('bounds each scope, evicting within it first, so one zone cannot push another out', () => {
    const store = new CacheStore({ maxBytes: 10_000, maxScopeBytes: 3000 });
    const big = 'b'.repeat(900);
    store.put(api('c', 'victim'), 'https://v/1', response([], big));
    for (let i = 0; i < 20; i++) store.put(api('c', 'attacker'), `https://a/${i}`, response([], big));
    assert.ok(store.bytesOf('attacker') <= 3000);
    assert.ok(store.match(api('c', 'victim'), 'https://v/1'), "the attacker's writes did not evict the victim's entry");
  });

  it('counts the cache name and the URL in an entry', () => {
    const store = new CacheStore({ maxBytes: 10_000, maxScopeBytes: 4000 });
    assert.equal(store.put(api('n'.repeat(5000)), 'https://a/', response([], 'x')), false, 'a name larger than the scope may hold');
    assert.equal(store.put(api('c'), `https://a/${'u'.repeat(5000)}`, response([], 'x')), false, 'a URL larger than the scope may hold');
    assert.equal(store.put(api('n'.repeat(1000)), 'https://a/', response([], 'x')), true);
    assert.ok(store.bytesOf('zone-a:production') > 1000);
  });

  it('when the whole cache is full, the scope holding the most gives way, never one that holds little', () => {
    const store = new CacheStore({ maxBytes: 10_000, maxScopeBytes: 4000 });
    const big = 'b'.repeat(900);
    store.put(api('c', 'victim'), 'https://v/1', response([], big));
    // Attackers with several zones (or variants), each at its share, together past the total.
    for (const attacker of ['a1', 'a2', 'a3', 'a4']) {
      for (let i = 0; i < 5; i++) store.put(api('c', attacker), `https://a/${i}`, response([], big));
    }
    assert.ok(store.bytes <= 10_000);
    assert.ok(store.match(api('c', 'victim'), 'https://v/1'), "the attackers' writes did not evict the victim's entry");
  });

  it('does not confuse a name that contains a separator with a URL', () => {
    const store = new CacheStore({ maxBytes: 1 << 20 });
    store.put(api('a\nhttps://x/'), 'https://y/', response([], 'one'));
    assert.equal(store.match(api('a'), 'https://x/\nhttps://y/'), undefined);
  });
});
