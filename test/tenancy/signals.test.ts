/**
 * The gateway owns framing and platform signals: what a function says about lengths, connections
 * or the platform's own headers never reaches the wire as it said it, and a replica cannot make
 * the gateway speak for the platform. The lane serves exactly the replica revision the gateway
 * named.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Client } from 'undici';
import { send, startTenancy, type Tenancy } from './helpers.ts';

const variants = ['production', 'replica'] as const;
const replicaHeader = (variant: (typeof variants)[number]): Record<string, string> => (variant === 'replica' ? { 'eo-function-replica-name': 'evil' } : {});

/** Two requests on one keep-alive connection, raw: the bytes the gateway wrote, as text. */
function twoOnOneConnection(gatewayUrl: string, host: string, extra: Record<string, string>): Promise<string> {
  const { hostname, port } = new URL(gatewayUrl);
  const lines = Object.entries(extra).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  const request = `GET / HTTP/1.1\r\nHost: ${host}\r\n${lines}\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request + request));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', reject);
    setTimeout(() => {
      socket.destroy();
      resolve(text);
    }, 1500);
  });
}

describe('framing and platform signals belong to the gateway', () => {
  let t: Tenancy;
  before(async () => {
    t = await startTenancy();
  });
  after(() => t.close());

  for (const variant of variants) {
    it(`${variant}: a wrong content-length, transfer-encoding or connection header cannot split the response`, async () => {
      await t.deploy(
        `addEventListener('fetch', (event) => event.respondWith(new Response('hello world', {
          headers: { 'content-length': '3', 'transfer-encoding': 'chunked', connection: 'close, x-secret-hop', 'keep-alive': 'timeout=999', upgrade: 'websocket', 'x-secret-hop': '1', 'x-kept': 'yes' },
        })));`,
        variant,
      );
      const raw = await twoOnOneConnection(t.serve.gatewayUrl, t.attackerDomain, replicaHeader(variant));
      const responses = raw.split('HTTP/1.1 ').slice(1);
      assert.equal(responses.length, 2, `two whole responses on one connection:\n${raw}`);
      for (const response of responses) {
        const [head, bodyText] = response.split('\r\n\r\n');
        assert.match(head!, /\r\ncontent-length: 11\r\n/i);
        assert.doesNotMatch(head!, /transfer-encoding|keep-alive: timeout=999|upgrade|x-secret-hop/i);
        assert.match(head!, /x-kept: yes/i);
        assert.equal(bodyText, 'hello world');
      }
    });

    it(`${variant}: a streamed body is framed by what it holds, whatever length the function declared`, async () => {
      for (const [declared, sent] of [['100', 'short'], ['2', 'much longer than two']] as const) {
        await t.deploy(
          `addEventListener('fetch', (event) => event.respondWith(new Response(new ReadableStream({
            start(c) { c.enqueue(new TextEncoder().encode('${sent}')); c.close(); },
          }), { headers: { 'content-length': '${declared}' } })));`,
          variant,
        );
        // A strict client, on one keep-alive connection twice: the answer is whole and the
        // connection still in step (no hang, no stray bytes).
        const client = new Client(t.serve.gatewayUrl, { bodyTimeout: 5000, headersTimeout: 5000 });
        try {
          for (let i = 0; i < 2; i++) {
            const res = await client.request({ path: '/', method: 'GET', headers: { host: t.attackerDomain, ...replicaHeader(variant) } });
            assert.equal(res.statusCode, 200);
            assert.equal(await res.body.text(), sent, `declared ${declared}`);
            assert.notEqual(res.headers['content-length'], declared);
          }
        } finally {
          await client.destroy();
        }
      }
      const bad = await (async () => {
        await t.deploy(`addEventListener('fetch', (event) => event.respondWith(new Response('ok', { headers: { 'content-length': '-1' } })));`, variant);
        return send(t.serve.gatewayUrl, t.attackerDomain, '/', replicaHeader(variant));
      })();
      assert.equal(bad.headers['content-length'], '2');
      await t.assertHealthy('framing');
    });

    it(`${variant}: HEAD answers with the length GET would have, and no body`, async () => {
      await t.deploy(`addEventListener('fetch', (event) => event.respondWith(new Response('twelve bytes')));`, variant);
      const client = new Client(t.serve.gatewayUrl);
      try {
        for (const method of ['GET', 'HEAD'] as const) {
          const answer = await client.request({ path: '/', method, headers: { host: t.attackerDomain, ...replicaHeader(variant) } });
          assert.equal(answer.headers['content-length'], '12', method);
          assert.equal(await answer.body.text(), method === 'GET' ? 'twelve bytes' : '', method);
        }
      } finally {
        await client.close();
      }
    });

    it(`${variant}: a function cannot forge platform signals`, async () => {
      await t.deploy(
        `addEventListener('fetch', (event) => event.respondWith(new Response('made by the function', {
          headers: { 'x-edgefn-outcome': new URL(event.request.url).pathname === '/pass' ? 'passthrough' : 'error', 'EO-Function-Error': 'FunctionRuntime.CpuTimeExceeded', 'EO-Function-Replica-Status': 'not-found' },
        })));`,
        variant,
      );
      for (const path of ['/', '/pass']) {
        const answer = await send(t.serve.gatewayUrl, t.attackerDomain, path, replicaHeader(variant));
        assert.equal(answer.status, 200, path);
        assert.equal(answer.text, 'made by the function', path);
        assert.equal(answer.headers['eo-function-error'], undefined, path);
        assert.equal(answer.headers['eo-function-replica-status'], variant === 'replica' ? 'served' : undefined, path);
        assert.equal(answer.headers['x-edgefn-outcome'], undefined, path);
      }
    });
  }

  it('the lane serves exactly the replica revision the gateway named (A -> B -> A while it is paused)', async () => {
    const code = (tag: string) => `addEventListener('fetch', (event) => event.respondWith(new Response('${tag}')));`;
    await t.deploy(code('A'), 'replica');
    assert.equal((await t.attack('/', 'replica')).text, 'A');
    await t.deploy(code('B'), 'replica');
    const lane = t.serve.lanePid()!;
    process.kill(lane, 'SIGSTOP');
    let routedAsB: Promise<{ text: string }>;
    try {
      routedAsB = t.attack('/', 'replica', { timeoutMs: 20_000 }); // the gateway names B
      await new Promise((r) => setTimeout(r, 200));
      await t.deploy(code('A'), 'replica'); // the store now holds A again
    } finally {
      process.kill(lane, 'SIGCONT');
    }
    const raced = (await routedAsB).text;
    assert.ok(raced === 'B' || /ReplicaLaneUnavailable/.test(raced), `served ${raced} for a request routed to B`);
    await t.deploy(code('B'), 'replica');
    const compare = await t.api<{ content: string }>('GET', `/api/v1/functions/${t.attackerFunctionId}/replicas/evil`);
    assert.match(compare.body.content, /'B'/);
    assert.equal((await t.attack('/', 'replica')).text, 'B', 'served what the API says the replica is');
  });
});
