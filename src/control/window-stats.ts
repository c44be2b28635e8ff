/**
 * Recent executions of one series (a function variant's version, one kind of traffic), by the
 * minute, for comparisons over a window: counts, failures, and wall and CPU time in log-spaced
 * buckets (each 15% wider than the last, so a percentile read from them is within about 7%).
 * Minutes older than the longest window are dropped as new ones come.
 */

const firstBoundMs = 0.01;
const growth = 1.15;
// 0.01 ms to past 10 minutes.
const bucketCount = 130;
const logGrowth = Math.log(growth);

/** The longest window a comparison may ask for. */
export const maxWindowMs = 60 * 60_000;

interface Minute {
  requests: number;
  failures: number;
  wall: Uint32Array;
  cpu: Uint32Array;
}

function bucketOf(ms: number): number {
  if (!(ms > firstBoundMs)) return 0;
  return Math.min(bucketCount - 1, Math.ceil(Math.log(ms / firstBoundMs) / logGrowth));
}

/** A value that stands for bucket `i`: the geometric middle of its bounds. */
function valueOf(i: number): number {
  if (i === 0) return firstBoundMs;
  return firstBoundMs * growth ** (i - 0.5);
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

export interface WindowSummary {
  requests: number;
  failures: number;
  /** failures / requests; null without requests. */
  errorRate: number | null;
  /** Null without requests. */
  wallMs: Percentiles | null;
  cpuMs: Percentiles | null;
}

export class WindowStats {
  /** By minute number (ms / 60,000), oldest first. */
  readonly #minutes = new Map<number, Minute>();

  add(atMs: number, failed: boolean, wallMs: number, cpuMs: number): void {
    const key = Math.floor(atMs / 60_000);
    let minute = this.#minutes.get(key);
    if (!minute) {
      minute = { requests: 0, failures: 0, wall: new Uint32Array(bucketCount), cpu: new Uint32Array(bucketCount) };
      this.#minutes.set(key, minute);
      const oldest = key - maxWindowMs / 60_000;
      for (const k of this.#minutes.keys()) {
        if (k >= oldest) break;
        this.#minutes.delete(k);
      }
    }
    minute.requests += 1;
    if (failed) minute.failures += 1;
    minute.wall[bucketOf(wallMs)]! += 1;
    minute.cpu[bucketOf(cpuMs)]! += 1;
  }

  /** Whether nothing is kept any more (the series may be forgotten). */
  isEmpty(nowMs: number): boolean {
    const oldest = Math.floor(nowMs / 60_000) - maxWindowMs / 60_000;
    for (const k of this.#minutes.keys()) if (k >= oldest) return false;
    return true;
  }

  /** Adds the minutes from `fromMs` on to `into` (several series make one summary). */
  collect(fromMs: number, into: Accumulator): void {
    const first = Math.floor(fromMs / 60_000);
    for (const [key, minute] of this.#minutes) {
      if (key < first) continue;
      into.requests += minute.requests;
      into.failures += minute.failures;
      for (let i = 0; i < bucketCount; i++) {
        into.wall[i]! += minute.wall[i]!;
        into.cpu[i]! += minute.cpu[i]!;
      }
    }
  }
}

/** Sums of several series' minutes. */
export class Accumulator {
  requests = 0;
  failures = 0;
  readonly wall = new Float64Array(bucketCount);
  readonly cpu = new Float64Array(bucketCount);

  summary(): WindowSummary {
    const n = this.requests;
    return {
      requests: n,
      failures: this.failures,
      errorRate: n === 0 ? null : this.failures / n,
      wallMs: n === 0 ? null : percentiles(this.wall, n),
      cpuMs: n === 0 ? null : percentiles(this.cpu, n),
    };
  }
}

function percentiles(buckets: Float64Array, n: number): Percentiles {
  const at = (q: number): number => {
    const rank = Math.max(1, Math.ceil(q * n));
    let seen = 0;
    for (let i = 0; i < buckets.length; i++) {
      seen += buckets[i]!;
      if (seen >= rank) return Math.round(valueOf(i) * 1000) / 1000;
    }
    return Math.round(valueOf(buckets.length - 1) * 1000) / 1000;
  };
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}
