/**
 * The gateway trusts nothing the client says about routing: a malformed Host header is a 400, so
 * it can neither make rules see one path while the function sees another, nor point a function's
 * own URL (and the secrets a proxy function adds to it) at another host. A path that starts with
 * `//` stays a path on the way to the origin.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startServer, type TestServer } from '../helpers/servers.ts';
import { send, startTenancy, type Tenancy } from './helpers.ts';

/** One raw request; resolves with the status line and the body the gateway sent. */
function raw(gatewayUrl: string, lines: string): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(gatewayUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(`${lines}\r\nConnection: close\r\n\r\n`));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', reject);
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text: text.split('\r\n\r\n').slice(1).join('\r\n\r\n') }));
  });
}

describe('the gateway validates Host and the request target', () => {
  let t: Tenancy;
  let listener: TestServer;
  const seen: string[] = [];
  before(async () => {
    t = await startTenancy((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(200).end(`origin got ${req.url}`);
      return true;
    });
    // Anything that reaches this listener leaked: it stands for "some other host".
    listener = await startServer((req, res) => {
      seen.push(`LEAKED ${req.url} ${req.headers['x-secret'] ?? ''}`);
      res.end('leaked');
    });
  });
  after(async () => {
    await listener.close();
    await t.close();
  });

  it('answers 400 to a Host with a path, a query, userinfo or junk, before any rule or function runs', async () => {
    await t.deploy(`addEventListener('fetch', (event) => event.respondWith(new Response('function saw ' + event.request.url)));`);
    for (const host of [`${t.attackerDomain}:/admin?`, `${t.attackerDomain}:1@127.0.0.1:${listener.port}`, `user@${t.attackerDomain}`, `${t.attackerDomain} x`, `${t.attackerDomain}:99999`]) {
      const answer = await raw(t.serve.gatewayUrl, `GET /x HTTP/1.1\r\nHost: ${host}`);
      assert.equal(answer.status, 400, `${host}: ${answer.text}`);
      assert.match(answer.text, /InvalidParameter\.InvalidHost/);
    }
    const target = await raw(t.serve.gatewayUrl, `GET http://127.0.0.1:${listener.port}/ HTTP/1.1\r\nHost: ${t.attackerDomain}`);
    assert.equal(target.status, 400);
    assert.match(target.text, /InvalidParameter\.InvalidRequestTarget/);
    const fine = await raw(t.serve.gatewayUrl, `GET /x?y=1 HTTP/1.1\r\nHost: ${t.attackerDomain.toUpperCase()}`);
    assert.equal(fine.text, `function saw http://${t.attackerDomain}/x?y=1`);
  });

  it('answers 400 to two Host headers, whichever one rules would have used', async () => {
    const answer = await raw(t.serve.gatewayUrl, `GET /x HTTP/1.1\r\nHost: ${t.attackerDomain}\r\nHost: 127.0.0.1:${listener.port}`);
    assert.equal(answer.status, 400, answer.text);
    assert.match(answer.text, /InvalidParameter\.InvalidHost/);
  });

  it('answers 400 to dot segments, so a rule cannot match one path while the origin serves another', async () => {
    await t.deploy(`addEventListener('fetch', (event) => event.respondWith(new Response('function saw ' + event.request.url)));`);
    for (const path of ['/public/../admin', '/public/%2e%2e/admin', '/public/%2E%2e/admin', '/a\\..\\admin', '/x#frag']) {
      const answer = await raw(t.serve.gatewayUrl, `GET ${path} HTTP/1.1\r\nHost: ${t.attackerDomain}`);
      assert.equal(answer.status, 400, `${path}: ${answer.text}`);
      assert.match(answer.text, /InvalidParameter\.InvalidRequestTarget/);
      // and straight to the origin, when no function runs
      const passed = await raw(t.serve.gatewayUrl, `GET ${path} HTTP/1.1\r\nHost: attacker.test`);
      assert.equal(passed.status, 400, `${path} with no function: ${passed.text}`);
    }
  });

  it('a function fetching its own URL reaches the origin when the Host names the default port', async () => {
    await t.deploy(`addEventListener('fetch', (event) => event.respondWith((async () => {
      const res = await fetch(event.request.url);
      return new Response(event.request.url + ' -> ' + await res.text());
    })()));`);
    const answer = await raw(t.serve.gatewayUrl, `GET /own HTTP/1.1\r\nHost: ${t.attackerDomain}:080`);
    assert.equal(answer.text, `http://${t.attackerDomain}/own -> origin got /own`);
  });

  it('a proxy function that adds a secret cannot be pointed at another host', async () => {
    await t.deploy(`addEventListener('fetch', (event) => event.respondWith((async () => {
      const upstream = new Request(event.request);
      upstream.headers.set('x-secret', 'api-key-123');
      const res = await fetch(upstream);
      return new Response('proxied: ' + await res.text());
    })()));`);
    const attack = await raw(t.serve.gatewayUrl, `GET /data HTTP/1.1\r\nHost: ${t.attackerDomain}:1@127.0.0.1:${listener.port}`);
    assert.equal(attack.status, 400);
    const normal = await send(t.serve.gatewayUrl, t.attackerDomain, '/data');
    assert.equal(normal.text, 'proxied: origin got /data', 'the own host goes to the zone origin');
    assert.ok(!seen.some((line) => line.startsWith('LEAKED')), seen.join('\n'));
  });

  it('a path starting with // goes to the origin as a path, not to a host of that name', async () => {
    await t.deploy(`addEventListener('fetch', (event) => event.respondWith((async () => {
      const res = await fetch('http://' + new URL(event.request.url).host + '//abtest/index-a.html');
      return new Response(await res.text());
    })()));`);
    assert.equal((await send(t.serve.gatewayUrl, t.attackerDomain, '/')).text, 'origin got //abtest/index-a.html');
    // and straight through, when no function runs
    assert.equal((await send(t.serve.gatewayUrl, 'attacker.test', '//abtest/x')).text, 'origin got //abtest/x');
  });
});
