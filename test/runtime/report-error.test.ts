/**
 * Reporting exceptions inside the isolate (HTML "report an exception"): reportError() and an
 * exception thrown by an event listener fire an ErrorEvent at the global scope; uncanceled, the
 * exception is logged as uncaught. And timers at global scope are refused, as documented.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newRuntime, run } from '../helpers/runtime.ts';

describe('reporting exceptions (in the isolate)', () => {
  const runtime = newRuntime();
  after(() => runtime.close());

  it('fires an ErrorEvent at the global scope for reportError and for a throwing listener', async () => {
    const answer = await run(runtime, `
      const seen = [];
      addEventListener('error', (e) => { seen.push([e.constructor.name, e.message, e.error?.message ?? null, e.cancelable]); if (e.message === 'quiet') e.preventDefault(); });
      addEventListener('fetch', (event) => {
        reportError(new Error('loud'));
        reportError(new Error('quiet'));
        const target = new EventTarget();
        target.addEventListener('ping', () => { throw new TypeError('from a listener'); });
        const afterThrow = target.dispatchEvent(new Event('ping'));
        event.respondWith(Response.json({ seen, afterThrow, length: reportError.length }));
      });`);
    assert.deepEqual(JSON.parse(answer.text), {
      seen: [['ErrorEvent', 'loud', 'loud', true], ['ErrorEvent', 'quiet', 'quiet', true], ['ErrorEvent', 'from a listener', 'from a listener', true]],
      afterThrow: true,
      length: 1,
    });
    const uncaught = answer.report.logs.filter((line) => line.level === 'error').map((line) => line.message);
    assert.equal(uncaught.length, 2, `the canceled one is not logged: ${JSON.stringify(uncaught)}`);
    assert.match(uncaught[0]!, /^Uncaught Error: loud/);
    assert.match(uncaught[1]!, /^Uncaught TypeError: from a listener/);
  });

  it('logs an exception thrown by an error listener once, without reporting it again', async () => {
    const answer = await run(runtime, `
      let calls = 0;
      addEventListener('error', () => { calls++; throw new Error('listener broke'); });
      addEventListener('fetch', (event) => {
        reportError('plain value');
        event.respondWith(new Response(String(calls)));
      });`);
    assert.equal(answer.text, '1');
    const uncaught = answer.report.logs.filter((line) => line.level === 'error').map((line) => line.message);
    assert.deepEqual(uncaught.map((m) => m.split('\n')[0]), ['Uncaught Error: listener broke', 'Uncaught plain value']);
  });

  it('refuses timers at global scope instead of dropping them', async () => {
    const answer = await run(runtime, `setTimeout(() => {}, 10);\naddEventListener('fetch', (event) => event.respondWith(new Response('ok')));`);
    assert.equal(answer.code, 'FunctionRuntime.LoadError');
    assert.match(answer.message ?? '', /Timers are not allowed outside a request handler/);
    const inside = await run(runtime, `addEventListener('fetch', (event) => event.respondWith(new Promise((resolve) => setTimeout(() => resolve(new Response('fired')), 5))));`);
    assert.equal(inside.text, 'fired');
  });
});
