/**
 * The gateway's routing tables, built from the store and kept current from its change feed: zones
 * by host, functions by default domain, each zone's compiled trigger rules, and each function's
 * production code (as the object the runtime caches isolates by). A change rebuilds only its zone.
 */
import { compileRules, type RuleMatcher } from '../domain/rules.ts';
import { defaultDomain } from '../domain/ids.ts';
import type { Store } from '../store/store.ts';
import type { SecretBox } from '../store/secrets.ts';
import type { Change, Rollout, Shadow, ZoneRecord } from '../store/types.ts';
import type { FunctionCode } from '../runtime/runtime.ts';
import { envHashOf, envKeyOf, materializeEnv } from './env.ts';

export interface FunctionEntry {
  id: string;
  name: string;
  zone: ZoneEntry;
  production: FunctionCode;
  productionVersionId: string;
  /**
   * Replica name -> its revision, the code's sha256 (the lane caches by it) and its share of
   * production traffic, in the order the replicas were made.
   */
  replicas: Map<string, { sha256: string; revision: number; rollout: Rollout | null; shadow: Shadow | null }>;
  /** The env vars as stored (secrets encrypted), to tell whether they changed. */
  envKey: string;
  /** A hash of `envKey`: the lane checks the env vars it loads against it (see {@link envHashOf}). */
  envHash: string;
}

export interface ZoneEntry {
  zone: ZoneRecord;
  origin: URL;
  matcher: RuleMatcher;
  functions: Map<string, FunctionEntry>;
}

export interface RoutingTableOptions {
  store: Store;
  secrets: SecretBox;
  domainSuffix: string;
  /**
   * Where changes come from: the store's own feed (default), or, in a gateway worker process, the
   * changes the serving process relays (gateway/workers.ts).
   */
  subscribe?: ((listener: (change: Change) => void) => () => void) | undefined;
  /** Called once a change is applied (in commit order). */
  onApplied?: ((seq: number) => void) | undefined;
}

export class RoutingTable {
  readonly #store: Store;
  readonly #secrets: SecretBox;
  readonly #suffix: string;
  readonly #subscribe: NonNullable<RoutingTableOptions['subscribe']>;
  readonly #onApplied: ((seq: number) => void) | undefined;
  readonly #zones = new Map<string, ZoneEntry>();
  readonly #byName = new Map<string, ZoneEntry>();
  readonly #byDomain = new Map<string, FunctionEntry>();
  /** Rebuilds in flight, so changes apply in commit order. */
  #queue: Promise<void> = Promise.resolve();

  constructor(options: RoutingTableOptions) {
    this.#store = options.store;
    this.#secrets = options.secrets;
    this.#suffix = options.domainSuffix.toLowerCase();
    this.#subscribe = options.subscribe ?? ((listener) => options.store.subscribe(listener));
    this.#onApplied = options.onApplied;
  }

  /** Loads every zone, then follows the change feed. Returns a function that stops following. */
  async start(): Promise<() => void> {
    const unsubscribe = this.#subscribe((change) => {
      this.#queue = this.#queue
        .then(() => this.reloadZone(change.zoneId))
        .catch(() => undefined)
        .then(() => this.#onApplied?.(change.seq));
    });
    for (const zone of await this.#store.listZones()) await this.reloadZone(zone.id);
    return unsubscribe;
  }

  /** Resolves once every change heard so far is applied. */
  settled(): Promise<void> {
    return this.#queue;
  }

  /** Rebuilds one zone from the store (or drops it when it is gone). */
  async reloadZone(zoneId: string): Promise<void> {
    let entry: ZoneEntry | undefined;
    try {
      const zone = await this.#store.getZone(zoneId);
      const [functions, rules] = await Promise.all([this.#store.listFunctions(zoneId), this.#store.listRules(zoneId)]);
      entry = { zone, origin: new URL(zone.origin), matcher: compileRules(rules), functions: new Map() };
      const previous = this.#zones.get(zoneId);
      for (const fn of functions) {
        const [version, replicas, env] = await Promise.all([
          this.#store.getVersion(fn.id, fn.productionVersionId),
          this.#store.listReplicas(fn.id),
          this.#store.listEnv(fn.id),
        ]);
        const replicaCode: FunctionEntry['replicas'] = new Map();
        for (const r of replicas) {
          const { sha256, revision } = await this.#store.getReplica(fn.id, r.name);
          replicaCode.set(r.name, { sha256, revision, rollout: r.rollout, shadow: r.shadow });
        }
        const envKey = envKeyOf(env);
        const old = previous?.functions.get(fn.id);
        const sameEnv = old?.envKey === envKey;
        // Keep the same FunctionCode object while code and env are unchanged: the runtime keeps
        // the warm isolate for it.
        const production: FunctionCode =
          old && sameEnv && old.productionVersionId === fn.productionVersionId
            ? old.production
            : { code: version.content, env: materializeEnv(env, this.#secrets), filename: `${fn.name}.js`, owner: { zone: zone.id, function: fn.id, variant: 'production' } };
        entry.functions.set(fn.id, {
          id: fn.id,
          name: fn.name,
          zone: entry,
          production,
          productionVersionId: fn.productionVersionId,
          replicas: replicaCode,
          envKey,
          envHash: old && sameEnv ? old.envHash : envHashOf(env),
        });
      }
    } catch {
      entry = undefined; // the zone is gone
    }
    this.#install(zoneId, entry);
  }

  #install(zoneId: string, entry: ZoneEntry | undefined): void {
    const old = this.#zones.get(zoneId);
    if (old) {
      this.#byName.delete(old.zone.name);
      for (const fn of old.functions.values()) this.#byDomain.delete(defaultDomain(fn.name, zoneId, this.#suffix));
    }
    if (!entry) {
      this.#zones.delete(zoneId);
      return;
    }
    this.#zones.set(zoneId, entry);
    this.#byName.set(entry.zone.name, entry);
    for (const fn of entry.functions.values()) this.#byDomain.set(defaultDomain(fn.name, zoneId, this.#suffix), fn);
  }

  /** The function whose default domain is `host`. */
  functionByDomain(host: string): FunctionEntry | undefined {
    return this.#byDomain.get(host);
  }

  /** The zone `host` is, or is under. */
  zoneOf(host: string): ZoneEntry | undefined {
    for (let name = host; ; ) {
      const zone = this.#byName.get(name);
      if (zone) return zone;
      const dot = name.indexOf('.');
      if (dot === -1) return undefined;
      name = name.slice(dot + 1);
    }
  }
}

