/**
 * The store: the single source of truth. Every mutation is one transaction and, once committed,
 * one entry on the change feed. Methods are async so a networked store (PostgreSQL) can implement
 * the same interface; the embedded SQLite store answers at once.
 */
import type {
  ApiKeyRecord,
  Change,
  EnvEdit,
  EnvRecord,
  FunctionRecord,
  ReplicaRecord,
  Rollout,
  RolloutStop,
  Shadow,
  ReplicaWithContent,
  RuleRecord,
  VersionRecord,
  VersionSource,
  VersionWithContent,
  ZoneRecord,
} from './types.ts';
import type { ConditionGroup, RuleAction } from '../domain/rules.ts';

export interface NewVersion {
  content: string;
  sha256: string;
  source: VersionSource;
  remark: string;
}

export interface Store {
  createZone(zone: { name: string; origin: string }): Promise<ZoneRecord>;
  listZones(): Promise<ZoneRecord[]>;
  getZone(id: string): Promise<ZoneRecord>;
  updateZone(id: string, patch: { origin?: string }): Promise<ZoneRecord>;
  deleteZone(id: string): Promise<void>;

  createFunction(fn: { zoneId: string; name: string; remark: string }, version: NewVersion, maxFunctions: number): Promise<FunctionRecord>;
  listFunctions(zoneId?: string): Promise<FunctionRecord[]>;
  getFunction(id: string): Promise<FunctionRecord>;
  /**
   * Changes the remark and/or makes a new production version, in one transaction. With
   * `asReplicaSync`, a version whose code is exactly a replica's is recorded as that replica's
   * sync (source `sync:<name>`, remark the patch's or the replica's), and its rollout and shadow end.
   */
  modifyFunction(id: string, patch: { remark?: string; version?: NewVersion; asReplicaSync?: boolean }): Promise<FunctionRecord>;
  /** Deletes the function with its versions, replicas, env vars and the rules that run only it. */
  deleteFunction(id: string): Promise<void>;
  /**
   * Makes a new production version. With `expectedProductionId`, fails with
   * FailedOperation.ProductionChanged (changing nothing) when production has moved since. With
   * `syncedReplica`, that replica's rollout and shadow end in the same transaction.
   */
  addProductionVersion(functionId: string, version: NewVersion, expectedProductionId?: string, syncedReplica?: string): Promise<VersionWithContent>;
  listVersions(functionId: string): Promise<VersionRecord[]>;
  getVersion(functionId: string, versionId: string): Promise<VersionWithContent>;
  /** A version without its content (up to 5 MB), for lists and views. */
  getVersionRecord(functionId: string, versionId: string): Promise<VersionRecord>;

  createReplica(replica: { functionId: string; name: string; remark: string; content: string; sha256: string }, maxReplicas: number): Promise<ReplicaRecord>;
  listReplicas(functionId: string): Promise<ReplicaRecord[]>;
  getReplica(functionId: string, name: string): Promise<ReplicaWithContent>;
  /** Fails with FailedOperation.ReplicaRevisionConflict when `expectedRevision` is stale. */
  updateReplica(
    functionId: string,
    name: string,
    patch: { content?: string; sha256?: string; remark?: string },
    expectedRevision?: number,
  ): Promise<ReplicaRecord>;
  /** Deletes the named replicas: all of them, or (one missing) none. */
  deleteReplicas(functionId: string, names: string[]): Promise<void>;
  /** Sets (or, with null, ends) a replica's share of production traffic; one replica of a function at a time. */
  setRollout(functionId: string, name: string, rollout: Rollout | null): Promise<ReplicaRecord>;
  /**
   * Ends the rollout that started at `since` and records why; does nothing (returns false) when
   * the replica's rollout has changed since then.
   */
  stopRollout(functionId: string, name: string, since: string, stop: RolloutStop): Promise<boolean>;
  /** Sets (or, with null, ends) the traffic mirrored to a replica; one replica of a function at a time. */
  setShadow(functionId: string, name: string, shadow: Shadow | null): Promise<ReplicaRecord>;

  /** Applies the edit whole or not at all; the result may hold at most `maxVars` vars. */
  editEnv(functionId: string, edit: EnvEdit, maxVars: number): Promise<EnvRecord[]>;
  listEnv(functionId: string): Promise<EnvRecord[]>;

  createRule(rule: { zoneId: string; conditions: ConditionGroup[]; action: RuleAction; remark: string }, maxRules: number): Promise<RuleRecord>;
  listRules(zoneId: string): Promise<RuleRecord[]>;
  getRule(zoneId: string, id: string): Promise<RuleRecord>;
  updateRule(zoneId: string, id: string, patch: { conditions?: ConditionGroup[]; action?: RuleAction; remark?: string }): Promise<RuleRecord>;
  /** Deletes the rules: all of them, or (one missing) none. */
  deleteRules(zoneId: string, ids: string[]): Promise<void>;
  /** `ids` must name every rule of the zone exactly once; the first runs first. */
  reorderRules(zoneId: string, ids: string[]): Promise<RuleRecord[]>;

  /** At most `maxKeys` keys; `storedSecret` is ciphertext. */
  createApiKey(key: { secretId: string; storedSecret: string; remark: string }, maxKeys: number): Promise<ApiKeyRecord>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /** The stored (encrypted) secret of a key, or undefined when there is no such key. */
  apiKeySecret(secretId: string): Promise<string | undefined>;
  deleteApiKey(secretId: string): Promise<void>;

  /** Calls `listener` after each committed change, in order. Returns an unsubscribe function. */
  subscribe(listener: (change: Change) => void): () => void;
  close(): Promise<void>;
}
