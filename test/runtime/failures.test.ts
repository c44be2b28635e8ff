/**
 * Every failure mode of one execution has its own error code, carries the execution's console
 * lines and timings, and leaves a second function served by the same runtime untouched.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newRuntime, run, sw } from '../helpers/runtime.ts';

const healthy = sw(`return new Response('healthy')`);

describe('runtime failures', () => {
  const runtime = newRuntime({ limits: { cpuMs: 50, wallMs: 1500, memoryMb: 32, subrequests: 3 } });
  after(() => runtime.close());

  async function assertHealthy(): Promise<void> {
    const answer = await run(runtime, healthy);
    assert.equal(answer.kind, 'response');
    assert.equal(answer.text, 'healthy');
  }

  it('reports a syntax error at load with line and column', async () => {
    const answer = await run(runtime, `addEventListener('fetch', (e) => {\n  e.respondWith(new Response('x'))\n  let = ;\n});`);
    assert.equal(answer.code, 'FunctionRuntime.LoadError');
    assert.match(answer.message!, /SyntaxError: .* \(line 3, column \d+\)/);
    await assertHealthy();
  });

  it('compile() returns the same syntax error without running anything', () => {
    const error = runtime.compile(`export default {\n  fetch() { return new Response('x') }\n  oops\n}`);
    assert.ok(error);
    assert.equal(error.code, 'InvalidParameter.BadContent');
    assert.equal(error.line, 3);
    assert.equal(runtime.compile(`addEventListener('fetch', () => {})`), null);
  });

  it('reports an uncaught exception with a stack into the user code and its console lines', async () => {
    const code = `function explode() { throw new RangeError('kaboom') }\naddEventListener('fetch', (e) => { console.log('before'); explode(); });`;
    const answer = await run(runtime, { code, filename: 'user.js' });
    assert.equal(answer.code, 'FunctionRuntime.UncaughtException');
    assert.match(answer.message!, /RangeError: kaboom/);
    assert.equal(answer.report.outcome, 'error');
    assert.match(answer.report.error?.stack ?? '', /explode \(user\.js:1:\d+\)/);
    assert.deepEqual(answer.report.logs.map((l) => l.message), ['before']);
    await assertHealthy();
  });

  it('reports a rejected respondWith promise as an uncaught exception', async () => {
    const answer = await run(runtime, sw(`await null; throw new TypeError('late')`));
    assert.equal(answer.code, 'FunctionRuntime.UncaughtException');
    assert.match(answer.message!, /TypeError: late/);
  });

  it('keeps an error thrown after the response in the report, and the other timers running', async () => {
    const code = `addEventListener('fetch', (event) => {
      event.respondWith(new Response('sent'));
      event.waitUntil(new Promise((resolve) => {
        setTimeout(() => { throw new TypeError('late timer'); }, 1);
        setTimeout(() => { console.log('second timer ran'); resolve(); }, 20);
      }));
    });`;
    const answer = await run(runtime, code);
    assert.equal(answer.text, 'sent');
    assert.equal(answer.report.outcome, 'error');
    assert.equal(answer.report.error?.code, 'FunctionRuntime.UncaughtException');
    assert.match(answer.report.error?.message ?? '', /TypeError: late timer/);
    assert.deepEqual(answer.report.logs.map((l) => [l.level, l.message]), [['error', 'Uncaught TypeError: late timer'], ['log', 'second timer ran']]);
    await assertHealthy();
  });

  it('fails the request when the guest runtime itself was sabotaged (Map.prototype.get replaced)', async () => {
    const answer = await run(runtime, sw(`const nap = new Promise((r) => setTimeout(r, 1)); Map.prototype.get = () => { throw new Error('hijacked'); }; await nap; return new Response('x')`));
    assert.equal(answer.code, 'FunctionRuntime.UncaughtException');
    assert.match(answer.message!, /hijacked/);
    await assertHealthy();
  });

  it('stops a synchronous endless loop at the CPU limit', async () => {
    const answer = await run(runtime, sw(`console.log('spinning'); for (;;) {}`));
    assert.equal(answer.code, 'FunctionRuntime.CpuTimeExceeded');
    assert.ok(answer.report.cpuUs >= 40_000, `cpu ${answer.report.cpuUs}`);
    assert.deepEqual(answer.report.logs.map((l) => l.message), ['spinning']);
    await assertHealthy();
  });

  it('stops an endless loop that starts after an await of host I/O', async () => {
    const answer = await run(runtime, sw(`await new Promise((r) => setTimeout(r, 5)); for (;;) {}`));
    assert.equal(answer.code, 'FunctionRuntime.CpuTimeExceeded');
    await assertHealthy();
  });

  it('counts CPU across entries: many short bursts add up to the limit', async () => {
    const answer = await run(runtime, sw(`
      for (let i = 0; i < 100; i++) {
        await new Promise((r) => setTimeout(r, 0));
        const end = Date.now() + 5; while (Date.now() < end) {}
      }
      return new Response('never')`));
    assert.equal(answer.code, 'FunctionRuntime.CpuTimeExceeded');
  });

  it('a runaway function delays but never fails a function running at the same time', async () => {
    const io = run(runtime, sw(`await new Promise((r) => setTimeout(r, 20)); return new Response('io done')`));
    const loop = run(runtime, sw(`await new Promise((r) => setTimeout(r, 5)); for (;;) {}`));
    const plain = run(runtime, healthy);
    const [a, b, c] = await Promise.all([io, loop, plain]);
    assert.equal(a.text, 'io done');
    assert.equal(b.code, 'FunctionRuntime.CpuTimeExceeded');
    assert.equal(c.text, 'healthy');
  });

  it('does not count I/O wait as CPU time', async () => {
    const answer = await run(runtime, sw(`await new Promise((r) => setTimeout(r, 120)); return new Response('waited')`));
    assert.equal(answer.text, 'waited');
    assert.ok(answer.report.cpuUs < 50_000, `cpu ${answer.report.cpuUs}`);
    assert.ok(answer.report.wallUs >= 120_000, `wall ${answer.report.wallUs}`);
  });

  it('disposes only the isolate that exceeds its memory limit; the next request gets a fresh one', async () => {
    // Reaching a 32 MB heap takes ~90 ms of allocation and GC, so this runtime allows more CPU.
    const roomy = newRuntime({ limits: { cpuMs: 5000, memoryMb: 32 } });
    try {
      const counter = `let n = 0; addEventListener('fetch', (e) => e.respondWith(new Response(String(++n))));`;
      assert.equal((await run(roomy, counter)).text, '1');
      const bomb = `let n = 0; addEventListener('fetch', (e) => {
        if (++n === 2) { globalThis.keep = []; for (;;) globalThis.keep.push(new Array(1e6).fill(Math.random())); }
        e.respondWith(new Response('request ' + n));
      });`;
      assert.equal((await run(roomy, bomb)).text, 'request 1');
      const answer = await run(roomy, bomb);
      assert.equal(answer.code, 'FunctionRuntime.MemoryExceeded');
      assert.equal((await run(roomy, bomb)).text, 'request 1', 'a fresh isolate starts over');
      assert.equal((await run(roomy, counter)).text, '2', 'the other function kept its isolate and its globals');
    } finally {
      roomy.close();
    }
  });

  it('throws on the fetch after the subrequest limit and reports it with its own code', async () => {
    const answer = await run(runtime, sw(`
      for (let i = 0; i < 4; i++) {
        try { await fetch('http://127.0.0.1:9/'); } catch (e) { if (i === 3) throw e; }
      }
      return new Response('unreachable')`));
    assert.equal(answer.code, 'FunctionRuntime.SubrequestLimitExceeded');
    assert.match(answer.message!, /at most 3 fetch/);
    await assertHealthy();
  });

  it('stops an execution at the wall-clock limit', async () => {
    const answer = await run(runtime, sw(`await new Promise(() => {}); return new Response('never')`));
    assert.equal(answer.code, 'FunctionRuntime.WallTimeExceeded');
    await assertHealthy();
  });

  it('rejects a request body over the limit before running anything', async () => {
    const small = newRuntime({ limits: { requestBodyBytes: 10 } });
    try {
      const answer = await run(small, healthy, { method: 'POST', url: 'http://example.com/', headers: [], body: new Uint8Array(11), clientIp: '' });
      assert.equal(answer.code, 'FunctionRuntime.RequestBodyTooLarge');
    } finally {
      small.close();
    }
  });

  it('reports a non-Response answer as an invalid response', async () => {
    const answer = await run(runtime, `addEventListener('fetch', (e) => e.respondWith('just a string'))`);
    assert.equal(answer.code, 'FunctionRuntime.InvalidResponse');
  });

  it('keeps the first N console lines of an execution, each cut to the byte limit', async () => {
    const answer = await run(runtime, sw(`for (let i = 0; i < 25; i++) console.log(i === 0 ? 'x'.repeat(5000) : 'line ' + i); return new Response('ok')`));
    assert.equal(answer.report.logs.length, 20);
    assert.equal(answer.report.droppedLogs, 5);
    assert.equal(answer.report.logs[0]!.message.length, 4096);
    assert.equal(answer.report.logs[19]!.message, 'line 19');
  });

  it('sends the request to the origin on an exception after passThroughOnException()', async () => {
    const answer = await run(runtime, `addEventListener('fetch', (e) => { e.passThroughOnException(); throw new Error('nope'); })`);
    assert.equal(answer.kind, 'passthrough');
    const later = await run(runtime, `addEventListener('fetch', (e) => { e.passThroughOnException(); e.respondWith((async () => { await null; throw new Error('async nope'); })()); })`);
    assert.equal(later.kind, 'passthrough');
  });
});
