/** What the store keeps. Times are ISO-8601 strings (UTC). */
import type { ConditionGroup, RuleAction } from '../domain/rules.ts';

export interface ZoneRecord {
  id: string;
  name: string;
  origin: string;
  createdAt: string;
  updatedAt: string;
}

/** How a production version came to be. */
export type VersionSource = 'create' | 'modify' | `sync:${string}` | `rollback:${string}`;

export interface VersionRecord {
  id: string;
  functionId: string;
  sha256: string;
  source: VersionSource;
  remark: string;
  createdAt: string;
}

export interface VersionWithContent extends VersionRecord {
  content: string;
}

export interface FunctionRecord {
  id: string;
  zoneId: string;
  name: string;
  remark: string;
  productionVersionId: string;
  createdAt: string;
  updatedAt: string;
}

export interface ReplicaRecord {
  functionId: string;
  name: string;
  remark: string;
  revision: number;
  createdAt: string;
  modifiedAt: string;
  /** The share of production traffic this replica serves, or null. */
  rollout: Rollout | null;
  /** Why the last rollout stopped by itself (its abortIf tripped), until the next one starts. */
  rolloutStop: RolloutStop | null;
  /** The sample of production traffic mirrored to this replica, or null. */
  shadow: Shadow | null;
}

export type { Rollout, RolloutStop, Shadow } from '../domain/replica-traffic.ts';
import type { Rollout, RolloutStop, Shadow } from '../domain/replica-traffic.ts';

export interface ReplicaWithContent extends ReplicaRecord {
  content: string;
  sha256: string;
}

export type { EnvType } from '../domain/names.ts';
import type { EnvType } from '../domain/names.ts';

/** An env var as stored: secrets hold ciphertext, never plaintext. */
export interface EnvRecord {
  functionId: string;
  key: string;
  type: EnvType;
  value: string;
  updatedAt: string;
}

/** Changes to a function's env vars, made in one transaction in this order: clear, remove, set. */
export interface EnvEdit {
  /** Removes every env var that is not a secret first. */
  clearPlain?: boolean;
  /** Keys to remove; each must exist (ResourceUnavailable.EnvironmentVariableNotFound). */
  remove?: string[];
  /** Vars to add or replace; secrets hold ciphertext. */
  set?: { key: string; type: EnvType; value: string }[];
  /** Refuses to remove or replace a secret (the EdgeOne API, which cannot see secrets, sets this). */
  keepSecrets?: boolean;
}

/** An API key of the EdgeOne-compatible API, without its secret. */
export interface ApiKeyRecord {
  secretId: string;
  remark: string;
  createdAt: string;
}

export interface RuleRecord {
  id: string;
  zoneId: string;
  priority: number;
  conditions: ConditionGroup[];
  action: RuleAction;
  remark: string;
  createdAt: string;
  updatedAt: string;
}

/** One committed change, in commit order. Followers (gateways) reload what it names. */
export interface Change {
  seq: number;
  zoneId: string;
  kind: 'zone' | 'function' | 'replica' | 'env' | 'rule';
  entityId: string;
}
