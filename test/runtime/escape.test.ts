/**
 * Escape attempts: guest code must find no host object (no `process`, no `require`, no host
 * Function) through constructor chains, bridged values, stack-trace hooks, the symbol registry
 * or prototype pollution, and one function's tampering must not reach another function or the host.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newRuntime, run, sw } from '../helpers/runtime.ts';

const probe = `
  const reach = (f) => { try { const v = f(); return v === undefined || v === null ? 'none' : typeof v } catch (e) { return 'threw' } };
`;

describe('sandbox escape attempts', () => {
  const runtime = newRuntime();
  after(() => runtime.close());

  async function expectAllNone(body: string): Promise<Record<string, string>> {
    const answer = await run(runtime, sw(`${probe} const r = {}; ${body}; return Response.json(r)`));
    assert.equal(answer.kind, 'response', answer.message);
    const result = JSON.parse(answer.text) as Record<string, string>;
    for (const [name, value] of Object.entries(result)) assert.ok(value === 'none' || value === 'threw', `${name} reached ${value}`);
    return result;
  }

  it('has no Node globals', async () => {
    await expectAllNone(`for (const g of ['process', 'require', 'module', 'Buffer', 'global', '__edgefn', '__edgefn_enter', 'setTimeout.__host']) r[g] = reach(() => globalThis[g])`);
  });

  it('finds no host through constructor chains of globals and bridged values', async () => {
    await expectAllNone(`
      const url = new URL('https://x.com/');
      const key = await crypto.subtle.importKey('raw', new Uint8Array(16), 'AES-GCM', true, ['encrypt']);
      const bytes = await crypto.subtle.digest('SHA-256', new Uint8Array(1));
      const uuid = crypto.randomUUID();
      const clone = structuredClone({ a: 1 });
      const values = { url, key, bytes, uuid, clone, alg: key.algorithm, console, fetch, crypto, headers: new Headers(), req: request, eo: request.eo };
      for (const [name, v] of Object.entries(values)) {
        r[name + '.process'] = reach(() => v.constructor.constructor('return process')());
        r[name + '.require'] = reach(() => v.constructor.constructor('return typeof require === "function" ? require : undefined')());
        r[name + '.proto'] = reach(() => Object.getPrototypeOf(v).constructor.constructor('return globalThis.process')());
      }
      r.fn = reach(() => Function('return this')().process);
      r.asyncFn = (await (async () => {}).constructor('return typeof process')()) === 'undefined' ? 'none' : 'reached';`);
  });

  it('gets only guest stack frames from Error.prepareStackTrace, even for errors thrown by the host', async () => {
    const answer = await run(runtime, sw(`
      const seen = [];
      Error.prepareStackTrace = (error, frames) => {
        for (const f of frames) {
          try { const t = f.getThis(); if (t && t.process) seen.push('this.process'); } catch {}
          try { const fn = f.getFunction(); if (fn && fn.constructor('return typeof process')() !== 'undefined') seen.push('function'); } catch {}
        }
        return 'custom';
      };
      try { await crypto.subtle.digest('NOT-A-HASH', new Uint8Array(1)); } catch (e) { void e.stack }
      try { new URL('::bad'); } catch (e) { void e.stack }
      try { structuredClone(() => {}); } catch (e) { void e.stack }
      Error.prepareStackTrace = undefined;
      return Response.json(seen)`));
    assert.deepEqual(JSON.parse(answer.text), []);
  });

  it('cannot import modules or reach the host through dynamic import', async () => {
    const answer = await run(runtime, sw(`try { await import('node:fs'); return new Response('imported') } catch (e) { return new Response('blocked: ' + e.name) }`));
    assert.match(answer.text, /^blocked/);
  });

  it('keeps the symbol registry per isolate', async () => {
    const first = await run(runtime, sw(`globalThis.mark ??= Symbol.for('edgefn.shared'); return new Response(String(Symbol.for('nodejs.util.inspect.custom') in console))`));
    assert.equal(first.text, 'false');
    const key = Symbol.for('edgefn.test');
    const answer = await run(runtime, sw(`return new Response(typeof globalThis[Symbol.for('edgefn.test')])`));
    assert.equal(answer.text, 'undefined');
    assert.equal((globalThis as Record<symbol, unknown>)[key], undefined);
  });

  it('keeps prototype pollution inside the polluting function', async () => {
    const polluter = sw(`
      Object.prototype.polluted = 'yes';
      Array.prototype.push = function () { throw new Error('sabotaged push') };
      JSON.stringify = () => '"sabotaged"';
      Uint8Array.prototype.slice = () => { throw new Error('sabotaged slice') };
      const h = new Headers({ a: '1' });
      return new Response(h.get('a'));`);
    const first = await run(runtime, polluter);
    assert.ok(first.kind === 'response' || first.kind === 'error');
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'the host Object.prototype is untouched');
    assert.equal(typeof [].push, 'function');
    const other = await run(runtime, sw(`return Response.json({ polluted: ({}).polluted ?? null, push: [1].push(2) })`));
    assert.deepEqual(JSON.parse(other.text), { polluted: null, push: 2 });
  });

  it('passes copies, not host references, across the bridge', async () => {
    const answer = await run(runtime, sw(`
      const u = new URL('https://a.com/x');
      const copy = structuredClone(u.searchParams instanceof URLSearchParams ? { s: 'ok' } : {});
      copy.s = 'changed';
      const key = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
      key.algorithm.name = 'tampered';
      let exported; try { await crypto.subtle.exportKey('raw', key) } catch (e) { exported = e.name }
      const sig = await crypto.subtle.sign('HMAC', key, new Uint8Array(1));
      return Response.json({ alg: key.algorithm.name, exported, sigLen: sig.byteLength, keyKeys: Object.keys(key) })`));
    const out = JSON.parse(answer.text) as { exported: string; sigLen: number; keyKeys: string[] };
    assert.equal(out.exported, 'InvalidAccessError', 'a non-extractable key stays non-extractable');
    assert.equal(out.sigLen, 32, 'tampering with the guest copy does not change the host key');
    assert.deepEqual(out.keyKeys, [], 'the handle is not an enumerable property');
  });
});
