/**
 * A replica on real traffic, the use cases: its rollout (with the optional guard that stops it
 * when too many rollout requests fail), its shadow traffic and the shadow report, and the
 * comparison of its metrics with production's. Metrics, reports and the guard are made from
 * invocation records: with records off (`serve --invocation-logs off`) they are unavailable.
 */
import { EdgefnError } from '../domain/errors.ts';
import { isFailure, parseRollout, parseShadow, type AbortIf } from '../domain/replica-traffic.ts';
import type { Store } from '../store/store.ts';
import type { ReplicaRecord } from '../store/types.ts';
import type { InvocationRecord } from '../store/invocation-log.ts';
import type { VersionMetrics } from './metrics.ts';
import type { ShadowReports } from './shadow-report.ts';
import { maxWindowMs } from './window-stats.ts';

export interface ReplicaTrafficOptions {
  store: Store;
  /** Null when invocation records are off. */
  metrics: VersionMetrics | null;
  shadows: ShadowReports | null;
  log?: (line: string) => void;
}

/** A rollout with an abortIf, and what its rollout requests did since it was set. */
interface Guard {
  since: string;
  sinceMs: number;
  percent: number;
  abortIf: AbortIf;
  requests: number;
  failures: number;
  stopping: boolean;
}

const recordsOff = (what: string): EdgefnError =>
  new EdgefnError('FailedOperation.InvocationLogsOff', `${what} are made from invocation records, which are off on this server (edgefn serve --invocation-logs off)`);

const percentText = (rate: number): string => `${Math.round(rate * 10000) / 100}%`;

export class ReplicaTraffic {
  readonly #store: Store;
  readonly #metrics: VersionMetrics | null;
  readonly #shadows: ShadowReports | null;
  readonly #log: (line: string) => void;
  /** By `functionId\nreplica`. */
  readonly #guards = new Map<string, Guard>();

  constructor(options: ReplicaTrafficOptions) {
    this.#store = options.store;
    this.#metrics = options.metrics;
    this.#shadows = options.shadows;
    this.#log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /** Picks up the guards of rollouts set before this process started. */
  async loadGuards(): Promise<void> {
    if (!this.#metrics) return;
    for (const zone of await this.#store.listZones()) {
      for (const fn of await this.#store.listFunctions(zone.id)) {
        for (const replica of await this.#store.listReplicas(fn.id)) this.#guard(replica);
      }
    }
  }

  #guard(replica: ReplicaRecord): void {
    const key = `${replica.functionId}\n${replica.name}`;
    const rollout = replica.rollout;
    if (!rollout?.abortIf) {
      this.#guards.delete(key);
      return;
    }
    this.#guards.set(key, { since: rollout.since, sinceMs: Date.parse(rollout.since), percent: rollout.percent, abortIf: rollout.abortIf, requests: 0, failures: 0, stopping: false });
  }

  /** Sends a share of production traffic to the replica (`{percent, sticky?, abortIf?}`; 0 ends it). */
  async setRollout(functionId: string, name: string, input: unknown): Promise<ReplicaRecord> {
    const rollout = parseRollout(input, new Date().toISOString());
    if (rollout?.abortIf && !this.#metrics) throw recordsOff('Rollout guards (abortIf)');
    const replica = await this.#store.setRollout(functionId, name, rollout);
    this.#guard(replica);
    return replica;
  }

  /** Mirrors a sample of production requests to the replica (`{percent, methods?}`; 0 ends it). */
  async setShadow(functionId: string, name: string, input: unknown): Promise<ReplicaRecord> {
    const shadow = parseShadow(input, new Date().toISOString());
    if (shadow && !this.#shadows) throw recordsOff('Shadow reports');
    return this.#store.setShadow(functionId, name, shadow);
  }

  /**
   * The replica's shadow setting (null when off) and the report of its current shadow, or of its
   * last one when it is off (null when there has been none since this server started).
   */
  async shadowReport(functionId: string, name: string) {
    if (!this.#shadows) throw recordsOff('Shadow reports');
    const replica = await this.#store.getReplica(functionId, name);
    const since = replica.shadow?.since ?? this.#shadows.latestSince(functionId, name);
    return { shadow: replica.shadow, report: since === undefined ? null : this.#shadows.report(functionId, name, since) };
  }

  /** The replica's current revision against production's current version, over the last `windowMs`. */
  async compare(functionId: string, name: string, windowMs: number) {
    if (!this.#metrics) throw recordsOff('Metrics');
    if (!Number.isInteger(windowMs) || windowMs < 60_000 || windowMs > maxWindowMs) {
      throw new EdgefnError('InvalidParameter.InvalidParameter', `'window' must be a whole number of seconds from 60 to ${maxWindowMs / 1000}`);
    }
    const [fn, replica] = await Promise.all([this.#store.getFunction(functionId), this.#store.getReplica(functionId, name)]);
    const to = Date.now();
    const from = to - windowMs;
    const version = `r${replica.revision}`;
    const of = (traffic: string[]) => this.#metrics!.summary(functionId, name, version, traffic, from);
    return {
      window: { seconds: windowMs / 1000, from: new Date(from).toISOString(), to: new Date(to).toISOString() },
      production: { version: fn.productionVersionId, ...this.#metrics.summary(functionId, 'production', fn.productionVersionId, ['production'], from) },
      replica: {
        name,
        revision: replica.revision,
        ...of(['header', 'rollout', 'shadow']),
        byTraffic: { header: of(['header']), rollout: of(['rollout']), shadow: of(['shadow']) },
      },
    };
  }

  /** Counts a rollout request against its guard, and stops the rollout once the guard trips. */
  observe(record: InvocationRecord): void {
    if (record.via !== 'rollout') return;
    const key = `${record.functionId}\n${record.variant}`;
    const guard = this.#guards.get(key);
    if (!guard || guard.stopping || Date.parse(record.at) < guard.sinceMs) return;
    guard.requests += 1;
    if (isFailure(record.outcome, record.status)) guard.failures += 1;
    const rate = guard.failures / guard.requests;
    if (guard.requests < guard.abortIf.minRequests || rate <= guard.abortIf.errorRate) return;
    guard.stopping = true;
    const reason = `${guard.failures} of ${guard.requests} rollout requests failed (${percentText(rate)}), more than abortIf.errorRate ${percentText(guard.abortIf.errorRate)}`;
    const stop = { at: new Date().toISOString(), reason, percent: guard.percent, requests: guard.requests, errors: guard.failures };
    this.#store.stopRollout(record.functionId, record.variant, guard.since, stop).then(
      (stopped) => {
        if (this.#guards.get(key) === guard) this.#guards.delete(key);
        if (stopped) this.#log(`rollout of ${record.functionId} replica ${record.variant} stopped: ${reason}`);
      },
      (error: unknown) => {
        // The replica or function is gone: so is its rollout.
        if (this.#guards.get(key) === guard) this.#guards.delete(key);
        if (!(error instanceof EdgefnError)) this.#log(`rollout guard: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  }
}
