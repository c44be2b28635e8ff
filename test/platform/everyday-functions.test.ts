/**
 * Everyday functions (the patterns of EdgeOne's published examples, written here from scratch)
 * under `edgefn dev`, through the gateway and through a replica, checked on the wire: what a
 * strict HTTP/1.1 client gets must be one well-framed message whose length is the body's.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { request } from 'undici';
import { startDevServer, type DevServer } from '../../src/cli/dev.ts';
import { apiClient, startPlatform, type Platform } from '../helpers/platform.ts';
import { startServer, type TestServer } from '../helpers/servers.ts';

const playlist = '#EXTM3U\n#EXTINF:10,\nseg0.ts\n#EXTINF:10,\nseg1.ts\n';

const functions: Record<string, string> = {
  // A fetch of the function's own host at a path that starts with //.
  'double-slash': `addEventListener('fetch', (event) => event.respondWith((async () => {
    const res = await fetch('http://' + new URL(event.request.url).host + '//abtest/index-a.html');
    return new Response(await res.text(), { headers: { 'content-type': 'text/html' } });
  })()));`,
  // A streamed rewrite that makes the body longer, keeping the origin's headers (and its length).
  'rewrite-stream': `addEventListener('fetch', (event) => event.respondWith((async () => {
    const res = await fetch(new URL('/playlist.m3u8', event.request.url));
    const sign = new TransformStream({ transform(chunk, out) { out.enqueue(chunk.replace(/seg(\\d)\\.ts/g, 'https://cdn.example.com/seg$1.ts?sign=0123456789abcdef')); } });
    const body = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(sign).pipeThrough(new TextEncoderStream());
    return new Response(body, { headers: res.headers });
  })()));`,
  // The same, read whole.
  'rewrite-text': `addEventListener('fetch', (event) => event.respondWith((async () => {
    const res = await fetch(new URL('/playlist.m3u8', event.request.url));
    const text = (await res.text()).replace(/seg(\\d)\\.ts/g, 'https://cdn.example.com/seg$1.ts?sign=0123456789abcdef');
    return new Response(text, { headers: res.headers });
  })()));`,
  // What a fetched response's headers hold, or the response itself, from a chunked keep-alive origin.
  'chunked-origin': `addEventListener('fetch', (event) => event.respondWith((async () => {
    const url = new URL(event.request.url);
    const res = await fetch(new URL('/chunked', url));
    if (url.searchParams.has('headers')) return Response.json([...res.headers.keys()]);
    const headers = new Headers(res.headers);
    headers.set('x-edge', '1');
    return new Response(res.body, { status: res.status, headers });
  })()));`,
  // An empty answer that keeps the origin's headers.
  'empty-416': `addEventListener('fetch', (event) => event.respondWith((async () => {
    const res = await fetch(new URL('/playlist.m3u8', event.request.url));
    return new Response(null, { status: 416, headers: res.headers });
  })()));`,
  // An image option without a format: the original image.
  'image-no-format': `addEventListener('fetch', (event) => event.respondWith(fetch(new URL('/picture.png', event.request.url), { eo: { image: {} } })));`,
};

const names = Object.keys(functions);
type Target = 'dev' | 'gateway' | 'replica';
const targets: Target[] = ['dev', 'gateway', 'replica'];

/** One request over a raw socket with `Connection: close`: the exact head, and the body bytes as sent. */
function rawGet(url: string, host: string, path: string, extra: Record<string, string> = {}): Promise<{ head: string; body: Buffer; closed: boolean }> {
  const { hostname, port } = new URL(url);
  const lines = Object.entries(extra).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${lines}Connection: close\r\n\r\n`));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      finish(false);
    }, 5000);
    const finish = (closed: boolean): void => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      resolve({ head: all.subarray(0, split).toString('latin1'), body: all.subarray(split + 4), closed });
    };
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', reject);
    socket.on('end', () => finish(true));
  });
}

const headerOf = (head: string, name: string): string[] =>
  head.split('\r\n').slice(1).filter((line) => line.toLowerCase().startsWith(`${name}:`)).map((line) => line.slice(name.length + 1).trim());

describe('everyday functions are framed as HTTP/1.1 requires, on every path', () => {
  let origin: TestServer;
  let platform: Platform;
  let png: Buffer;
  const seen: string[] = [];
  const domains = new Map<string, string>();
  const devs = new Map<string, DevServer>();

  before(async () => {
    png = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 10, g: 120, b: 200 } } }).png().toBuffer();
    origin = await startServer((req, res) => {
      seen.push(req.url ?? '');
      const path = (req.url ?? '/').split('?')[0];
      if (path === '//abtest/index-a.html') {
        res.end('variant a');
      } else if (path === '/playlist.m3u8') {
        res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl', 'content-length': String(Buffer.byteLength(playlist)), 'cache-control': 'max-age=5' });
        res.end(playlist);
      } else if (path === '/chunked') {
        res.writeHead(200, { 'content-type': 'text/plain', connection: 'keep-alive', 'keep-alive': 'timeout=5' });
        res.write('one,');
        setTimeout(() => res.end('two'), 20);
      } else if (path === '/picture.png') {
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(png.byteLength) });
        res.end(png);
      } else {
        res.writeHead(404).end('no such path');
      }
    });
    platform = await startPlatform();
    const api = apiClient(platform);
    const zone = await api<{ id: string }>('POST', '/api/v1/zones', { name: 'everyday.example.com', origin: origin.url });
    assert.equal(zone.status, 201);
    const dir = mkdtempSync(join(tmpdir(), 'edgefn-everyday-'));
    for (const name of names) {
      const fn = await api<{ id: string; domain: string }>('POST', '/api/v1/functions', { zoneId: zone.body.id, name, content: functions[name] });
      assert.equal(fn.status, 201, fn.text);
      const replica = await api('POST', `/api/v1/functions/${fn.body.id}/replicas`, { name: 'check', from: 'production' });
      assert.equal(replica.status, 201, replica.text);
      domains.set(name, fn.body.domain);
      const file = join(dir, `${name}.js`);
      writeFileSync(file, functions[name]!);
      devs.set(name, await startDevServer({ file, port: 0, env: {}, origin: new URL(origin.url), print: () => undefined, quiet: true }));
    }
  });

  after(async () => {
    for (const dev of devs.values()) await dev.close();
    await platform.close();
    await origin.close();
  });

  /** Where to send a request for `name` on `target`: base URL, Host, and extra headers. */
  function where(name: string, target: Target): { url: string; host: string; headers: Record<string, string> } {
    if (target === 'dev') {
      const url = devs.get(name)!.url;
      return { url, host: new URL(url).host, headers: {} };
    }
    return { url: platform.gatewayUrl, host: domains.get(name)!, headers: target === 'replica' ? { 'eo-function-replica-name': 'check' } : {} };
  }

  /** A strict client (undici refuses Content-Length together with Transfer-Encoding, and short bodies). */
  async function strict(name: string, target: Target, path = '/'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
    const w = where(name, target);
    const res = await request(`${w.url}${path}`, { headers: { host: w.host, ...w.headers } });
    return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
  }

  for (const target of targets) {
    it(`${target}: a fetch of the own host at //path reaches the origin at that path`, async () => {
      const answer = await strict('double-slash', target);
      assert.equal(answer.body.toString(), 'variant a');
      assert.ok(seen.includes('//abtest/index-a.html'), seen.join(' '));
    });

    it(`${target}: a streamed rewrite that grows the body arrives whole, whatever length the origin stated`, async () => {
      const expected = playlist.replace(/seg(\d)\.ts/g, 'https://cdn.example.com/seg$1.ts?sign=0123456789abcdef');
      for (const name of ['rewrite-stream', 'rewrite-text']) {
        const answer = await strict(name, target);
        assert.equal(answer.body.toString(), expected, name);
        const length = answer.headers['content-length'];
        assert.ok(length === undefined || Number(length) === Buffer.byteLength(expected), `${name}: content-length ${String(length)}`);
        const raw = await rawGet(where(name, target).url, where(name, target).host, '/', where(name, target).headers);
        assert.ok(!(headerOf(raw.head, 'content-length').length > 0 && headerOf(raw.head, 'transfer-encoding').length > 0), raw.head);
      }
    });

    it(`${target}: a fetched response carries no connection-level headers, and passes on with one framing`, async () => {
      const keys = JSON.parse((await strict('chunked-origin', target, '/?headers')).body.toString()) as string[];
      for (const hop of ['connection', 'keep-alive', 'transfer-encoding']) assert.ok(!keys.includes(hop), `${hop} in ${keys.join(',')}`);
      const answer = await strict('chunked-origin', target);
      assert.equal(answer.body.toString(), 'one,two');
      assert.equal(answer.headers['x-edge'], '1');
      const w = where('chunked-origin', target);
      const raw = await rawGet(w.url, w.host, '/', w.headers);
      const framing = [...headerOf(raw.head, 'content-length'), ...headerOf(raw.head, 'transfer-encoding')];
      assert.equal(framing.length, 1, raw.head);
      assert.deepEqual(headerOf(raw.head, 'keep-alive'), [], raw.head);
      assert.deepEqual(headerOf(raw.head, 'connection'), ['close'], `the client asked to close: ${raw.head}`);
      assert.ok(raw.closed, 'the connection ended after the answer');
    });

    it(`${target}: an empty answer with the origin's headers says length 0`, async () => {
      const w = where('empty-416', target);
      const raw = await rawGet(w.url, w.host, '/', w.headers);
      assert.match(raw.head, /^HTTP\/1\.1 416 /);
      assert.deepEqual(headerOf(raw.head, 'content-length'), ['0'], raw.head);
      assert.deepEqual(headerOf(raw.head, 'transfer-encoding'), [], raw.head);
      assert.equal(raw.body.byteLength, 0);
    });

    it(`${target}: eo.image without a format gives the original image`, async () => {
      const answer = await strict('image-no-format', target);
      assert.equal(answer.status, 200);
      assert.equal(answer.headers['content-type'], 'image/png');
      assert.deepEqual(answer.body, png);
    });
  }
});
