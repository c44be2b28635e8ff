/**
 * The embedded store: one SQLite file (WAL, synchronous=FULL), so an acknowledged change survives
 * `kill -9` and a half-done one never shows. Each mutation runs in one transaction and writes its
 * change-log row in that same transaction; subscribers hear of it right after the commit.
 */
import Database from 'better-sqlite3';
import { EdgefnError } from '../domain/errors.ts';
import { newFunctionId, newRuleId, newVersionId, newZoneId } from '../domain/ids.ts';
import type { ConditionGroup, RuleAction } from '../domain/rules.ts';
import { migrations } from './migrations.ts';
import type { NewVersion, Store } from './store.ts';
import type {
  ApiKeyRecord,
  EnvEdit,
  Change,
  EnvRecord,
  EnvType,
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

type Row = Record<string, unknown>;

const now = (): string => new Date().toISOString();

const zoneOf = (r: Row): ZoneRecord => ({ id: r.id as string, name: r.name as string, origin: r.origin as string, createdAt: r.created_at as string, updatedAt: r.updated_at as string });
const functionOf = (r: Row): FunctionRecord => ({
  id: r.id as string,
  zoneId: r.zone_id as string,
  name: r.name as string,
  remark: r.remark as string,
  productionVersionId: r.production_version_id as string,
  createdAt: r.created_at as string,
  updatedAt: r.updated_at as string,
});
const versionOf = (r: Row): VersionRecord => ({
  id: r.id as string,
  functionId: r.function_id as string,
  sha256: r.sha256 as string,
  source: r.source as VersionSource,
  remark: r.remark as string,
  createdAt: r.created_at as string,
});
const replicaOf = (r: Row): ReplicaRecord => ({
  functionId: r.function_id as string,
  name: r.name as string,
  remark: r.remark as string,
  revision: r.revision as number,
  createdAt: r.created_at as string,
  modifiedAt: r.modified_at as string,
  rollout: typeof r.rollout === 'string' ? (JSON.parse(r.rollout) as Rollout) : null,
  rolloutStop: typeof r.rollout_stop === 'string' ? (JSON.parse(r.rollout_stop) as RolloutStop) : null,
  shadow: typeof r.shadow === 'string' ? (JSON.parse(r.shadow) as Shadow) : null,
});
const envOf = (r: Row): EnvRecord => ({ functionId: r.function_id as string, key: r.key as string, type: r.type as EnvType, value: r.value as string, updatedAt: r.updated_at as string });
const ruleOf = (r: Row): RuleRecord => ({
  id: r.id as string,
  zoneId: r.zone_id as string,
  priority: r.priority as number,
  conditions: JSON.parse(r.conditions as string) as ConditionGroup[],
  action: JSON.parse(r.action as string) as RuleAction,
  remark: r.remark as string,
  createdAt: r.created_at as string,
  updatedAt: r.updated_at as string,
});

export interface SqliteStoreOptions {
  /** Path of the database file (':memory:' for tests that do not need a file). */
  path: string;
}

export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #listeners = new Set<(change: Change) => void>();
  #pending: Change[] = [];

  constructor(options: SqliteStoreOptions) {
    this.#db = new Database(options.path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma('busy_timeout = 5000');
    this.#migrate();
  }

  #migrate(): void {
    const current = this.#db.pragma('user_version', { simple: true }) as number;
    for (let i = current; i < migrations.length; i++) {
      this.#db.transaction(() => {
        this.#db.exec(migrations[i]!);
        this.#db.pragma(`user_version = ${i + 1}`);
      })();
    }
  }

  /** Runs `fn` in one transaction; its changes are announced after the commit. */
  #write<T>(fn: () => T): T {
    this.#pending = [];
    let result: T;
    try {
      result = this.#db.transaction(fn)();
    } catch (error) {
      this.#pending = [];
      throw error;
    }
    const committed = this.#pending;
    this.#pending = [];
    for (const change of committed) for (const listener of this.#listeners) listener(change);
    return result;
  }

  #logChange(zoneId: string, kind: Change['kind'], entityId: string): void {
    const info = this.#db.prepare('INSERT INTO changes (zone_id, kind, entity_id, at) VALUES (?, ?, ?, ?)').run(zoneId, kind, entityId, now());
    this.#pending.push({ seq: Number(info.lastInsertRowid), zoneId, kind, entityId });
  }

  #one(sql: string, ...params: unknown[]): Row | undefined {
    return this.#db.prepare(sql).get(...params) as Row | undefined;
  }

  #all(sql: string, ...params: unknown[]): Row[] {
    return this.#db.prepare(sql).all(...params) as Row[];
  }

  #zone(id: string): ZoneRecord {
    const row = this.#one('SELECT * FROM zones WHERE id = ?', id);
    if (!row) throw new EdgefnError('ResourceUnavailable.ZoneNotFound', `Zone ${id} does not exist`);
    return zoneOf(row);
  }

  #function(id: string): FunctionRecord {
    const row = this.#one('SELECT * FROM functions WHERE id = ?', id);
    if (!row) throw new EdgefnError('ResourceUnavailable.FunctionNotFound', `Function ${id} does not exist`);
    return functionOf(row);
  }

  #putCode(sha256: string, content: string): void {
    this.#db.prepare('INSERT OR IGNORE INTO code (sha256, content) VALUES (?, ?)').run(sha256, content);
  }

  #insertVersion(functionId: string, version: NewVersion, at: string): VersionWithContent {
    this.#putCode(version.sha256, version.content);
    const seq = ((this.#one('SELECT MAX(seq) AS s FROM versions WHERE function_id = ?', functionId)?.s as number | null) ?? 0) + 1;
    const id = newVersionId();
    this.#db
      .prepare('INSERT INTO versions (id, function_id, seq, sha256, source, remark, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(id, functionId, seq, version.sha256, version.source, version.remark, at);
    return { id, functionId, sha256: version.sha256, source: version.source, remark: version.remark, createdAt: at, content: version.content };
  }

  async createZone(zone: { name: string; origin: string }): Promise<ZoneRecord> {
    return this.#write(() => {
      if (this.#one('SELECT 1 FROM zones WHERE name = ?', zone.name)) {
        throw new EdgefnError('InvalidParameter.ZoneNameConflict', `A zone named ${zone.name} already exists`);
      }
      const at = now();
      const record: ZoneRecord = { id: newZoneId(), name: zone.name, origin: zone.origin, createdAt: at, updatedAt: at };
      this.#db.prepare('INSERT INTO zones (id, name, origin, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(record.id, record.name, record.origin, at, at);
      this.#logChange(record.id, 'zone', record.id);
      return record;
    });
  }

  async listZones(): Promise<ZoneRecord[]> {
    return this.#all('SELECT * FROM zones ORDER BY created_at, id').map(zoneOf);
  }

  async getZone(id: string): Promise<ZoneRecord> {
    return this.#zone(id);
  }

  async updateZone(id: string, patch: { origin?: string }): Promise<ZoneRecord> {
    return this.#write(() => {
      const zone = this.#zone(id);
      const next = { ...zone, origin: patch.origin ?? zone.origin, updatedAt: now() };
      this.#db.prepare('UPDATE zones SET origin = ?, updated_at = ? WHERE id = ?').run(next.origin, next.updatedAt, id);
      this.#logChange(id, 'zone', id);
      return next;
    });
  }

  async deleteZone(id: string): Promise<void> {
    this.#write(() => {
      this.#zone(id);
      this.#db.prepare('DELETE FROM zones WHERE id = ?').run(id);
      this.#logChange(id, 'zone', id);
    });
  }

  async createFunction(fn: { zoneId: string; name: string; remark: string }, version: NewVersion, maxFunctions: number): Promise<FunctionRecord> {
    return this.#write(() => {
      this.#zone(fn.zoneId);
      if (this.#one('SELECT 1 FROM functions WHERE zone_id = ? AND name = ?', fn.zoneId, fn.name)) {
        throw new EdgefnError('InvalidParameter.FunctionNameConflict', `A function named ${fn.name} already exists in zone ${fn.zoneId}`);
      }
      const count = this.#one('SELECT COUNT(*) AS n FROM functions WHERE zone_id = ?', fn.zoneId)?.n as number;
      if (count >= maxFunctions) {
        throw new EdgefnError('LimitExceeded.FunctionLimitExceeded', `A zone has at most ${maxFunctions} functions`);
      }
      const at = now();
      const id = newFunctionId();
      // The function row needs its first version's id, and the version row needs the function.
      this.#db.pragma('defer_foreign_keys = ON');
      const first = this.#insertVersion(id, version, at);
      this.#db
        .prepare('INSERT INTO functions (id, zone_id, name, remark, production_version_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(id, fn.zoneId, fn.name, fn.remark, first.id, at, at);
      this.#logChange(fn.zoneId, 'function', id);
      return { id, zoneId: fn.zoneId, name: fn.name, remark: fn.remark, productionVersionId: first.id, createdAt: at, updatedAt: at };
    });
  }

  async listFunctions(zoneId?: string): Promise<FunctionRecord[]> {
    const rows = zoneId === undefined ? this.#all('SELECT * FROM functions ORDER BY created_at, id') : this.#all('SELECT * FROM functions WHERE zone_id = ? ORDER BY created_at, id', zoneId);
    return rows.map(functionOf);
  }

  async getFunction(id: string): Promise<FunctionRecord> {
    return this.#function(id);
  }

  async modifyFunction(id: string, patch: { remark?: string; version?: NewVersion; asReplicaSync?: boolean }): Promise<FunctionRecord> {
    return this.#write(() => {
      const fn = this.#function(id);
      const at = now();
      const remark = patch.remark ?? fn.remark;
      let version = patch.version;
      // Checked in this transaction: the code that goes live is the caller's, whatever the
      // replica holds a moment later.
      const replica = version && patch.asReplicaSync ? this.#one('SELECT name, remark FROM replicas WHERE function_id = ? AND sha256 = ? ORDER BY created_at, name LIMIT 1', id, version.sha256) : undefined;
      if (version && replica) version = { ...version, source: `sync:${replica.name as string}`, remark: patch.remark ?? (replica.remark as string) };
      const productionVersionId = version ? this.#insertVersion(id, version, at).id : fn.productionVersionId;
      this.#db.prepare('UPDATE functions SET remark = ?, production_version_id = ?, updated_at = ? WHERE id = ?').run(remark, productionVersionId, at, id);
      this.#logChange(fn.zoneId, 'function', id);
      if (replica) this.#endReplicaTraffic(fn, replica.name as string);
      return { ...fn, remark, productionVersionId, updatedAt: at };
    });
  }

  /** A synced replica's code is production now: traffic sent to it for comparison ends in the same commit. */
  #endReplicaTraffic(fn: FunctionRecord, name: string): void {
    if (this.#db.prepare('UPDATE replicas SET rollout = NULL, shadow = NULL WHERE function_id = ? AND name = ? AND (rollout IS NOT NULL OR shadow IS NOT NULL)').run(fn.id, name).changes > 0) {
      this.#logChange(fn.zoneId, 'replica', `${fn.id}/${name}`);
    }
  }

  async deleteFunction(id: string): Promise<void> {
    this.#write(() => {
      const fn = this.#function(id);
      // A weight or region rule choosing among several functions cannot lose one silently.
      const sharing = this.#db
        .prepare("SELECT rules.id FROM rules, json_each(rules.action, '$.targets') AS t WHERE rules.zone_id = ? AND json_extract(t.value, '$.functionId') = ?")
        .all(fn.zoneId, id) as { id: string }[];
      if (sharing.length > 0) {
        const ids = sharing.map((r) => r.id).join(', ');
        throw new EdgefnError('FailedOperation.FunctionInUse', `Function ${id} is a target of the weight or region rule(s) ${ids}: change or delete them first`);
      }
      // Rules that run only this function go with it, as in EdgeOne's DeleteFunction.
      this.#db.prepare("DELETE FROM rules WHERE zone_id = ? AND json_extract(action, '$.type') = 'direct' AND json_extract(action, '$.functionId') = ?").run(fn.zoneId, id);
      this.#db.prepare('DELETE FROM functions WHERE id = ?').run(id);
      this.#logChange(fn.zoneId, 'function', id);
    });
  }

  async addProductionVersion(functionId: string, version: NewVersion, expectedProductionId?: string, syncedReplica?: string): Promise<VersionWithContent> {
    return this.#write(() => {
      const fn = this.#function(functionId);
      if (expectedProductionId !== undefined && fn.productionVersionId !== expectedProductionId) {
        throw new EdgefnError(
          'FailedOperation.ProductionChanged',
          `Production is now version ${fn.productionVersionId}, not ${expectedProductionId}: compare again before syncing`,
          { productionVersion: fn.productionVersionId },
        );
      }
      const at = now();
      const created = this.#insertVersion(functionId, version, at);
      this.#db.prepare('UPDATE functions SET production_version_id = ?, updated_at = ? WHERE id = ?').run(created.id, at, functionId);
      this.#logChange(fn.zoneId, 'function', functionId);
      // No request sees the new production and an old rollout together.
      if (syncedReplica !== undefined) this.#endReplicaTraffic(fn, syncedReplica);
      return created;
    });
  }

  async listVersions(functionId: string): Promise<VersionRecord[]> {
    this.#function(functionId);
    return this.#all('SELECT * FROM versions WHERE function_id = ? ORDER BY seq DESC', functionId).map(versionOf);
  }

  async getVersionRecord(functionId: string, versionId: string): Promise<VersionRecord> {
    const row = this.#one('SELECT * FROM versions WHERE function_id = ? AND id = ?', functionId, versionId);
    if (!row) throw new EdgefnError('ResourceUnavailable.VersionNotFound', `Function ${functionId} has no version ${versionId}`);
    return versionOf(row);
  }

  async getVersion(functionId: string, versionId: string): Promise<VersionWithContent> {
    this.#function(functionId);
    const row = this.#one('SELECT v.*, c.content FROM versions v JOIN code c ON c.sha256 = v.sha256 WHERE v.function_id = ? AND v.id = ?', functionId, versionId);
    if (!row) throw new EdgefnError('ResourceUnavailable.VersionNotFound', `Function ${functionId} has no version ${versionId}`);
    return { ...versionOf(row), content: row.content as string };
  }

  async createReplica(replica: { functionId: string; name: string; remark: string; content: string; sha256: string }, maxReplicas: number): Promise<ReplicaRecord> {
    return this.#write(() => {
      const fn = this.#function(replica.functionId);
      if (this.#one('SELECT 1 FROM replicas WHERE function_id = ? AND name = ?', replica.functionId, replica.name)) {
        throw new EdgefnError('InvalidParameter.ReplicaNameConflict', `Function ${fn.id} already has a replica named ${replica.name}`);
      }
      const count = this.#one('SELECT COUNT(*) AS n FROM replicas WHERE function_id = ?', replica.functionId)?.n as number;
      if (count >= maxReplicas) {
        throw new EdgefnError('LimitExceeded.ReplicaLimitExceeded', `A function has at most ${maxReplicas} replicas`);
      }
      const at = now();
      this.#putCode(replica.sha256, replica.content);
      this.#db
        .prepare('INSERT INTO replicas (function_id, name, remark, sha256, revision, created_at, modified_at) VALUES (?, ?, ?, ?, 1, ?, ?)')
        .run(replica.functionId, replica.name, replica.remark, replica.sha256, at, at);
      this.#logChange(fn.zoneId, 'replica', `${fn.id}/${replica.name}`);
      return { functionId: replica.functionId, name: replica.name, remark: replica.remark, revision: 1, createdAt: at, modifiedAt: at, rollout: null, rolloutStop: null, shadow: null };
    });
  }

  async listReplicas(functionId: string): Promise<ReplicaRecord[]> {
    this.#function(functionId);
    return this.#all('SELECT * FROM replicas WHERE function_id = ? ORDER BY created_at, name', functionId).map(replicaOf);
  }

  #replica(functionId: string, name: string): Row {
    const row = this.#one('SELECT r.*, c.content FROM replicas r JOIN code c ON c.sha256 = r.sha256 WHERE r.function_id = ? AND r.name = ?', functionId, name);
    if (!row) throw new EdgefnError('ResourceUnavailable.ReplicaNotFound', `Function ${functionId} has no replica named ${name}`);
    return row;
  }

  async getReplica(functionId: string, name: string): Promise<ReplicaWithContent> {
    this.#function(functionId);
    const row = this.#replica(functionId, name);
    return { ...replicaOf(row), content: row.content as string, sha256: row.sha256 as string };
  }

  async updateReplica(functionId: string, name: string, patch: { content?: string; sha256?: string; remark?: string }, expectedRevision?: number): Promise<ReplicaRecord> {
    return this.#write(() => {
      const fn = this.#function(functionId);
      const current = replicaOf(this.#replica(functionId, name));
      if (expectedRevision !== undefined && current.revision !== expectedRevision) {
        throw new EdgefnError(
          'FailedOperation.ReplicaRevisionConflict',
          `Replica ${name} is at revision ${current.revision}, not ${expectedRevision}: reload it before saving`,
          { revision: current.revision },
        );
      }
      const at = now();
      if (patch.content !== undefined && patch.sha256 !== undefined) {
        this.#putCode(patch.sha256, patch.content);
        this.#db.prepare('UPDATE replicas SET sha256 = ? WHERE function_id = ? AND name = ?').run(patch.sha256, functionId, name);
      }
      const remark = patch.remark ?? current.remark;
      const revision = current.revision + 1;
      this.#db.prepare('UPDATE replicas SET remark = ?, revision = ?, modified_at = ? WHERE function_id = ? AND name = ?').run(remark, revision, at, functionId, name);
      this.#logChange(fn.zoneId, 'replica', `${functionId}/${name}`);
      return { ...current, remark, revision, modifiedAt: at };
    });
  }

  async setRollout(functionId: string, name: string, rollout: Rollout | null): Promise<ReplicaRecord> {
    return this.#write(() => {
      const fn = this.#function(functionId);
      this.#replica(functionId, name);
      // One replica at a time: two shares would have to agree on one draw and one sticky key for
      // clients to stay put, and changing one would move the other's clients.
      const other = this.#one('SELECT name FROM replicas WHERE function_id = ? AND name != ? AND rollout IS NOT NULL', functionId, name);
      if (rollout && other) {
        throw new EdgefnError('FailedOperation.RolloutInProgress', `Replica ${other.name as string} of ${functionId} is already on a rollout: end it first (one replica at a time)`);
      }
      // A new rollout forgets why the last one stopped; ending one keeps it.
      if (rollout) this.#db.prepare('UPDATE replicas SET rollout = ?, rollout_stop = NULL WHERE function_id = ? AND name = ?').run(JSON.stringify(rollout), functionId, name);
      else this.#db.prepare('UPDATE replicas SET rollout = NULL WHERE function_id = ? AND name = ?').run(functionId, name);
      this.#logChange(fn.zoneId, 'replica', `${functionId}/${name}`);
      return replicaOf(this.#replica(functionId, name));
    });
  }

  async stopRollout(functionId: string, name: string, since: string, stop: RolloutStop): Promise<boolean> {
    return this.#write(() => {
      const fn = this.#function(functionId);
      const row = this.#replica(functionId, name);
      const rollout = typeof row.rollout === 'string' ? (JSON.parse(row.rollout) as Rollout) : null;
      if (rollout?.since !== since) return false;
      this.#db.prepare('UPDATE replicas SET rollout = NULL, rollout_stop = ? WHERE function_id = ? AND name = ?').run(JSON.stringify(stop), functionId, name);
      this.#logChange(fn.zoneId, 'replica', `${functionId}/${name}`);
      return true;
    });
  }

  async setShadow(functionId: string, name: string, shadow: Shadow | null): Promise<ReplicaRecord> {
    return this.#write(() => {
      const fn = this.#function(functionId);
      this.#replica(functionId, name);
      // One replica at a time: each mirrored request costs the replica lane a whole execution.
      const other = this.#one('SELECT name FROM replicas WHERE function_id = ? AND name != ? AND shadow IS NOT NULL', functionId, name);
      if (shadow && other) {
        throw new EdgefnError('FailedOperation.ShadowInProgress', `Replica ${other.name as string} of ${functionId} already receives shadow traffic: end it first (one replica at a time)`);
      }
      this.#db.prepare('UPDATE replicas SET shadow = ? WHERE function_id = ? AND name = ?').run(shadow ? JSON.stringify(shadow) : null, functionId, name);
      this.#logChange(fn.zoneId, 'replica', `${functionId}/${name}`);
      return replicaOf(this.#replica(functionId, name));
    });
  }

  async deleteReplicas(functionId: string, names: string[]): Promise<void> {
    this.#write(() => {
      const fn = this.#function(functionId);
      for (const name of new Set(names)) {
        this.#replica(functionId, name);
        this.#db.prepare('DELETE FROM replicas WHERE function_id = ? AND name = ?').run(functionId, name);
        this.#logChange(fn.zoneId, 'replica', `${functionId}/${name}`);
      }
    });
  }

  async editEnv(functionId: string, edit: EnvEdit, maxVars: number): Promise<EnvRecord[]> {
    return this.#write(() => {
      const fn = this.#function(functionId);
      if (edit.clearPlain) this.#db.prepare("DELETE FROM env_vars WHERE function_id = ? AND type <> 'secret'").run(functionId);
      if (edit.keepSecrets) {
        for (const key of [...(edit.remove ?? []), ...(edit.set ?? []).map((v) => v.key)]) {
          if (this.#one("SELECT 1 FROM env_vars WHERE function_id = ? AND key = ? AND type = 'secret'", functionId, key)) {
            throw new EdgefnError('FailedOperation.SecretEnvironmentVariable', `${key} is a secret: change or delete it with edgefn's own API, CLI or console`);
          }
        }
      }
      for (const key of edit.remove ?? []) {
        const info = this.#db.prepare('DELETE FROM env_vars WHERE function_id = ? AND key = ?').run(functionId, key);
        if (info.changes === 0) throw new EdgefnError('ResourceUnavailable.EnvironmentVariableNotFound', `Function ${functionId} has no environment variable ${key}`);
      }
      const at = now();
      const upsert = this.#db.prepare('INSERT INTO env_vars (function_id, key, type, value, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (function_id, key) DO UPDATE SET type = excluded.type, value = excluded.value, updated_at = excluded.updated_at');
      for (const v of edit.set ?? []) upsert.run(functionId, v.key, v.type, v.value, at);
      const count = this.#one('SELECT COUNT(*) AS n FROM env_vars WHERE function_id = ?', functionId)?.n as number;
      if (count > maxVars) throw new EdgefnError('LimitExceeded.EnvironmentVariableLimitExceeded', `A function has at most ${maxVars} environment variables`);
      this.#logChange(fn.zoneId, 'env', functionId);
      return this.#all('SELECT * FROM env_vars WHERE function_id = ? ORDER BY key', functionId).map(envOf);
    });
  }

  async listEnv(functionId: string): Promise<EnvRecord[]> {
    this.#function(functionId);
    return this.#all('SELECT * FROM env_vars WHERE function_id = ? ORDER BY key', functionId).map(envOf);
  }

  #rule(zoneId: string, id: string): RuleRecord {
    const row = this.#one('SELECT * FROM rules WHERE zone_id = ? AND id = ?', zoneId, id);
    if (!row) throw new EdgefnError('ResourceUnavailable.RuleNotFound', `Zone ${zoneId} has no rule ${id}`);
    return ruleOf(row);
  }

  async createRule(rule: { zoneId: string; conditions: ConditionGroup[]; action: RuleAction; remark: string }, maxRules: number): Promise<RuleRecord> {
    return this.#write(() => {
      this.#zone(rule.zoneId);
      const row = this.#one('SELECT COUNT(*) AS n, MAX(priority) AS p FROM rules WHERE zone_id = ?', rule.zoneId);
      if ((row?.n as number) >= maxRules) throw new EdgefnError('LimitExceeded.RuleLimitExceeded', `A zone has at most ${maxRules} trigger rules`);
      const priority = ((row?.p as number | null) ?? 0) + 1;
      const at = now();
      const id = newRuleId();
      this.#db
        .prepare('INSERT INTO rules (id, zone_id, priority, conditions, action, remark, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(id, rule.zoneId, priority, JSON.stringify(rule.conditions), JSON.stringify(rule.action), rule.remark, at, at);
      this.#logChange(rule.zoneId, 'rule', id);
      return { id, zoneId: rule.zoneId, priority, conditions: rule.conditions, action: rule.action, remark: rule.remark, createdAt: at, updatedAt: at };
    });
  }

  async listRules(zoneId: string): Promise<RuleRecord[]> {
    this.#zone(zoneId);
    return this.#all('SELECT * FROM rules WHERE zone_id = ? ORDER BY priority', zoneId).map(ruleOf);
  }

  async getRule(zoneId: string, id: string): Promise<RuleRecord> {
    this.#zone(zoneId);
    return this.#rule(zoneId, id);
  }

  async updateRule(zoneId: string, id: string, patch: { conditions?: ConditionGroup[]; action?: RuleAction; remark?: string }): Promise<RuleRecord> {
    return this.#write(() => {
      this.#zone(zoneId);
      const current = this.#rule(zoneId, id);
      const next = { ...current, ...patch, updatedAt: now() };
      this.#db
        .prepare('UPDATE rules SET conditions = ?, action = ?, remark = ?, updated_at = ? WHERE id = ?')
        .run(JSON.stringify(next.conditions), JSON.stringify(next.action), next.remark, next.updatedAt, id);
      this.#logChange(zoneId, 'rule', id);
      return next;
    });
  }

  async deleteRules(zoneId: string, ids: string[]): Promise<void> {
    this.#write(() => {
      this.#zone(zoneId);
      for (const id of new Set(ids)) {
        this.#rule(zoneId, id);
        this.#db.prepare('DELETE FROM rules WHERE id = ?').run(id);
        this.#logChange(zoneId, 'rule', id);
      }
    });
  }

  async reorderRules(zoneId: string, ids: string[]): Promise<RuleRecord[]> {
    return this.#write(() => {
      this.#zone(zoneId);
      const existing = this.#all('SELECT id FROM rules WHERE zone_id = ?', zoneId).map((r) => r.id as string);
      const given = new Set(ids);
      if (given.size !== ids.length || ids.length !== existing.length || existing.some((id) => !given.has(id))) {
        throw new EdgefnError('InvalidParameter.InvalidRuleOrder', `ruleIds must list each of the zone's ${existing.length} rules exactly once`);
      }
      const update = this.#db.prepare('UPDATE rules SET priority = ? WHERE id = ?');
      ids.forEach((id, i) => update.run(i + 1, id));
      this.#logChange(zoneId, 'rule', zoneId);
      return this.#all('SELECT * FROM rules WHERE zone_id = ? ORDER BY priority', zoneId).map(ruleOf);
    });
  }
  async createApiKey(key: { secretId: string; storedSecret: string; remark: string }, maxKeys: number): Promise<ApiKeyRecord> {
    return this.#write(() => {
      const count = this.#one('SELECT COUNT(*) AS n FROM api_keys')?.n as number;
      if (count >= maxKeys) throw new EdgefnError('LimitExceeded.ApiKeyLimitExceeded', `At most ${maxKeys} API keys; delete one first`);
      const at = now();
      this.#db.prepare('INSERT INTO api_keys (secret_id, secret_key, remark, created_at) VALUES (?, ?, ?, ?)').run(key.secretId, key.storedSecret, key.remark, at);
      return { secretId: key.secretId, remark: key.remark, createdAt: at };
    });
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    return this.#all('SELECT secret_id, remark, created_at FROM api_keys ORDER BY created_at, secret_id').map((r) => ({ secretId: r.secret_id as string, remark: r.remark as string, createdAt: r.created_at as string }));
  }

  async apiKeySecret(secretId: string): Promise<string | undefined> {
    return this.#one('SELECT secret_key FROM api_keys WHERE secret_id = ?', secretId)?.secret_key as string | undefined;
  }

  async deleteApiKey(secretId: string): Promise<void> {
    this.#write(() => {
      const info = this.#db.prepare('DELETE FROM api_keys WHERE secret_id = ?').run(secretId);
      if (info.changes === 0) throw new EdgefnError('ResourceUnavailable.ApiKeyNotFound', `There is no API key ${secretId}`);
    });
  }


  subscribe(listener: (change: Change) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }


  async close(): Promise<void> {
    this.#listeners.clear();
    this.#db.close();
  }
}
