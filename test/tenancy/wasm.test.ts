/**
 * WebAssembly memory counts against the function's memory limit: memories made from JavaScript,
 * memories a module defines and grows from wasm code, and compiled code. The process stays under
 * the bound; ordinary use (one module per request, collected afterwards) keeps working.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { asLiteral, growableModule } from '../helpers/wasm.ts';
import { startTenancy, type Tenancy } from './helpers.ts';

const boundMb = 1536;
const variants = ['production', 'replica'] as const;
const sw = (body: string): string => `addEventListener('fetch', (event) => event.respondWith((async () => { ${body} })()));`;

describe('WebAssembly memory counts against the limit', () => {
  let t: Tenancy;
  before(async () => {
    t = await startTenancy();
  });
  after(() => t.close());


  for (const variant of variants) {
    it(`${variant}: a 512 MB WebAssembly.Memory per request is refused, every time`, async () => {
      await t.deploy(sw(`
        try { new WebAssembly.Memory({ initial: 8192 }); return new Response('made'); }
        catch (error) { return new Response(error.name + ': ' + error.message); }`), variant);
      for (let i = 0; i < 6; i++) {
        const answer = await t.attack('/', variant);
        assert.match(answer.text, /^RangeError: .*memory limit/, answer.text);
      }
      assert.ok(t.rss(variant) < boundMb, `RSS ${t.rss(variant)} MB`);
      await t.assertHealthy('512 MB memories');
    });

    it(`${variant}: memories kept alive across requests stop at the limit, with every way to reach the constructor`, async () => {
      await t.deploy(sw(`
        globalThis.kept ??= [];
        const ways = [
          () => new WebAssembly.Memory({ initial: 1024 }),
          () => new (Object.getPrototypeOf(new WebAssembly.Memory({ initial: 1, maximum: 1 })).constructor)({ initial: 1024 }),
          () => new WebAssembly.Memory.prototype.constructor({ initial: 1024 }),
          () => Reflect.construct(WebAssembly.Memory, [{ initial: 1024 }]),
          () => new (class extends WebAssembly.Memory {})({ initial: 1024 }),
        ];
        const results = [];
        for (const make of ways) {
          try { kept.push(make()); results.push('ok'); }
          catch (error) { results.push(error.name); }
        }
        return new Response(results.join(','));`), variant);
      const first = await t.attack('/', variant);
      // 64 MB each, with no maximum: the first may grow to 3/4 of the room, so no second one fits.
      assert.match(first.text, /^ok,RangeError,RangeError,RangeError,RangeError$/, first.text);
      const second = await t.attack('/', variant);
      assert.equal(second.text, 'RangeError,RangeError,RangeError,RangeError,RangeError');
      assert.ok(t.rss(variant) < boundMb, `RSS ${t.rss(variant)} MB`);
      await t.assertHealthy('kept memories');
    });

    it(`${variant}: wasm code growing its own memory stops at the cap V8 enforces`, async () => {
      await t.deploy(sw(`
        const { exports } = new WebAssembly.Instance(new WebAssembly.Module(${asLiteral(growableModule([[1]]))}));
        const big = exports.grow(4096);   // 256 MB more: refused by V8, the module's maximum is capped
        const some = exports.grow(512);   // 32 MB more: fits
        exports.fill(exports.mem.buffer.byteLength - 65536, 65536); // the last page is really there
        return new Response(big + ',' + some + ',' + exports.mem.buffer.byteLength);`), variant);
      const answer = await t.attack('/', variant);
      assert.equal(answer.text, `-1,1,${513 * 65536}`);
      assert.ok(t.rss(variant) < boundMb, `RSS ${t.rss(variant)} MB`);
      await t.assertHealthy('memory.grow');
    });

    it(`${variant}: a module instantiated on every request keeps working (garbage memories are collected)`, async () => {
      await t.deploy(sw(`
        const { instance } = await WebAssembly.instantiate(${asLiteral(growableModule([[16]]))});
        instance.exports.grow(200);
        instance.exports.fill(instance.exports.mem.buffer.byteLength - 65536, 65536);
        return new Response(String(instance.exports.mem.buffer.byteLength));`), variant);
      for (let i = 0; i < 20; i++) {
        const answer = await t.attack('/', variant);
        assert.equal(answer.text, String(216 * 65536), `request ${i}: ${answer.text}`);
      }
      await t.assertHealthy('a module per request');
    });
  }

  for (const variant of variants) {
    it(`${variant}: heap the function allocates next to a WebAssembly reservation counts too`, async () => {
      await t.deploy(sw(`
        globalThis.memory ??= new WebAssembly.Memory({ initial: 1 }); // may grow to 3/4 of the room
        const junk = [];
        for (let i = 0; i < 60; i++) junk.push(new Uint8Array(2 ** 20));
        return new Response(String(junk.length));`), variant);
      const answer = await t.attack('/', variant);
      assert.equal(answer.headers['eo-function-error'], 'FunctionRuntime.MemoryExceeded', answer.text);
      await t.assertHealthy('heap next to wasm');
    });
  }

  it('functions cannot call the collector or suspend wasm stacks', async () => {
    await t.deploy(sw(`return new Response([typeof gc, typeof globalThis.gc, typeof WebAssembly.Suspending, typeof WebAssembly.promising].join())`));
    assert.equal((await t.attack('/')).text, 'undefined,undefined,undefined,undefined');
  });
});
