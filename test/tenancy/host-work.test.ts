/**
 * Host work a function causes is bounded and charged: image conversion (limits, one at a time per
 * node, the original back when it cannot be converted), Web Crypto (bounded parameters, a fair
 * pool), and parsing the host does for the guest (URL, form data). During each attack another
 * zone's function keeps answering; its latency is reported as a diagnostic.
 */
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { send, startTenancy, type Tenancy } from './helpers.ts';

const sw = (body: string): string => `addEventListener('fetch', (event) => event.respondWith((async () => { ${body} })()));`;

/** Requests the victim every 50 ms while `attack` runs; returns the slowest answer (ms). */
async function victimDuring(t: Tenancy, victimDomain: string, attack: Promise<unknown>): Promise<number> {
  let done = false;
  let slowest = 0;
  const probe = (async () => {
    while (!done) {
      const answer = await send(t.serve.gatewayUrl, victimDomain, '/');
      assert.equal(answer.status, 200, answer.text);
      slowest = Math.max(slowest, answer.ms);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  await attack;
  done = true;
  await probe;
  return slowest;
}

describe('host work a function causes is bounded and charged', () => {
  let t: Tenancy;
  let huge: Buffer;
  let big: Buffer;
  let victimCrypto: string;
  before(async () => {
    // 16000 x 16000 (256 million pixels) in 0.7 MB, and an interlaced 8000 x 8000 (slow to decode).
    huge = await sharp({ create: { width: 16000, height: 16000, channels: 3, background: '#c86432' }, limitInputPixels: false }).png({ compressionLevel: 9 }).toBuffer();
    big = await sharp({ create: { width: 8000, height: 8000, channels: 3, background: '#3264c8' } }).png({ compressionLevel: 9, progressive: true }).toBuffer();
    t = await startTenancy((req, res) => {
      const image = req.url === '/huge.png' ? huge : req.url === '/big.png' ? big : undefined;
      if (!image) return false;
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(image.byteLength) }).end(image);
      return true;
    });
    const zone = await t.api<{ id: string }>('POST', '/api/v1/zones', { name: 'crypto-victim.test', origin: 'http://127.0.0.1:9' });
    const fn = await t.api<{ domain: string }>('POST', '/api/v1/functions', {
      zoneId: zone.body.id,
      name: 'digester',
      content: sw(`const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode('x')); return new Response(String(d.byteLength));`),
    });
    victimCrypto = fn.body.domain;
  });
  after(() => t.close());

  it('an image past the pixel limit is not converted: the original comes back at once', async (c: TestContext) => {
    await t.deploy(sw(`
      const res = await fetch(new URL('/huge.png', event.request.url), { eo: { image: { format: 'webp', width: 100 } } });
      return new Response(res.headers.get('content-type') + ' ' + (await res.arrayBuffer()).byteLength);`));
    let answer = { text: '' };
    const slowest = await victimDuring(t, t.victimDomain, (async () => (answer = await t.attack('/')))());
    assert.equal(answer.text, `image/png ${huge.byteLength}`);
    assert.ok(t.serve.rssMb() < 1536, `RSS ${t.serve.rssMb()} MB`);
    c.diagnostic(`16000x16000 PNG: victim's slowest answer ${slowest.toFixed(0)} ms`);
    await t.assertHealthy('huge image');
  });

  it('conversions run one at a time per node; the other zone keeps answering', async (c: TestContext) => {
    await t.deploy(sw(`
      const res = await fetch(new URL('/big.png', event.request.url), { eo: { image: { format: 'webp', width: 100 } } });
      return new Response(res.headers.get('content-type'));`));
    const attacks = Promise.all(Array.from({ length: 4 }, () => t.attack('/', 'production', { timeoutMs: 120_000 })));
    const slowest = await victimDuring(t, t.victimDomain, attacks);
    const types = (await attacks).map((a) => a.text);
    // Each function may have two conversions waiting or running; the others get the original.
    assert.ok(types.filter((x) => x === 'image/webp').length >= 2, types.join());
    assert.ok(types.every((x) => x === 'image/webp' || x === 'image/png'), types.join());
    assert.ok(t.serve.rssMb() < 1536, `RSS ${t.serve.rssMb()} MB`);
    c.diagnostic(`4 interlaced 8000x8000 conversions: victim's slowest answer ${slowest.toFixed(0)} ms`);
  });

  it('PBKDF2 is limited to 100,000 iterations, RSA keys to 4096 bits', async () => {
    await t.deploy(sw(`
      const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('pw'), 'PBKDF2', false, ['deriveBits']);
      const results = [];
      for (const iterations of [100_000, 30_000_000]) {
        try { await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(16), iterations }, key, 256); results.push('ok'); }
        catch (error) { results.push(error.name); }
      }
      try { await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 8192, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, false, ['sign']); results.push('ok'); }
      catch (error) { results.push(error.name); }
      return new Response(results.join());`));
    assert.equal((await t.attack('/')).text, 'ok,NotSupportedError,NotSupportedError');
  });

  it("a function flooding Web Crypto does not stall another zone's digest", async (c: TestContext) => {
    await t.deploy(`addEventListener('fetch', (event) => {
      event.waitUntil((async () => {
        const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('pw'), 'PBKDF2', false, ['deriveBits']);
        await Promise.allSettled(Array.from({ length: 8 }, () =>
          crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-512', salt: new Uint8Array(16), iterations: 100_000 }, key, 512)));
      })());
      event.respondWith(new Response('queued'));
    });`);
    const attacks = Promise.all(Array.from({ length: 10 }, () => t.attack('/')));
    await new Promise((r) => setTimeout(r, 50));
    const slowest = await victimDuring(t, victimCrypto, (async () => {
      await attacks;
      await new Promise((r) => setTimeout(r, 1500));
    })());
    c.diagnostic(`80 PBKDF2 (100,000 iterations) queued by one function: other zone's digest, slowest ${slowest.toFixed(0)} ms`);
    assert.ok(slowest < 5000, `another zone's digest took ${slowest.toFixed(0)} ms (was 25 s before the pool)`);
  });

  it('the host refuses a 3 MB URL and 100,000 form parts instead of parsing them', async () => {
    await t.deploy(sw(`
      const which = new URL(event.request.url).pathname;
      try {
        if (which === '/url') new URL('https://example.com/' + 'a'.repeat(3 * 2 ** 20));
        else {
          const body = '--b\\r\\nContent-Disposition: form-data; name="f"\\r\\n\\r\\nv\\r\\n'.repeat(100_000) + '--b--\\r\\n';
          await new Response(body, { headers: { 'content-type': 'multipart/form-data; boundary=b' } }).formData();
        }
        return new Response('parsed');
      } catch (error) {
        return new Response(error.name + ': ' + error.message);
      }`));
    assert.match((await t.attack('/url')).text, /^TypeError: Invalid URL: longer than/);
    assert.match((await t.attack('/form')).text, /^TypeError: Form data has more than 10000 parts/);
    await t.assertHealthy('URL and form data');
  });
});
