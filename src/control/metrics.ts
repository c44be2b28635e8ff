/**
 * Per-version metrics, made from the invocation records the serving process receives: for each
 * function, variant (production or a replica), version (a production version id, or `r<revision>`
 * of a replica) and kind of traffic (`production`, or how a replica got it: `header`, `rollout`,
 * `shadow`), the executions by outcome and status class, and histograms of CPU and wall time.
 * Exposed in Prometheus's text format (prom-client), and kept by the minute for an hour so a
 * replica can be compared with production over a window.
 *
 * Bounded: at most `maxSeries` label sets live at once; the least recently used goes first, with
 * its Prometheus series, so a function that syncs thousands of versions cannot grow the registry.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { isFailure } from '../domain/replica-traffic.ts';
import type { InvocationRecord } from '../store/invocation-log.ts';
import { Accumulator, WindowStats, type WindowSummary } from './window-stats.ts';

type Labels = { function_id: string; variant: string; version: string; traffic: string };

interface Series {
  labels: Labels;
  /** The outcome/status label pairs this series has counted (to remove them with it). */
  counted: Set<string>;
  window: WindowStats;
}

export interface VersionMetricsOptions {
  /** Label sets kept at once (default 2,000). */
  maxSeries?: number;
  /** The serving process's own metrics (CPU, memory, event loop) in the same registry (default true). */
  processMetrics?: boolean;
}

/** The version label of a record: the production version, or the replica's revision. */
export const versionLabel = (record: Pick<InvocationRecord, 'variant' | 'versionId' | 'revision'>): string =>
  record.variant === 'production' ? (record.versionId ?? '') : `r${record.revision ?? 0}`;

const statusClass = (status: number): string => (status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'none');

export class VersionMetrics {
  readonly registry = new Registry();
  readonly #maxSeries: number;
  readonly #series = new Map<string, Series>();
  readonly #executions: Counter<keyof Labels | 'outcome' | 'status'>;
  readonly #cpu: Histogram<keyof Labels>;
  readonly #wall: Histogram<keyof Labels>;

  constructor(options: VersionMetricsOptions = {}) {
    this.#maxSeries = options.maxSeries ?? 2000;
    const labelNames = ['function_id', 'variant', 'version', 'traffic'] as const;
    this.#executions = new Counter({ name: 'edgefn_executions_total', help: 'Function executions by version, traffic, outcome (ok, passthrough or the error code) and status class', labelNames: [...labelNames, 'outcome', 'status'], registers: [this.registry] });
    this.#cpu = new Histogram({ name: 'edgefn_execution_cpu_seconds', help: 'CPU time of function executions', labelNames, buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5], registers: [this.registry] });
    this.#wall = new Histogram({ name: 'edgefn_execution_wall_seconds', help: 'Wall time of function executions, from start to the full report', labelNames, buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry] });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'edgefn_' });
  }

  /** Counts one execution. Never throws (a record is never worth the process). */
  observe(record: InvocationRecord): void {
    const labels: Labels = { function_id: record.functionId, variant: record.variant, version: versionLabel(record), traffic: record.variant === 'production' ? 'production' : (record.via ?? 'header') };
    const key = `${labels.function_id}\n${labels.variant}\n${labels.version}\n${labels.traffic}`;
    let series = this.#series.get(key);
    if (series) this.#series.delete(key);
    else {
      series = { labels, counted: new Set(), window: new WindowStats() };
      if (this.#series.size >= this.#maxSeries) this.#forget(this.#series.keys().next().value!);
    }
    // Most recently used last: the first entry is the one to forget.
    this.#series.set(key, series);
    const status = statusClass(record.status);
    series.counted.add(`${record.outcome}\n${status}`);
    this.#executions.inc({ ...labels, outcome: record.outcome, status });
    this.#cpu.observe(labels, record.cpuMs / 1000);
    this.#wall.observe(labels, record.wallMs / 1000);
    series.window.add(Date.parse(record.at) || Date.now(), isFailure(record.outcome, record.status), record.wallMs, record.cpuMs);
  }

  #forget(key: string): void {
    const series = this.#series.get(key);
    if (!series) return;
    this.#series.delete(key);
    this.#cpu.remove(series.labels);
    this.#wall.remove(series.labels);
    for (const pair of series.counted) {
      const [outcome, status] = pair.split('\n') as [string, string];
      this.#executions.remove({ ...series.labels, outcome, status });
    }
  }

  /** One function variant's version over the window, for the given kinds of traffic together. */
  summary(functionId: string, variant: string, version: string, traffic: readonly string[], fromMs: number): WindowSummary {
    const sum = new Accumulator();
    for (const kind of traffic) this.#series.get(`${functionId}\n${variant}\n${version}\n${kind}`)?.window.collect(fromMs, sum);
    return sum.summary();
  }

  /** The registry in Prometheus's text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
