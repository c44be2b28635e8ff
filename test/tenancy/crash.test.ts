/**
 * No function can throw into Node: errors that escape guest code after an await, in timers or
 * microtasks, or through built-ins the function replaced, end that execution (500 before the
 * response, the report after it) and nothing else. Each attack runs in production (the gateway
 * process) and in a replica (the lane process), with another zone's function answering after it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTenancy, type Tenancy } from './helpers.ts';

const variants = ['production', 'replica'] as const;

describe('a function cannot crash the process', () => {
  let t: Tenancy;
  before(async () => {
    t = await startTenancy();
  });
  after(() => t.close());

  const failsWith = async (variant: (typeof variants)[number], code: string, context: string): Promise<void> => {
    const answer = await t.attack('/', variant);
    assert.equal(answer.headers['eo-function-error'], code, `${context}: ${answer.status} ${answer.text}`);
    await t.assertHealthy(context);
  };

  for (const variant of variants) {
    it(`${variant}: an unhandled rejection after an await is the request's 500`, async () => {
      await t.deploy(
        `addEventListener('fetch', (event) => event.respondWith((async () => {
          await new Promise((r) => setTimeout(r, 1));
          Promise.reject(new Error('nobody catches me'));
          await new Promise((r) => setTimeout(r, 5));
          return new Response('too late');
        })()));`,
        variant,
      );
      await failsWith(variant, 'FunctionRuntime.UncaughtException', 'unhandled rejection');
    });

    it(`${variant}: a throwing setTimeout, setInterval or queueMicrotask before the response is the request's 500`, async () => {
      for (const schedule of ['setTimeout(boom, 1)', 'setInterval(boom, 1)', 'queueMicrotask(boom)']) {
        await t.deploy(
          `const boom = () => { throw new Error('callback threw'); };
          addEventListener('fetch', (event) => event.respondWith(new Promise((resolve) => {
            ${schedule};
            setTimeout(() => resolve(new Response('too late')), 30);
          })));`,
          variant,
        );
        await failsWith(variant, 'FunctionRuntime.UncaughtException', schedule);
      }
    });

    it(`${variant}: after the response, a throwing timer does not stop the others`, async () => {
      await t.deploy(
        `addEventListener('fetch', (event) => {
          const { readable, writable } = new TransformStream();
          const writer = writable.getWriter();
          event.respondWith(new Response(readable));
          writer.write(new TextEncoder().encode('first;'));
          setTimeout(() => { throw new Error('one timer threw'); }, 1);
          setTimeout(() => queueMicrotask(() => { throw new Error('a microtask threw'); }), 1);
          const id = setInterval(() => { clearInterval(id); throw new Error('an interval threw'); }, 2);
          setTimeout(() => { writer.write(new TextEncoder().encode('second')); writer.close(); }, 30);
        });`,
        variant,
      );
      const answer = await t.attack('/', variant);
      assert.equal(answer.status, 200);
      assert.equal(answer.text, 'first;second');
      await t.assertHealthy('throwing timers after the response');
    });

    it(`${variant}: built-ins the function replaced do not reach the host's bookkeeping`, async () => {
      const sabotages: [string, string][] = [
        ['Map.prototype.get', `Map.prototype.get = function () { throw new Error('hijacked'); };`],
        ['Map.prototype.delete', `Map.prototype.delete = function () { throw new Error('hijacked'); };`],
        ['Promise.prototype.then', `Promise.prototype.then = function () { throw new Error('hijacked'); };`],
        ['Array.prototype.push', `Array.prototype.push = function () { throw new Error('hijacked'); };`],
        ['JSON.stringify', `JSON.stringify = () => { throw new Error('hijacked'); };`],
      ];
      for (const [name, sabotage] of sabotages) {
        await t.deploy(
          `addEventListener('fetch', (event) => event.respondWith((async () => {
            const sleep = new Promise((r) => setTimeout(r, 1));
            ${sabotage}
            await sleep;
            return new Response('after');
          })()));`,
          variant,
        );
        const answer = await t.attack('/', variant);
        assert.ok(answer.status === 200 || answer.headers['eo-function-error'] !== undefined, `${name}: ${answer.status} ${answer.text}`);
        await t.assertHealthy(name);
      }
    });
  }
});
