/** `edgefn dev` over real sockets: serving, env, origin pass-through, body limits, failures, reload. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { startDevServer, type DevServer } from '../../src/cli/dev.ts';
import { startServer, type TestServer } from '../helpers/servers.ts';

const dir = mkdtempSync(join(tmpdir(), 'edgefn-dev-'));

describe('edgefn dev', () => {
  let origin: TestServer;
  let dev: DevServer;
  const file = join(dir, 'fn.js');
  const printed: string[] = [];

  before(async () => {
    origin = await startServer((req, res) => {
      res.setHeader('x-origin', 'yes');
      res.end(`origin saw ${req.method} ${req.url} host=${req.headers.host} xff=${req.headers['x-forwarded-for']} proto=${req.headers['x-forwarded-proto']}`);
    });
    writeFileSync(file, `
      addEventListener('fetch', (event) => {
        const url = new URL(event.request.url);
        console.log('handling', url.pathname);
        if (url.pathname === '/origin') return; // no respondWith: go to origin
        if (url.pathname === '/boom') throw new Error('boom');
        if (url.pathname === '/self') return event.respondWith(fetch('http://' + url.host + '/from-function'));
        if (url.pathname === '/slow') return event.respondWith(new Promise((r) => setTimeout(() => r(new Response('slow v1')), 300)));
        if (url.pathname === '/geo') return event.respondWith(Response.json(event.request.eo.geo));
        event.respondWith(new Response('v1 ' + env.GREETING + ' ' + env.CONF.n));
      });`);
    dev = await startDevServer({ file, port: 0, env: { GREETING: 'hi', CONF: { n: 7 } }, origin: new URL(origin.url), geo: { countryCodeAlpha2: 'CN', regionCode: 'GD' }, print: (l) => printed.push(l) });
  });
  after(async () => {
    await dev.close();
    await origin.close();
  });

  it('serves the function with env vars and prints console lines', async () => {
    const res = await fetch(`${dev.url}/hello`);
    assert.equal(await res.text(), 'v1 hi 7');
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(printed.some((l) => /^GET \/hello 200 cpu=/.test(l)), printed.join('\n'));
    assert.ok(printed.includes('  [log] handling /hello'));
  });

  it('passes requests without respondWith to --origin, with forwarding headers', async () => {
    const res = await fetch(`${dev.url}/origin?x=1`);
    assert.equal(res.headers.get('x-origin'), 'yes');
    const host = new URL(dev.url).host;
    assert.equal(await res.text(), `origin saw GET /origin?x=1 host=${host} xff=127.0.0.1 proto=http`);
  });

  it('answers 400 to a malformed Host header, as the gateway does', async () => {
    const { request } = await import('undici');
    const res = await request(`${dev.url}/x`, { headers: { host: 'localhost:1@127.0.0.1:9' } });
    assert.equal(res.statusCode, 400);
    assert.equal(res.headers['eo-function-error'], 'InvalidParameter.InvalidHost');
    await res.body.dump();
  });

  it('refuses a request body over the limit with 413, declared or streamed', async () => {
    const expected = 'FunctionRuntime.RequestBodyTooLarge: Request body exceeds 1048576 bytes\n';
    const declared = await fetch(`${dev.url}/hello`, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) });
    assert.equal(declared.status, 413);
    assert.equal(declared.headers.get('eo-function-error'), 'FunctionRuntime.RequestBodyTooLarge');
    assert.equal(await declared.text(), expected);
    assert.equal(declared.headers.get('connection'), 'close', 'the rest of a refused body is not read');
    // A body refused part way is not read to its end, so its connection is not reused: a client of its own.
    const { Client } = await import('undici');
    const client = new Client(dev.url);
    try {
      const streamed = await client.request({ path: '/hello', method: 'POST', body: Readable.from([Buffer.alloc(700 * 1024), Buffer.alloc(700 * 1024)]) });
      assert.equal(streamed.statusCode, 413);
      assert.equal(streamed.headers.connection, 'close');
      assert.equal(await streamed.body.text(), expected);
    } finally {
      await client.destroy();
    }
  });

  it('sends fetches to the request host to --origin', async () => {
    const res = await fetch(`${dev.url}/self`);
    assert.match(await res.text(), /^origin saw GET \/from-function host=127\.0\.0\.1:\d+/);
  });

  it('answers failures with a status and an EO-Function-Error header', async () => {
    const res = await fetch(`${dev.url}/boom`);
    assert.equal(res.status, 500);
    assert.equal(res.headers.get('eo-function-error'), 'FunctionRuntime.UncaughtException');
    assert.match(await res.text(), /Error: boom/);
  });

  it('simulates the client location with --geo', async () => {
    const res = await fetch(`${dev.url}/geo`);
    assert.deepEqual(await res.json(), { countryCodeAlpha2: 'CN', regionCode: 'GD' });
  });

  it('reloads on file change without dropping requests in flight', async () => {
    const inFlight = fetch(`${dev.url}/slow`).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(file, `addEventListener('fetch', (e) => e.respondWith(new Response('v2')));`);
    let text = '';
    for (let i = 0; i < 100 && text !== 'v2'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      text = await (await fetch(`${dev.url}/hello`)).text();
    }
    assert.equal(text, 'v2');
    assert.equal(await inFlight, 'slow v1');
    assert.ok(printed.some((l) => l.startsWith('~ reloaded')));
  });
});

describe('edgefn dev (command line)', () => {
  it('starts from the CLI, prints where it listens, and stops on SIGTERM', async () => {
    const file = join(dir, 'cli.js');
    writeFileSync(file, `export default { fetch: () => new Response('from cli') }`);
    const child = spawn(process.execPath, ['bin/edgefn.js', 'dev', file, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      assert.equal(await (await fetch(url)).text(), 'from cli');
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise((r) => child.once('exit', r));
    assert.equal(code, 0);
  });

  it('rejects bad options with a usage message', async () => {
    const child = spawn(process.execPath, ['bin/edgefn.js', 'dev', '--port', 'x', 'a.js'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise((r) => child.once('exit', r));
    assert.equal(code, 1);
    assert.match(err, /option '--port <n>' argument 'x' is invalid\. must be 0-65535/);
  });
});
