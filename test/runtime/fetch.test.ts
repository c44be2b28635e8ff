/** fetch from inside functions against real local servers: EdgeOne's redirect, timeout and streaming rules. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { newRuntime, run, sw, makeRequest } from '../helpers/runtime.ts';
import { readText, startServer, type TestServer } from '../helpers/servers.ts';

const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10" fill="red"/></svg>';

describe('fetch', () => {
  const runtime = newRuntime({ limits: { fetchTimeoutMs: 300 } });
  let origin: TestServer;
  let counted = 0;
  let png: Buffer;

  before(async () => {
    png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3366ff' } }).png().toBuffer();
    origin = await startServer(async (req, res) => {
      const url = new URL(req.url!, 'http://x');
      const body = await readText(req);
      const hop = Number(url.searchParams.get('hop') ?? 0);
      switch (url.pathname) {
        case '/echo':
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ method: req.method, body, host: req.headers.host, auth: req.headers.authorization ?? null, ct: req.headers['content-type'] ?? null }));
          return;
        case '/redirect': {
          const status = Number(url.searchParams.get('status') ?? 302);
          const left = Number(url.searchParams.get('n') ?? 1);
          res.writeHead(status, { location: left > 1 ? `/redirect?status=${status}&n=${left - 1}&hop=${hop + 1}` : `/echo?hop=${hop + 1}` });
          res.end();
          return;
        }
        case '/slow':
          setTimeout(() => res.end('late'), 2000);
          return;
        case '/gzip':
          res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' });
          res.end(gzipSync('compressed hello'));
          return;
        case '/counted':
          counted += 1;
          res.statusCode = url.searchParams.get('status') ? Number(url.searchParams.get('status')) : 200;
          res.end(`count ${counted}`);
          return;
        case '/picture.png':
          res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(png.byteLength) });
          res.end(png);
          return;
        case '/drawing.svg':
          res.writeHead(200, { 'content-type': 'image/svg+xml' });
          res.end(svg);
          return;
        case '/cookie':
          res.setHeader('set-cookie', ['a=1', 'b=2']);
          res.end('cookies');
          return;
        default:
          res.statusCode = 404;
          res.end('not found');
      }
    });
  });
  after(async () => {
    runtime.close();
    await origin.close();
  });

  it('sends method, body and headers', async () => {
    const a = await run(runtime, sw(`const r = await fetch('${origin.url}/echo', { method: 'PUT', body: 'payload', headers: { authorization: 'Bearer t' } }); return new Response(await r.text())`));
    assert.deepEqual(JSON.parse(a.text), { method: 'PUT', body: 'payload', host: `127.0.0.1:${origin.port}`, auth: 'Bearer t', ct: 'text/plain;charset=UTF-8' });
  });

  for (const [status, method, expected] of [
    [301, 'POST', 'GET'],
    [302, 'POST', 'GET'],
    [303, 'PUT', 'GET'],
    [303, 'HEAD', 'HEAD'],
    [307, 'POST', 'POST'],
    [308, 'PUT', 'PUT'],
    [302, 'PUT', 'PUT'],
  ] as const) {
    it(`follows a ${status} for ${method} as ${expected}`, async () => {
      const a = await run(runtime, sw(`
        const init = { method: '${method}' };
        if ('${method}' !== 'HEAD') init.body = 'data';
        const r = await fetch('${origin.url}/redirect?status=${status}', init);
        return Response.json({ redirected: r.redirected, url: r.url, text: '${method}' === 'HEAD' ? null : await r.text(), status: r.status })`));
      const out = JSON.parse(a.text) as { redirected: boolean; url: string; text: string | null };
      assert.equal(out.redirected, true);
      assert.match(out.url, /\/echo\?hop=1$/);
      if (method !== 'HEAD') {
        const echo = JSON.parse(out.text!) as { method: string; body: string };
        assert.equal(echo.method, expected);
        assert.equal(echo.body, expected === 'GET' ? '' : 'data');
      }
    });
  }

  it('follows at most 12 redirects by default, and maxFollow lowers it', async () => {
    const ok = await run(runtime, sw(`const r = await fetch('${origin.url}/redirect?n=12'); return new Response(String(r.status))`));
    assert.equal(ok.text, '200');
    const tooMany = await run(runtime, sw(`try { await fetch('${origin.url}/redirect?n=13'); return new Response('followed') } catch (e) { return new Response(e.name + ': ' + e.message) }`));
    assert.match(tooMany.text, /^TypeError: .*more than 12 redirects/);
    const limited = await run(runtime, sw(`try { await fetch('${origin.url}/redirect?n=3', { maxFollow: 2 }); return new Response('followed') } catch (e) { return new Response(e.message) }`));
    assert.match(limited.text, /more than 2 redirects/);
  });

  it('returns the redirect itself with redirect: manual and fails with redirect: error', async () => {
    const manual = await run(runtime, sw(`const r = await fetch('${origin.url}/redirect', { redirect: 'manual' }); return new Response(r.status + ' ' + r.headers.get('location'))`));
    assert.equal(manual.text, '302 /echo?hop=1');
    const error = await run(runtime, sw(`try { await fetch('${origin.url}/redirect', { redirect: 'error' }); return new Response('no') } catch (e) { return new Response(e.name) }`));
    assert.equal(error.text, 'TypeError');
  });

  it('times out after the default timeout, and eo.timeoutSetting extends it', async () => {
    const timedOut = await run(runtime, sw(`try { await fetch('${origin.url}/slow'); return new Response('no') } catch (e) { return new Response('failed: ' + e.name) }`));
    assert.match(timedOut.text, /^failed: /);
    assert.ok(timedOut.report.wallUs < 1_500_000, `gave up after ${timedOut.report.wallUs} µs`);
    const extended = await run(runtime, sw(`const r = await fetch('${origin.url}/slow', { eo: { timeoutSetting: { readTimeout: 3000 } } }); return new Response(await r.text())`));
    assert.equal(extended.text, 'late');
  });

  it('lets functions change headers of fetched responses', async () => {
    const a = await run(runtime, sw(`const r = await fetch('${origin.url}/cookie'); r.headers.set('x-added', 'yes'); r.headers.append('set-cookie', 'c=3'); return r`));
    assert.equal(a.headers.get('x-added'), 'yes');
    assert.equal(a.headers.get('set-cookie'), 'a=1, b=2, c=3');
    assert.equal(a.text, 'cookies');
  });

  it('decodes compressed bodies the function reads, and passes untouched ones through as they came', async () => {
    const read = await run(runtime, sw(`const r = await fetch('${origin.url}/gzip'); return new Response(await r.text())`));
    assert.equal(read.text, 'compressed hello');
    const { outcome } = await runtime.execute({ code: sw(`return fetch('${origin.url}/gzip')`) }, makeRequest());
    assert.equal(outcome.kind, 'response');
    if (outcome.kind !== 'response') return;
    const headers = outcome.headers;
    assert.equal(headers[headers.findIndex((h) => h.toLowerCase() === 'content-encoding') + 1], 'gzip');
    const chunks: Buffer[] = [];
    for await (const c of outcome.body as AsyncIterable<Buffer>) chunks.push(c);
    assert.deepEqual(Buffer.concat(chunks), gzipSync('compressed hello'));
  });

  it('sends a fetch to the request host where the route hook says (the origin)', async () => {
    const code = sw(`const r = await fetch('http://www.example.com/echo'); return new Response(await r.text())`);
    const a = await run(runtime, code, makeRequest('http://www.example.com/'), {
      route: (url) => (url.host === 'www.example.com' ? new URL(url.pathname + url.search, origin.url) : undefined),
    });
    assert.equal((JSON.parse(a.text) as { host: string }).host, 'www.example.com');
  });

  it('forwards the incoming request itself with fetch(event.request), body included', async () => {
    const code = `addEventListener('fetch', (e) => e.respondWith((async () => {
      const seen = await e.request.clone().text();
      const r = await fetch(e.request);
      return new Response(seen + '|' + await r.text());
    })()))`;
    const request = makeRequest('http://www.example.com/echo', { method: 'POST', body: new TextEncoder().encode('form=1'), headers: ['host', 'www.example.com', 'content-type', 'application/x-www-form-urlencoded'] });
    const a = await run(runtime, code, request, { route: (url) => new URL(url.pathname, origin.url) });
    const [seen, echoed] = a.text.split('|');
    assert.equal(seen, 'form=1');
    assert.deepEqual(JSON.parse(echoed!), { method: 'POST', body: 'form=1', host: 'www.example.com', auth: null, ct: 'application/x-www-form-urlencoded' });
  });

  it('caches subrequests by eo.cacheTtl, cacheTtlByStatus and cacheKey, and only when asked', async () => {
    const twice = async (first: string, second: string, eo: string): Promise<string> => {
      const a = await run(runtime, sw(`
        const one = await (await fetch('${origin.url}${first}', { eo: ${eo} })).text();
        const two = await (await fetch('${origin.url}${second}', { eo: ${eo} })).text();
        return new Response(one + ' | ' + two)`));
      return a.text;
    };
    counted = 0;
    assert.equal(await twice('/counted?a=1', '/counted?a=1', '{ cacheTtl: 60 }'), 'count 1 | count 1');
    assert.equal(await twice('/counted?a=2', '/counted?a=2', '{}'), 'count 2 | count 3', 'no cache options: no caching');
    assert.equal(await twice('/counted?a=3&status=404', '/counted?a=3&status=404', "{ cacheTtlByStatus: { '200-299': 60, '404': 0 } }"), 'count 4 | count 5');
    assert.equal(await twice('/counted?a=4&status=404', '/counted?a=4&status=404', "{ cacheTtlByStatus: { '404': 30 } }"), 'count 6 | count 6');
    assert.equal(await twice('/counted?a=5', '/counted?a=6', "{ cacheTtl: 60, cacheKey: 'same-key' }"), 'count 7 | count 7');
  });

  it('sends a fetch to another host with eo.resolveOverride, keeping the Host header', async () => {
    const a = await run(runtime, sw(`const r = await fetch('http://api.example.com/echo', { eo: { resolveOverride: '127.0.0.1:${origin.port}' } }); return new Response(await r.text())`));
    assert.equal((JSON.parse(a.text) as { host: string }).host, 'api.example.com');
  });

  it('converts a fetched image with eo.image (PNG from the origin to WebP, resized)', async () => {
    const { outcome } = await runtime.execute(
      { code: sw(`return fetch('${origin.url}/picture.png', { eo: { image: { format: 'webp', width: 32, quality: 80 } } })`) },
      makeRequest(),
    );
    assert.equal(outcome.kind, 'response');
    if (outcome.kind !== 'response') return;
    const type = outcome.headers[outcome.headers.findIndex((h) => h.toLowerCase() === 'content-type') + 1];
    assert.equal(type, 'image/webp');
    const chunks: Buffer[] = [];
    for await (const c of outcome.body as AsyncIterable<Buffer>) chunks.push(c);
    const meta = await sharp(Buffer.concat(chunks)).metadata();
    assert.equal(meta.format, 'webp');
    assert.equal(meta.width, 32);
    assert.equal(meta.height, 24);
    const sized = await runtime.execute({ code: sw(`return fetch('${origin.url}/picture.png', { eo: { image: { format: 'jpg', long: 16 } } })`) }, makeRequest());
    assert.ok(sized.outcome.kind === 'response');
    const jpgChunks: Buffer[] = [];
    for await (const c of sized.outcome.body as AsyncIterable<Buffer>) jpgChunks.push(c);
    const jpg = await sharp(Buffer.concat(jpgChunks)).metadata();
    assert.deepEqual([jpg.format, jpg.width, jpg.height], ['jpeg', 16, 12], "EdgeOne's jpg alias and long side");
    const kept = await runtime.execute({ code: sw(`return fetch('${origin.url}/picture.png', { eo: { image: { width: 16 } } })`) }, makeRequest());
    assert.ok(kept.outcome.kind === 'response');
    const keptChunks: Buffer[] = [];
    for await (const c of kept.outcome.body as AsyncIterable<Buffer>) keptChunks.push(c);
    const png = await sharp(Buffer.concat(keptChunks)).metadata();
    assert.deepEqual([png.format, png.width], ['png', 16], 'no format: resized in its own format');
    const bad = await run(runtime, sw(`try { await fetch('${origin.url}/picture.png', { eo: { image: { format: 'bmp' } } }); return new Response('converted') } catch (e) { return new Response(e.name + ': ' + e.message) }`));
    assert.match(bad.text, /^TypeError: eo\.image\.format must be/);
  });

  it('converts only the formats EdgeOne reads: an SVG comes back as it was', async () => {
    const a = await run(runtime, sw(`const r = await fetch('${origin.url}/drawing.svg', { eo: { image: { format: 'webp' } } }); return new Response(await r.text(), { headers: { 'x-type': r.headers.get('content-type') } })`));
    assert.equal(a.headers.get('x-type'), 'image/svg+xml');
    assert.equal(a.text, svg);
  });

  it('rejects unsupported schemes and unreachable hosts with a TypeError', async () => {
    const a = await run(runtime, sw(`const out = []; for (const u of ['ftp://x/', 'http://127.0.0.1:9/']) { try { await fetch(u); out.push('ok') } catch (e) { out.push(e.name) } } return new Response(out.join(','))`));
    assert.equal(a.text, 'TypeError,TypeError');
  });
});
