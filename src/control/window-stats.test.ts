import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Accumulator, WindowStats, maxWindowMs } from './window-stats.ts';

describe('window stats', () => {
  it('reads percentiles within the bucket resolution (about 7%)', () => {
    const stats = new WindowStats();
    const now = Date.UTC(2026, 11, 2);
    // 1..1000 ms, once each: p50 = 500, p95 = 950, p99 = 990.
    for (let ms = 1; ms <= 1000; ms++) stats.add(now, ms % 100 === 0, ms, ms / 10);
    const acc = new Accumulator();
    stats.collect(now - 60_000, acc);
    const s = acc.summary();
    assert.equal(s.requests, 1000);
    assert.equal(s.failures, 10);
    assert.equal(s.errorRate, 0.01);
    for (const [got, want] of [[s.wallMs!.p50, 500], [s.wallMs!.p95, 950], [s.wallMs!.p99, 990], [s.cpuMs!.p50, 50]] as const) {
      assert.ok(Math.abs(got - want) / want < 0.075, `${got} for ${want}`);
    }
  });

  it('keeps a window: minutes before it are not counted, and old minutes are dropped', () => {
    const stats = new WindowStats();
    const now = Date.UTC(2026, 11, 2, 12);
    stats.add(now - 30 * 60_000, true, 5, 1);
    stats.add(now, false, 5, 1);
    const recent = new Accumulator();
    stats.collect(now - 10 * 60_000, recent);
    assert.deepEqual([recent.requests, recent.failures], [1, 0]);
    const all = new Accumulator();
    stats.collect(now - maxWindowMs, all);
    assert.deepEqual([all.requests, all.failures], [2, 1]);
    assert.equal(stats.isEmpty(now), false);
    assert.equal(stats.isEmpty(now + maxWindowMs + 120_000), true);
    assert.deepEqual(new Accumulator().summary(), { requests: 0, failures: 0, errorRate: null, wallMs: null, cpuMs: null });
  });
});
