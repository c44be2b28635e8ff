/** The programming model: both syntaxes, FetchEvent, waitUntil, env, request.eo, timers, isolate reuse. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newRuntime, run, sw, makeRequest } from '../helpers/runtime.ts';

describe('programming model', () => {
  const runtime = newRuntime();
  after(() => runtime.close());

  it('runs Service Worker syntax with FetchEvent fields', async () => {
    const a = await run(runtime, `addEventListener('fetch', (event) => {
      event.respondWith(Response.json({
        isEvent: event instanceof FetchEvent, trusted: event.isTrusted, type: event.type, clientId: typeof event.clientId,
        method: event.request.method, url: event.request.url, header: event.request.headers.get('x-test'),
      }));
    });`, makeRequest('https://www.example.com/p?q=1', { headers: ['host', 'www.example.com', 'x-test', 'yes'] }));
    assert.deepEqual(JSON.parse(a.text), { isEvent: true, trusted: true, type: 'fetch', clientId: 'string', method: 'GET', url: 'https://www.example.com/p?q=1', header: 'yes' });
  });

  it('runs module syntax with env and ctx', async () => {
    const a = await run(runtime, {
      code: `export default { async fetch(request, env, ctx) { ctx.waitUntil(Promise.resolve()); return new Response(env.NAME + ' ' + typeof ctx.passThroughOnException) } }`,
      env: { NAME: 'mod' },
    });
    assert.equal(a.text, 'mod function');
  });

  it('rejects a module without a fetch handler at load', async () => {
    const a = await run(runtime, `export default { notFetch() {} }`);
    assert.equal(a.code, 'FunctionRuntime.LoadError');
    const imports = await run(runtime, `import x from 'y'; export default { fetch() { return new Response(x) } }`);
    assert.equal(imports.code, 'FunctionRuntime.LoadError');
  });

  it('treats no respondWith as "go to origin"', async () => {
    const a = await run(runtime, `addEventListener('fetch', () => { console.log('looked, did not answer') })`);
    assert.equal(a.kind, 'passthrough');
    assert.equal(a.report.outcome, 'passthrough');
    assert.deepEqual(a.report.logs.map((l) => l.message), ['looked, did not answer']);
  });

  it('a respondWith after an await throws InvalidStateError, which the report shows; the request has gone to the origin', async () => {
    const answer = await run(runtime, `addEventListener('fetch', async (event) => {
      await crypto.subtle.digest('SHA-256', new Uint8Array(4));
      event.respondWith(new Response('too late', { status: 403 }));
    })`);
    assert.equal(answer.kind, 'passthrough');
    const lines = answer.report.logs.filter((l) => l.level === 'error').map((l) => l.message);
    assert.equal(lines.length, 1, JSON.stringify(answer.report.logs));
    assert.match(lines[0]!, /InvalidStateError: FetchEvent\.respondWith: call it while the event is dispatched/);
    // The fix the message names: hand respondWith a promise, at once.
    const fixed = await run(runtime, `addEventListener('fetch', (event) => event.respondWith((async () => {
      await crypto.subtle.digest('SHA-256', new Uint8Array(4));
      return new Response('in time', { status: 403 });
    })()))`);
    assert.deepEqual([fixed.status, fixed.text], [403, 'in time']);
  });

  it('a listener that returns without respondWith while its own work is pending gets a warning that says why', async () => {
    // The listener is not async: it starts the handler and drops its promise.
    const answer = await run(runtime, `addEventListener('fetch', (event) => { handle(event); });
      async function handle(event) {
        await crypto.subtle.digest('SHA-256', new Uint8Array(4));
        event.respondWith(new Response('denied', { status: 403 }));
      }`);
    assert.equal(answer.kind, 'passthrough');
    const warnings = answer.report.logs.filter((l) => l.level === 'warn').map((l) => l.message);
    assert.equal(warnings.length, 1, JSON.stringify(answer.report.logs));
    assert.match(warnings[0]!, /returned without calling respondWith while 1 operation it started was pending: the request went to the origin/);
    // Nothing pending, nothing to say.
    const plain = await run(runtime, `addEventListener('fetch', () => {})`);
    assert.deepEqual(plain.report.logs, []);
  });

  it('an async listener that fails after answering has its error in the report', async () => {
    const answer = await run(runtime, `addEventListener('fetch', async (event) => {
      event.respondWith(new Response('answered'));
      await null;
      throw new RangeError('after the answer');
    })`);
    assert.equal(answer.text, 'answered');
    assert.deepEqual(answer.report.logs.filter((l) => l.level === 'error').map((l) => l.message.split('\n')[0]), ['Uncaught (in the fetch listener) RangeError: after the answer']);
  });

  it('FetchEvent cannot be constructed by user code and respondWith works once', async () => {
    const a = await run(runtime, sw(`
      let ctor; try { new FetchEvent('fetch', {}) } catch (e) { ctor = e.constructor.name }
      return new Response(ctor)`));
    assert.equal(a.text, 'TypeError');
    const twice = await run(runtime, `addEventListener('fetch', (e) => { e.respondWith(new Response('first')); try { e.respondWith(new Response('second')) } catch (err) { console.log(err.name) } })`);
    assert.equal(twice.text, 'first');
    assert.deepEqual(twice.report.logs.map((l) => l.message), ['InvalidStateError']);
  });

  it('keeps the execution open for waitUntil work after the response', async () => {
    const a = await run(runtime, `addEventListener('fetch', (e) => {
      e.respondWith(new Response('answered'));
      e.waitUntil(new Promise((r) => setTimeout(r, 50)).then(() => console.log('background done')));
      e.waitUntil(Promise.reject(new Error('background failed')));
    })`);
    assert.equal(a.text, 'answered');
    const messages = a.report.logs.map((l) => l.message);
    assert.ok(messages.includes('background done'), messages.join('\n'));
    assert.ok(messages.some((m) => m.startsWith('Uncaught (in waitUntil) Error: background failed')), messages.join('\n'));
    assert.ok(a.report.wallUs >= 50_000);
  });

  it('gives request.eo with client IP and geo as the host set them', async () => {
    const a = await run(runtime, sw(`return Response.json(request.eo)`), makeRequest('http://x.com/', { clientIp: '192.0.2.9', geo: { countryCodeAlpha2: 'SG', latitude: 1.29 } }));
    assert.deepEqual(JSON.parse(a.text), { clientIp: '192.0.2.9', geo: { countryCodeAlpha2: 'SG', latitude: 1.29 } });
  });

  it('exposes env as a frozen global; a change of env gives a new isolate on the next request', async () => {
    const code = `let hits = 0; addEventListener('fetch', (e) => { hits++; let frozen; try { 'use strict'; env.X = 'changed'; frozen = env.X } catch { frozen = 'threw' } e.respondWith(Response.json({ x: env.X, hits, frozen, json: env.J })) })`;
    const one = await run(runtime, { code, env: { X: '1', J: { a: [1] } } });
    assert.deepEqual(JSON.parse(one.text), { x: '1', hits: 1, frozen: '1', json: { a: [1] } });
    const two = await run(runtime, { code, env: { X: '1', J: { a: [1] } } });
    assert.equal((JSON.parse(two.text) as { hits: number }).hits, 2, 'same code and env: same isolate');
    const three = await run(runtime, { code, env: { X: '2', J: { a: [1] } } });
    assert.deepEqual(JSON.parse(three.text), { x: '2', hits: 1, frozen: '2', json: { a: [1] } });
  });

  it('runs timers: setTimeout order, setInterval and clearing', async () => {
    const a = await run(runtime, sw(`
      const seen = [];
      setTimeout(() => seen.push('t20'), 20);
      setTimeout(() => seen.push('t5'), 5);
      setImmediate(() => seen.push('imm'));
      const cancelled = setTimeout(() => seen.push('never'), 10); clearTimeout(cancelled);
      let n = 0; const iv = setInterval(() => { if (++n === 3) clearInterval(iv); seen.push('iv' + n) }, 2);
      queueMicrotask(() => seen.push('micro'));
      await new Promise((r) => setTimeout(r, 60));
      return Response.json(seen)`));
    const seen = JSON.parse(a.text) as string[];
    assert.equal(seen[0], 'micro');
    assert.ok(seen.indexOf('t5') < seen.indexOf('t20'));
    assert.deepEqual(seen.filter((s) => s.startsWith('iv')), ['iv1', 'iv2', 'iv3']);
    assert.ok(!seen.includes('never'));
  });

  it('refuses I/O outside a request handler', async () => {
    const a = await run(runtime, `let loadError = 'none'; fetch('http://127.0.0.1:9/').catch((e) => { loadError = e.message });
      addEventListener('fetch', (e) => e.respondWith(Promise.resolve().then(() => new Response(loadError))))`);
    assert.match(a.text, /not allowed outside a request handler/);
  });

  it('has the non-standard helpers EdgeOne code uses', async () => {
    const a = await run(runtime, sw(`return Response.json({
      b64: btoaUTF8('中文'), back: atobUTF8(btoaUTF8('中文')), te: TextEncoder().encode('é').length, td: TextDecoder().decode(new Uint8Array([104, 105])),
      md5: [...new Uint8Array(await crypto.subtle.digest('MD5', new TextEncoder().encode('')))].map((b) => b.toString(16).padStart(2, '0')).join(''),
    })`));
    assert.deepEqual(JSON.parse(a.text), { b64: '5Lit5paH', back: '中文', te: 2, td: 'hi', md5: 'd41d8cd98f00b204e9800998ecf8427e' });
  });

  it('lets functions change headers of responses from caches.default.match, keyed by a string', async () => {
    const a = await run(runtime, sw(`
      await caches.default.put('https://cache.test/k', new Response('body', { headers: { 'cache-control': 'max-age=60', 'x-old': '1' } }));
      const hit = await caches.default.match('https://cache.test/k');
      hit.headers.set('x-cache', 'HIT');
      hit.headers.delete('x-old');
      const named = await caches.open('mine');
      return Response.json({ tag: hit.headers.get('x-cache'), old: hit.headers.get('x-old'), body: await hit.text(), other: (await named.match('https://cache.test/k')) ?? null })`));
    assert.deepEqual(JSON.parse(a.text), { tag: 'HIT', old: null, body: 'body', other: null });
  });

  it('wraps and unwraps with a key that may only encrypt and decrypt, as EdgeOne does', async () => {
    const a = await run(runtime, sw(`
      const key = await crypto.subtle.generateKey({ name: 'AES-CBC', length: 256 }, true, ['encrypt', 'decrypt']);
      const iv = crypto.getRandomValues(new Uint8Array(16));
      const out = {};
      for (const format of ['raw', 'jwk']) {
        const wrapped = await crypto.subtle.wrapKey(format, key, key, { name: 'AES-CBC', iv });
        const back = await crypto.subtle.unwrapKey(format, wrapped, key, { name: 'AES-CBC', iv }, { name: 'AES-CBC' }, true, ['encrypt', 'decrypt']);
        const same = [...new Uint8Array(await crypto.subtle.exportKey('raw', back))].join() === [...new Uint8Array(await crypto.subtle.exportKey('raw', key))].join();
        out[format] = same;
      }
      // A key that may do neither is still refused, as is an unextractable key to wrap.
      const decryptOnly = await crypto.subtle.generateKey({ name: 'AES-CBC', length: 256 }, false, ['decrypt']);
      const sealed = await crypto.subtle.generateKey({ name: 'AES-CBC', length: 128 }, false, ['encrypt']);
      for (const [name, make] of [['neither', () => crypto.subtle.wrapKey('raw', key, decryptOnly, { name: 'AES-CBC', iv })], ['unextractable', () => crypto.subtle.wrapKey('raw', sealed, key, { name: 'AES-CBC', iv })]]) {
        try { await make(); out[name] = 'wrapped'; } catch (error) { out[name] = error.name; }
      }
      return Response.json(out)`));
    assert.deepEqual(JSON.parse(a.text), { raw: true, jwk: true, neither: 'InvalidAccessError', unextractable: 'InvalidAccessError' });
  });

  it("honours EdgeOne's copyHeaders when a Request is made from another", async () => {
    const a = await run(runtime, sw(`
      const base = new Request('https://x.com/', { headers: { a: '1', b: '2' } });
      const list = (r) => [...r.headers].map(([k, v]) => k + '=' + v).join('&');
      return Response.json({
        spec: list(new Request(base, { headers: { c: '3' } })),
        merged: list(new Request(base, { headers: { b: '20', c: '3' }, copyHeaders: true })),
        none: list(new Request(base, { copyHeaders: false })),
        only: list(new Request(base, { headers: { c: '3' }, copyHeaders: false })),
        plain: list(new Request(base)),
      })`));
    assert.deepEqual(JSON.parse(a.text), { spec: 'c=3', merged: 'a=1&b=20&c=3', none: '', only: 'c=3', plain: 'a=1&b=2' });
  });

  it('runs WebAssembly', async () => {
    // (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
    const bytes = [0, 97, 115, 109, 1, 0, 0, 0, 1, 7, 1, 96, 2, 127, 127, 1, 127, 3, 2, 1, 0, 7, 7, 1, 3, 97, 100, 100, 0, 0, 10, 9, 1, 7, 0, 32, 0, 32, 1, 106, 11];
    const a = await run(runtime, sw(`const { instance } = await WebAssembly.instantiate(new Uint8Array(${JSON.stringify(bytes)})); return new Response(String(instance.exports.add(40, 2)))`));
    assert.equal(a.text, '42');
  });

  it('formats console arguments like a browser console', async () => {
    const a = await run(runtime, sw(`console.log('%s has %d items', 'cart', 3, { a: [1, 'x'] }); console.warn(new Map([[1, 2]])); console.error(new Error('e1')); return new Response('')`));
    assert.deepEqual(a.report.logs.map((l) => [l.level, l.message.split('\n')[0]]), [['log', `cart has 3 items { a: [ 1, "x" ] }`], ['warn', 'Map(1) { 1 => 2 }'], ['error', 'Error: e1']]);
  });
});

describe('isolate cache', () => {
  it('evicts the least recently used isolate beyond the maximum', async () => {
    const runtime = newRuntime({ maxIsolates: 2 });
    try {
      const counter = (tag: string): string => `let n = 0; addEventListener('fetch', (e) => e.respondWith(new Response('${tag}' + (++n))));`;
      assert.equal((await run(runtime, counter('a'))).text, 'a1');
      assert.equal((await run(runtime, counter('b'))).text, 'b1');
      assert.equal((await run(runtime, counter('a'))).text, 'a2');
      assert.equal((await run(runtime, counter('c'))).text, 'c1'); // evicts b, the least recently used
      assert.equal(runtime.isolateCount, 2);
      assert.equal((await run(runtime, counter('a'))).text, 'a3');
      assert.equal((await run(runtime, counter('b'))).text, 'b1', 'b started over in a new isolate');
    } finally {
      runtime.close();
    }
  });
});
