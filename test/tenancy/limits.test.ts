/**
 * Limits hold on the host side: a function that rewrites the guest's built-ins cannot lift its
 * subrequest limit, and a function that sends requests back to the platform cannot turn one client
 * request into an unbounded tree of executions.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { send, startTenancy, type Tenancy } from './helpers.ts';

describe('limits are enforced on the host', () => {
  let t: Tenancy;
  before(async () => {
    t = await startTenancy();
  });
  after(() => t.close());

  for (const variant of ['production', 'replica'] as const) {
    it(`${variant}: replacing Map.prototype.get does not lift the 64-subrequest limit`, async () => {
      await t.deploy(
        `addEventListener('fetch', (event) => event.respondWith((async () => {
          const realGet = Map.prototype.get;
          // Hide the guest's per-execution state (the object with a subrequest counter) from it.
          Map.prototype.get = function (key) {
            const value = realGet.call(this, key);
            return value && typeof value === 'object' && 'subrequests' in value ? undefined : value;
          };
          const results = await Promise.allSettled(Array.from({ length: 200 }, () => fetch(new URL('/x', event.request.url))));
          Map.prototype.get = realGet;
          return new Response(String(results.filter((r) => r.status === 'fulfilled').length));
        })()));`,
        variant,
      );
      const answer = await t.attack('/', variant);
      assert.equal(answer.status, 200, answer.text);
      assert.ok(Number(answer.text) <= 64, `${answer.text} fetches succeeded`);
      await t.assertHealthy('subrequest limit');
    });
  }

  it('a function calling itself through the platform stops at the depth and fan-out limits', async () => {
    // A zone whose origin is the gateway itself: every fetch of the function's own URL runs it again.
    const zone = await t.api<{ id: string }>('POST', '/api/v1/zones', { name: 'recursive.test', origin: t.serve.gatewayUrl });
    assert.equal(zone.status, 201, zone.text);
    const fn = await t.api<{ id: string; domain: string }>('POST', '/api/v1/functions', {
      zoneId: zone.body.id,
      name: 'fanout',
      content: `addEventListener('fetch', (event) => event.respondWith((async () => {
        const below = await Promise.all([0, 1, 2, 3].map(async () => {
          const res = await fetch(event.request);
          return res.status === 200 ? Number(await res.text()) : 0;
        }));
        return new Response(String(1 + below.reduce((a, b) => a + b, 0)));
      })()));`,
    });
    assert.equal(fn.status, 201, fn.text);
    // Without limits: 4^8 = 65536 executions at depth 8 alone. With them: the client's own
    // execution plus at most 128 more in its tree.
    const answer = await send(t.serve.gatewayUrl, fn.body.domain, '/', {}, 60_000);
    assert.equal(answer.status, 200, answer.text);
    const executions = Number(answer.text);
    assert.ok(executions > 8 && executions <= 129, `${executions} executions`);
    const deep = await send(t.serve.gatewayUrl, fn.body.domain, '/', { 'cdn-loop': 'edgefn; loops=8; tree=made-up-tree' });
    assert.equal(deep.status, 508);
    assert.equal(deep.headers['eo-function-error'], 'FunctionRuntime.LoopDetected');
    await t.assertHealthy('self-fetch fan-out');
  });
});
