// The entry watchdog's wall-clock backstop: an entry that holds its thread without using CPU (a
// guest parked in a host call, say) is stopped too. Request entries carry no isolated-vm timeout,
// so this is the only limit on them besides CPU time.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backstop, GuestIsolate } from './isolate.ts';
import { Scheduler } from './scheduler.ts';

describe('entry watchdog', () => {
  let isolate: GuestIsolate;
  before(async () => {
    const ignore = (): void => undefined;
    isolate = await GuestIsolate.create({ memoryMb: 16, handlers: { outcome: ignore, log: ignore, op: ignore, sync: () => undefined, chunk: ignore, done: ignore } });
  });
  after(() => isolate.dispose());

  it('stops an entry that has held its thread past the backstop although its CPU clock stands still', async () => {
    const scheduler = new Scheduler(1);
    const started = performance.now();
    // The watchdog's ticker does not keep a process alive (a server's sockets do): this timer does.
    const keepAlive = setTimeout(() => undefined, 5000);
    // The isolate runs nothing: its CPU clock does not move, as for a guest waiting in a host call.
    const stoppedAfter = await new Promise<number>((resolve) => scheduler.watch(isolate, isolate.cpuNs, 5, () => resolve(performance.now() - started)));
    clearTimeout(keepAlive);
    assert.ok(stoppedAfter >= backstop(5), `stopped after ${stoppedAfter.toFixed(1)} ms, before the backstop`);
    assert.ok(stoppedAfter < 1000, `stopped only after ${stoppedAfter.toFixed(0)} ms`);
  });

  it('leaves an entry within its CPU time and backstop alone', async () => {
    const scheduler = new Scheduler(1);
    let stopped = false;
    const unwatch = scheduler.watch(isolate, isolate.cpuNs, 100, () => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    unwatch();
    assert.equal(stopped, false);
  });
});
