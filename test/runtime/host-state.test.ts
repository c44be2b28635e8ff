/**
 * What the host keeps for a function is bounded and freed: timers with their execution, crypto
 * keys with the guest objects that hold them (and at most 10,000 alive at once).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { makeRequest, newRuntime, run, sw } from '../helpers/runtime.ts';
import { startServer } from '../helpers/servers.ts';

describe('host state per execution and per key', () => {
  const runtime = newRuntime({ limits: { cpuMs: 2000 } });
  after(() => runtime.close());

  it('drops the timers an execution left behind when it ends', async () => {
    const code = sw(`for (let i = 0; i < 500; i++) setTimeout(() => {}, 3_600_000); return new Response('left 500 timers')`);
    for (let i = 0; i < 4; i++) assert.equal((await run(runtime, code)).text, 'left 500 timers');
    assert.equal(runtime.stats().timers, 0);
  });

  it('frees imported keys once the function no longer holds them', async () => {
    const code = sw(`
      for (let i = 0; i < 400; i++) {
        await crypto.subtle.importKey('raw', new TextEncoder().encode('secret ' + i), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
      }
      return new Response('imported 400')`);
    for (let i = 0; i < 25; i++) assert.equal((await run(runtime, code)).text, 'imported 400');
    // 10,000 imported in all; only those since the last sweep (every 256 keys) may remain.
    assert.ok(runtime.stats().keys <= 512, `${runtime.stats().keys} keys kept`);
  });

  it('refuses the 10,001st key a function keeps alive, with a clear error', async () => {
    const code = sw(`
      globalThis.kept ??= [];
      try {
        for (let i = 0; i < 2600; i++) kept.push(await crypto.subtle.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt']));
        return new Response('kept ' + kept.length);
      } catch (error) {
        return new Response(error.name + ': ' + error.message + ' (' + kept.length + ')');
      }`);
    const answers: string[] = [];
    for (let i = 0; i < 4; i++) answers.push((await run(runtime, code)).text);
    assert.deepEqual(answers.slice(0, 3), ['kept 2600', 'kept 5200', 'kept 7800']);
    assert.equal(answers[3], 'QuotaExceededError: Too many CryptoKeys alive in this function: at most 10000 (10000)');
  });

  it('reports the time host pools worked for the function (image conversion, Web Crypto)', async () => {
    const png = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#808080' } }).png().toBuffer();
    const origin = await startServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
    try {
      const image = await run(runtime, sw(`const r = await fetch('${origin.url}/a.png', { eo: { image: { format: 'webp', width: 40 } } }); return new Response(r.headers.get('content-type'))`), makeRequest());
      assert.equal(image.text, 'image/webp');
      assert.ok(image.report.hostCpuUs > 0, `hostCpuUs ${image.report.hostCpuUs}`);
      const pbkdf2 = await run(runtime, sw(`
        const key = await crypto.subtle.importKey('raw', new Uint8Array(8), 'PBKDF2', false, ['deriveBits']);
        await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(16), iterations: 50_000 }, key, 256);
        return new Response('derived')`));
      assert.equal(pbkdf2.text, 'derived');
      assert.ok(pbkdf2.report.hostCpuUs >= 1000, `hostCpuUs ${pbkdf2.report.hostCpuUs}`);
    } finally {
      await origin.close();
    }
  });

  it('refuses header lists past 256 entries or 128 KB, in responses and in subrequests', async () => {
    const many = await run(runtime, sw(`const h = new Headers(); for (let i = 0; i < 300; i++) h.set('x-' + i, 'v'); return new Response('x', { headers: h })`));
    assert.equal(many.code, 'FunctionRuntime.InvalidResponse');
    assert.match(many.message!, /more than 256 headers/);
    const large = await run(runtime, sw(`return new Response('x', { headers: { 'x-big': 'a'.repeat(200_000) } })`));
    assert.equal(large.code, 'FunctionRuntime.InvalidResponse');
    const sub = await run(runtime, sw(`try { await fetch('http://127.0.0.1:9/', { headers: { 'x-big': 'a'.repeat(200_000) } }); return new Response('sent') } catch (e) { return new Response(e.name + ': ' + e.message) }`));
    assert.equal(sub.text, 'TypeError: The request headers are larger than 131072 bytes');
  });

  it('checks the costly numbers of Web Crypto calls as numbers, strings included', async () => {
    const code = sw(`
      const pw = await crypto.subtle.importKey('raw', new TextEncoder().encode('pw'), 'PBKDF2', false, ['deriveBits']);
      const attempts = {
        iterationsAsString: () => crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(16), iterations: '4294967295' }, pw, 256),
        modulusAsString: () => crypto.subtle.generateKey({ name: 'RSA-PSS', modulusLength: '8192', publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, false, ['sign']),
        hugeHmacKey: () => crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 2 ** 31 - 8 }, false, ['sign']),
        hugeDerivedBits: () => crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(16), iterations: 1 }, pw, 2 ** 31 - 8),
        hugeImportedKey: () => crypto.subtle.importKey('raw', new Uint8Array(2 ** 20), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']),
      };
      const out = [];
      for (const [name, attempt] of Object.entries(attempts)) {
        try { await attempt(); out.push(name + ':ok'); } catch (error) { out.push(name + ':' + error.name); }
      }
      return new Response(out.join(' '))`);
    const answer = await run(runtime, code);
    assert.equal(answer.text, 'iterationsAsString:NotSupportedError modulusAsString:NotSupportedError hugeHmacKey:NotSupportedError hugeDerivedBits:NotSupportedError hugeImportedKey:NotSupportedError', `${answer.code} ${answer.message}`);
  });

  it('drops keys made for an execution that ended before they arrived', async () => {
    // An RSA key takes milliseconds to make: long after the execution ended. (A key that reaches
    // the isolate before its execution ends is the guest's, dropped when the guest collects it.)
    const code = `addEventListener('fetch', (event) => {
      crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, false, ['sign']);
      event.respondWith(new Response('answered first'));
    });`;
    const own = newRuntime();
    try {
      for (let i = 0; i < 6; i++) {
        const answer = await run(own, code); // at most 8 Web Crypto operations per function at once
        assert.equal(answer.text, 'answered first', `${answer.code} ${answer.message}`);
      }
      const deadline = Date.now() + 10_000;
      while (own.stats().keys > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(own.stats().keys, 0);
    } finally {
      own.close();
    }
  });

  it('keeps the Cache API of each zone and variant apart within one runtime', async () => {
    const code = sw(`
      const key = 'https://shared.test/k';
      if (new URL(request.url).pathname === '/put') await caches.default.put(key, new Response('written'));
      const hit = await caches.default.match(key);
      return new Response(hit ? await hit.text() : 'empty')`);
    const as = (zone: string, variant: string) => ({ code, owner: { zone, function: 'fn', variant } });
    assert.equal((await run(runtime, as('zone-a', 'replica:next'), makeRequest('http://x/put'))).text, 'written');
    assert.equal((await run(runtime, as('zone-a', 'replica:next'))).text, 'written');
    assert.equal((await run(runtime, as('zone-a', 'production'))).text, 'empty', 'production of the same zone');
    assert.equal((await run(runtime, as('zone-b', 'replica:next'))).text, 'empty', 'the same replica name in another zone');
  });
});
