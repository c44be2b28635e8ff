/**
 * What the host keeps for a function is bounded and freed: timers with their execution, crypto
 * keys with the guest objects that hold them (and at most 10,000 alive at once).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newRuntime, run, sw } from '../helpers/runtime.ts';

describe('host state per execution and per key', () => {
  const runtime = newRuntime({ limits: { cpuMs: 2000 } });
  after(() => runtime.close());

  it('drops the timers an execution left behind when it ends', async () => {
    const code = sw(`for (let i = 0; i < 500; i++) setTimeout(() => {}, 3_600_000); return new Response('left 500 timers')`);
    for (let i = 0; i < 4; i++) assert.equal((await run(runtime, code)).text, 'left 500 timers');
    assert.equal(runtime.stats().timers, 0);
  });

  it('frees imported keys once the function no longer holds them', async () => {
    const code = sw(`
      for (let i = 0; i < 400; i++) {
        await crypto.subtle.importKey('raw', new TextEncoder().encode('secret ' + i), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
      }
      return new Response('imported 400')`);
    for (let i = 0; i < 25; i++) assert.equal((await run(runtime, code)).text, 'imported 400');
    // 10,000 imported in all; only those since the last sweep (every 256 keys) may remain.
    assert.ok(runtime.stats().keys <= 512, `${runtime.stats().keys} keys kept`);
  });

  it('refuses the 10,001st key a function keeps alive, with a clear error', async () => {
    const code = sw(`
      globalThis.kept ??= [];
      try {
        for (let i = 0; i < 2600; i++) kept.push(await crypto.subtle.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt']));
        return new Response('kept ' + kept.length);
      } catch (error) {
        return new Response(error.name + ': ' + error.message + ' (' + kept.length + ')');
      }`);
    const answers: string[] = [];
    for (let i = 0; i < 4; i++) answers.push((await run(runtime, code)).text);
    assert.deepEqual(answers.slice(0, 3), ['kept 2600', 'kept 5200', 'kept 7800']);
    assert.equal(answers[3], 'QuotaExceededError: Too many CryptoKeys alive in this function: at most 10000 (10000)');
  });
});
