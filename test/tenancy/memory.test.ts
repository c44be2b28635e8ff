/**
 * All memory a function causes counts against its limit (128 MB): bodies the host reads whole for
 * it (decompression included), chunks its streamed response queues for a slow client, and
 * WebAssembly memories. Exceeding it fails the execution with FunctionRuntime.MemoryExceeded; the
 * process stays under a fixed bound (1.5 GB) even with 20 attacks at once.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createGzip } from 'node:zlib';
import { request } from 'undici';
import { startTenancy, type Tenancy } from './helpers.ts';

const boundMb = 1536;
const variants = ['production', 'replica'] as const;

/** 1 GiB of zeros, gzip-coded (about 1 MB). */
async function gzipBomb(): Promise<Buffer> {
  const gzip = createGzip({ level: 1 });
  const chunks: Buffer[] = [];
  gzip.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  const zeros = Buffer.alloc(4 * 2 ** 20);
  for (let i = 0; i < 256; i++) if (!gzip.write(zeros)) await new Promise((r) => gzip.once('drain', r));
  gzip.end();
  await done;
  return Buffer.concat(chunks);
}

describe('memory a function causes counts against its limit', () => {
  let t: Tenancy;
  let bomb: Buffer;
  before(async () => {
    bomb = await gzipBomb();
    t = await startTenancy((req, res) => {
      if (req.url !== '/bomb') return false;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip', 'content-length': String(bomb.byteLength) });
      res.end(bomb);
      return true;
    });
  });
  after(() => t.close());


  const expectMemoryFailure = async (variant: (typeof variants)[number], context: string): Promise<void> => {
    const answer = await t.attack('/', variant, { timeoutMs: 60_000 });
    assert.equal(answer.headers['eo-function-error'], 'FunctionRuntime.MemoryExceeded', `${context}: ${answer.status} ${answer.text.slice(0, 200)}`);
    assert.equal(answer.status, 503);
    assert.ok(t.rss(variant) < boundMb, `${context}: RSS ${t.rss(variant)} MB`);
    await t.assertHealthy(context);
  };

  for (const variant of variants) {
    it(`${variant}: reading a 300 MB fetched body whole (arrayBuffer, text) stops at the limit`, async () => {
      for (const method of ['arrayBuffer', 'text']) {
        await t.deploy(
          `addEventListener('fetch', (event) => event.respondWith((async () => {
            const res = await fetch(new URL('/bytes/${300 * 2 ** 20}', event.request.url));
            const body = await res.${method}();
            return new Response('read ' + (body.byteLength ?? body.length));
          })()));`,
          variant,
        );
        await expectMemoryFailure(variant, method);
      }
    });

    it(`${variant}: a gzip bomb (1 GiB from 1 MB) read whole stops at the limit`, async () => {
      await t.deploy(
        `addEventListener('fetch', (event) => event.respondWith((async () => {
          const res = await fetch(new URL('/bomb', event.request.url));
          return new Response('read ' + (await res.arrayBuffer()).byteLength);
        })()));`,
        variant,
      );
      await expectMemoryFailure(variant, 'gzip bomb');
    });

    it(`${variant}: a gzip bomb passed on untouched is never decoded by the host`, async () => {
      await t.deploy(
        `addEventListener('fetch', (event) => event.respondWith((async () => {
          return fetch(new URL('/bomb', event.request.url));
        })()));`,
        variant,
      );
      const headers = variant === 'replica' ? { 'eo-function-replica-name': 'evil' } : {};
      const res = await request(`${t.serve.gatewayUrl}/`, { headers: { host: t.attackerDomain, 'accept-encoding': 'gzip', ...headers } });
      const bytes = Buffer.from(await res.body.arrayBuffer());
      assert.equal(res.headers['content-encoding'], 'gzip');
      assert.equal(bytes.byteLength, bomb.byteLength);
      assert.ok(t.rss(variant) < boundMb, `RSS ${t.rss(variant)} MB`);
      await t.assertHealthy('bomb passed through');
    });

    it(`${variant}: chunks queued for a client that does not read count against the limit`, async () => {
      await t.deploy(
        `addEventListener('fetch', (event) => {
          let sent = 0;
          event.respondWith(new Response(new ReadableStream({
            pull(controller) {
              if (sent++ >= 40) return controller.close();
              controller.enqueue(new Uint8Array(8 * 2 ** 20));
            },
          })));
        });`,
        variant,
      );
      // Twenty clients that read the headers and then never read the body.
      const stalled = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const headers = variant === 'replica' ? { 'eo-function-replica-name': 'evil' } : {};
          const res = await request(`${t.serve.gatewayUrl}/`, { headers: { host: t.attackerDomain, ...headers } });
          // Streams past the limit fail with MemoryExceeded: their connections are cut after the headers.
          res.body.on('error', () => undefined);
          return res;
        }),
      );
      await new Promise((r) => setTimeout(r, 1500));
      assert.ok(t.rss(variant) < boundMb, `RSS ${t.rss(variant)} MB with 20 stalled readers`);
      for (const res of stalled) {
        res.body.on('error', () => undefined);
        res.body.destroy();
      }
      await t.assertHealthy('stalled readers');
    });
  }

  it('20 concurrent whole-body reads stay under the bound', async () => {
    await t.deploy(
      `addEventListener('fetch', (event) => event.respondWith((async () => {
        const res = await fetch(new URL('/bytes/${100 * 2 ** 20}', event.request.url));
        return new Response('read ' + (await res.arrayBuffer()).byteLength);
      })()));`,
    );
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, t.serve.rssMb())), 20);
    const answers = await Promise.all(Array.from({ length: 20 }, () => t.attack('/', 'production', { timeoutMs: 120_000 })));
    clearInterval(sampler);
    assert.ok(peak < boundMb, `peak RSS ${peak} MB`);
    // Each either fits, or fails on its own: memory, or the CPU time that copying 100 MB into the
    // isolate takes on a slow machine.
    const allowed = new Set([undefined, 'FunctionRuntime.MemoryExceeded', 'FunctionRuntime.CpuTimeExceeded']);
    assert.ok(answers.every((a) => allowed.has(a.headers['eo-function-error'] as string | undefined)), answers.map((a) => `${a.status} ${a.text}`).join());
    assert.ok(answers.some((a) => a.headers['eo-function-error'] === 'FunctionRuntime.MemoryExceeded'), 'twenty 100 MB reads cannot all fit');
    await t.assertHealthy('20 concurrent reads');
  });
});

// In a process of their own: memory the allocator keeps after these would blur the bound above.
describe('response bodies waiting for clients count against the limit', () => {
  let t: Tenancy;
  before(async () => {
    t = await startTenancy();
  });
  after(() => t.close());

  // A byte body is held (and counted) until the client has it all, so most of 160 are refused; a
  // streamed chunk is counted while it waits in the stream, and loopback's socket buffers take a
  // good part of it, so there the bound on the process is what is checked.
  for (const [kind, make, refusals, clients] of [
    ['a 10 MB byte body', `globalThis.body ??= new Uint8Array(10 * 2 ** 20); return new Response(body);`, true, 160],
    ['a stream with one 10 MB chunk', `globalThis.body ??= new Uint8Array(10 * 2 ** 20); return new Response(new ReadableStream({ start(c) { c.enqueue(body); c.close(); } }));`, false, 120],
  ] as const) {
    it(`${kind} for ${clients} clients that never read stays under the bound`, async () => {
      await t.deploy(`addEventListener('fetch', (event) => event.respondWith((async () => { ${make} })()));`);
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, t.serve.rssMb())), 20);
      let cut = 0;
      const stalled = await Promise.all(
        Array.from({ length: clients }, async () => {
          const res = await request(`${t.serve.gatewayUrl}/`, { headers: { host: t.attackerDomain } });
          res.body.on('error', () => cut++); // the server gave up on this one
          return res;
        }),
      );
      await new Promise((r) => setTimeout(r, 1500));
      clearInterval(sampler);
      assert.ok(peak < boundMb, `peak RSS ${peak} MB with ${clients} stalled readers`);
      const refused = stalled.filter((res) => res.headers['eo-function-error'] === 'FunctionRuntime.MemoryExceeded').length;
      if (refusals) assert.ok(refused + cut > 0, `${clients} bodies of 10 MB cannot all be held for clients that do not read`);
      for (const res of stalled) {
        res.body.on('error', () => undefined);
        res.body.destroy();
      }
      await t.assertHealthy(`${kind}, stalled readers`);
    });
  }
});
