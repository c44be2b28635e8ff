/**
 * The use cases of the control plane: zones, functions, versions, env vars, replicas (with compare
 * and sync), and trigger rules. Input arrives parsed (see api-input.ts); everything that breaks a
 * rule of the domain fails with an EdgefnError before anything is written.
 */
import { createHash } from 'node:crypto';
import { EdgefnError } from '../domain/errors.ts';
import { defaultDomain } from '../domain/ids.ts';
import {
  maxEnvVarsPerFunction,
  maxFunctionsPerZone,
  maxReplicasPerFunction,
  maxRulesPerZone,
  parseEnvValue,
  validateCodeSize,
  validateEnvName,
  validateEnvValue,
  validateFunctionName,
  validateFunctionRemark,
  validateOrigin,
  isReplicaName,
  validateReplicaName,
  validateReplicaRemark,
  validateRuleRemark,
  validateZoneName,
} from '../domain/names.ts';
import { parseConditions, parseRuleAction, type RuleAction } from '../domain/rules.ts';
import { unifiedDiff } from '../domain/diff.ts';
import type { Store } from '../store/store.ts';
import type { SecretBox } from '../store/secrets.ts';
import { InvocationLog, type InvocationPage, type InvocationRecord, type RecordListener } from '../store/invocation-log.ts';
import type { EnvEdit, EnvType, FunctionRecord, ReplicaRecord, RuleRecord, VersionRecord, ZoneRecord } from '../store/types.ts';
import type { CodeProblem } from '../runtime/compile.ts';

export interface ControlOptions {
  store: Store;
  secrets: SecretBox;
  /** Checks code before it is saved (size, syntax). */
  checkCode: (code: string) => CodeProblem | null;
  /** Default access domains are `<function>-<zone id part>.<domainSuffix>`. */
  domainSuffix: string;
  /**
   * Where invocation records are kept (default: an empty one of the default size); null when they
   * are off (`serve --invocation-logs off`): the logs API then answers FailedOperation.InvocationLogsOff.
   */
  logs?: InvocationLog | null;
}

export interface FunctionView {
  id: string;
  zoneId: string;
  name: string;
  remark: string;
  domain: string;
  productionVersion: { id: string; sha256: string; source: string; createdAt: string };
  createdAt: string;
  updatedAt: string;
}

export interface EnvView {
  key: string;
  type: EnvType;
  /** Absent for secrets: they are write-only. */
  value?: string;
  updatedAt: string;
}

const sha256 = (content: string): string => createHash('sha256').update(content).digest('hex');

export class ControlPlane {
  readonly #store: Store;
  readonly #secrets: SecretBox;
  readonly #checkCode: (code: string) => CodeProblem | null;
  readonly #suffix: string;
  readonly #logs: InvocationLog | null;

  constructor(options: ControlOptions) {
    this.#store = options.store;
    this.#secrets = options.secrets;
    this.#checkCode = options.checkCode;
    this.#suffix = options.domainSuffix;
    this.#logs = options.logs === undefined ? new InvocationLog() : options.logs;
  }

  /** Rejects code that is too large or does not parse; nothing is saved. */
  #assertCode(content: string): void {
    validateCodeSize(content);
    const problem = this.#checkCode(content);
    if (problem) {
      throw new EdgefnError(problem.code, problem.message, problem.line === undefined ? undefined : { line: problem.line, column: problem.column });
    }
  }

  // Zones

  createZone(input: { name: string; origin: string }): Promise<ZoneRecord> {
    return this.#store.createZone({ name: validateZoneName(input.name), origin: validateOrigin(input.origin) });
  }

  listZones(): Promise<ZoneRecord[]> {
    return this.#store.listZones();
  }

  getZone(id: string): Promise<ZoneRecord> {
    return this.#store.getZone(id);
  }

  updateZone(id: string, patch: { origin?: string }): Promise<ZoneRecord> {
    return this.#store.updateZone(id, patch.origin === undefined ? {} : { origin: validateOrigin(patch.origin) });
  }

  /** Deletes a zone with its functions, and so their invocation records (and ends their followers). */
  async deleteZone(id: string): Promise<void> {
    const functions = await this.#store.listFunctions(id);
    await this.#store.deleteZone(id);
    for (const fn of functions) this.#logs?.forget(fn.id);
  }

  // Functions and versions

  async #view(fn: FunctionRecord): Promise<FunctionView> {
    // Without the content: a list of 100 functions would otherwise read up to 500 MB of code.
    const version = await this.#store.getVersionRecord(fn.id, fn.productionVersionId);
    return {
      id: fn.id,
      zoneId: fn.zoneId,
      name: fn.name,
      remark: fn.remark,
      domain: defaultDomain(fn.name, fn.zoneId, this.#suffix),
      productionVersion: { id: version.id, sha256: version.sha256, source: version.source, createdAt: version.createdAt },
      createdAt: fn.createdAt,
      updatedAt: fn.updatedAt,
    };
  }

  async createFunction(input: { zoneId: string; name: string; content: string; remark?: string }): Promise<FunctionView> {
    validateFunctionName(input.name);
    const remark = input.remark ?? '';
    validateFunctionRemark(remark);
    this.#assertCode(input.content);
    const fn = await this.#store.createFunction(
      { zoneId: input.zoneId, name: input.name, remark },
      { content: input.content, sha256: sha256(input.content), source: 'create', remark },
      maxFunctionsPerZone,
    );
    return this.#view(fn);
  }

  async listFunctions(zoneId?: string): Promise<FunctionView[]> {
    if (zoneId !== undefined) await this.#store.getZone(zoneId);
    return Promise.all((await this.#store.listFunctions(zoneId)).map((fn) => this.#view(fn)));
  }

  /** A function variant's invocation records, newest first ('production' or a replica's name). */
  async listLogs(functionId: string, options: { variant: string; limit?: number; before?: string }): Promise<InvocationPage> {
    const logs = await this.#logsOf(functionId, options.variant);
    return logs.list(functionId, options.variant, options);
  }

  /** The record of one execution, by the request id the client got; undefined until it arrives. */
  async findLog(functionId: string, variant: string, requestId: string): Promise<InvocationRecord | undefined> {
    return (await this.#logsOf(functionId, variant)).find(functionId, variant, requestId);
  }

  /**
   * Follows a function's new invocation records (of one variant, or of all when `variant` is
   * undefined): `listener` hears of each as it arrives, `onEnd` when no more will (the function
   * was deleted, or the server is stopping). Returns the way to stop following.
   */
  async followLogs(functionId: string, variant: string | undefined, listener: RecordListener, onEnd: () => void): Promise<() => void> {
    const logs = await this.#logsOf(functionId, variant);
    const unsubscribe = logs.subscribe(functionId, variant, listener, onEnd);
    // Deleted meanwhile? Its records were forgotten before this follower came: look again, so no
    // follower waits on a function that is gone (a deletion from now on ends it).
    try {
      await this.#store.getFunction(functionId);
    } catch (error) {
      unsubscribe();
      throw error;
    }
    return unsubscribe;
  }

  /** The log, once the function is known to exist and the variant is well formed. */
  async #logsOf(functionId: string, variant: string | undefined): Promise<InvocationLog> {
    await this.#store.getFunction(functionId);
    if (variant !== undefined && variant !== 'production' && !isReplicaName(variant)) {
      throw new EdgefnError('InvalidParameter.InvalidParameter', "'variant' must be production or a replica name");
    }
    if (!this.#logs) throw new EdgefnError('FailedOperation.InvocationLogsOff', 'Invocation logs are off on this server (edgefn serve --invocation-logs off): no records are made');
    return this.#logs;
  }

  async getFunction(id: string): Promise<FunctionView> {
    return this.#view(await this.#store.getFunction(id));
  }

  /**
   * New content makes a new production version; a remark alone changes only the remark. With
   * `asReplicaSync` (the EdgeOne API's ModifyFunction, which is how EdgeOne syncs), content that
   * is exactly a replica's code is recorded as that replica's sync.
   */
  async updateFunction(id: string, patch: { content?: string; remark?: string }, options: { asReplicaSync?: boolean } = {}): Promise<FunctionView> {
    if (patch.remark !== undefined) validateFunctionRemark(patch.remark);
    if (patch.content !== undefined) this.#assertCode(patch.content);
    const fn = await this.#store.getFunction(id);
    const version = patch.content === undefined ? undefined : { content: patch.content, sha256: sha256(patch.content), source: 'modify' as const, remark: patch.remark ?? fn.remark };
    return this.#view(await this.#store.modifyFunction(id, { ...(patch.remark !== undefined ? { remark: patch.remark } : {}), ...(version ? { version } : {}), ...(options.asReplicaSync ? { asReplicaSync: true } : {}) }));
  }

  async deleteFunction(id: string): Promise<void> {
    await this.#store.deleteFunction(id);
    this.#logs?.forget(id);
  }

  listVersions(functionId: string): Promise<VersionRecord[]> {
    return this.#store.listVersions(functionId);
  }

  getVersion(functionId: string, versionId: string) {
    return this.#store.getVersion(functionId, versionId);
  }

  /** Rollback makes a new production version with an old version's content; history only grows. */
  async rollback(functionId: string, versionId: string) {
    const old = await this.#store.getVersion(functionId, versionId);
    const created = await this.#store.addProductionVersion(functionId, { content: old.content, sha256: old.sha256, source: `rollback:${versionId}`, remark: old.remark });
    return stripContent(created);
  }

  // Env vars and secrets

  async putEnv(functionId: string, key: string, input: { value: string; type: EnvType }): Promise<EnvView> {
    const all = await this.editEnv(functionId, { set: [{ key, ...input }] });
    return all.find((v) => v.key === key)!;
  }

  /**
   * Changes env vars in one transaction (clear, then remove, then set): every var is checked
   * before anything is written, and secrets are encrypted before they reach the store.
   */
  async editEnv(functionId: string, edit: Omit<EnvEdit, 'set'> & { set?: { key: string; value: string; type: EnvType }[] }): Promise<EnvView[]> {
    const set = (edit.set ?? []).map(({ key, value, type }) => {
      validateEnvName(key);
      validateEnvValue(value);
      parseEnvValue(type, value);
      return { key, type, value: type === 'secret' ? this.#secrets.encrypt(value) : value };
    });
    const records = await this.#store.editEnv(functionId, { ...edit, set }, maxEnvVarsPerFunction);
    return records.map((r) => envView(r.key, r.type, r.value, r.updatedAt));
  }

  async listEnv(functionId: string): Promise<EnvView[]> {
    return (await this.#store.listEnv(functionId)).map((r) => envView(r.key, r.type, r.value, r.updatedAt));
  }

  async deleteEnv(functionId: string, key: string): Promise<void> {
    await this.editEnv(functionId, { remove: [key] });
  }

  // Replicas

  async createReplica(functionId: string, input: { name: string; remark?: string } & ({ from: 'production' } | { content: string })): Promise<ReplicaRecord> {
    validateReplicaName(input.name);
    const remark = input.remark ?? '';
    validateReplicaRemark(remark);
    let content: string;
    if ('from' in input) {
      const fn = await this.#store.getFunction(functionId);
      content = (await this.#store.getVersion(functionId, fn.productionVersionId)).content;
    } else {
      content = input.content;
      this.#assertCode(content);
    }
    return this.#store.createReplica({ functionId, name: input.name, remark, content, sha256: sha256(content) }, maxReplicasPerFunction);
  }

  listReplicas(functionId: string): Promise<ReplicaRecord[]> {
    return this.#store.listReplicas(functionId);
  }

  async getReplica(functionId: string, name: string) {
    const { sha256: _hash, ...replica } = await this.#store.getReplica(functionId, name);
    return replica;
  }

  updateReplica(functionId: string, name: string, patch: { content?: string; remark?: string; revision?: number }): Promise<ReplicaRecord> {
    if (patch.remark !== undefined) validateReplicaRemark(patch.remark);
    if (patch.content !== undefined) this.#assertCode(patch.content);
    const change = {
      ...(patch.content !== undefined ? { content: patch.content, sha256: sha256(patch.content) } : {}),
      ...(patch.remark !== undefined ? { remark: patch.remark } : {}),
    };
    return this.#store.updateReplica(functionId, name, change, patch.revision);
  }

  /** Deletes the named replicas: all of them, or (one missing) none. */
  deleteReplicas(functionId: string, names: string[]): Promise<void> {
    return this.#store.deleteReplicas(functionId, names);
  }

  /** Production and the replica side by side, with a unified diff from production to the replica. */
  async compare(functionId: string, name: string) {
    const fn = await this.#store.getFunction(functionId);
    const production = await this.#store.getVersion(functionId, fn.productionVersionId);
    const replica = await this.#store.getReplica(functionId, name);
    const { diff, added, removed } = unifiedDiff(production.content, replica.content, { oldLabel: `production@${production.id}`, newLabel: `replica:${name}@${replica.revision}` });
    return {
      production: { version: { id: production.id, sha256: production.sha256 }, content: production.content },
      replica: { name, revision: replica.revision, content: replica.content },
      diff,
      added,
      removed,
    };
  }

  /**
   * The second confirmation of "Compare and Sync": the replica's code becomes a new production
   * version, but only if production is still the version that was compared. The replica remains.
   */
  async sync(functionId: string, name: string, input: { productionVersion: string; replicaRevision?: number; confirm: boolean }) {
    if (input.confirm !== true) {
      throw new EdgefnError('InvalidParameter.ConfirmationRequired', 'Syncing overwrites production: send confirm: true with the production version you compared');
    }
    const replica = await this.#store.getReplica(functionId, name);
    // What is synced is this revision's content, so checking it here is enough.
    if (input.replicaRevision !== undefined && input.replicaRevision !== replica.revision) {
      throw new EdgefnError('FailedOperation.ReplicaRevisionConflict', `Replica ${name} is at revision ${replica.revision}, not the compared revision ${input.replicaRevision}: compare again`);
    }
    // The replica's code becomes production; its rollout and shadow end in the same commit.
    const created = await this.#store.addProductionVersion(
      functionId,
      { content: replica.content, sha256: replica.sha256, source: `sync:${name}`, remark: replica.remark },
      input.productionVersion,
      name,
    );
    return stripContent(created);
  }

  // Trigger rules

  /** The function, when it is in the zone (which must exist); a function of another zone is not found. */
  async functionInZone(zoneId: string, functionId: string): Promise<FunctionRecord> {
    await this.#store.getZone(zoneId);
    const fn = await this.#store.getFunction(functionId);
    if (fn.zoneId !== zoneId) throw new EdgefnError('ResourceUnavailable.FunctionNotFound', `Function ${functionId} is not in zone ${zoneId}`);
    return fn;
  }

  /** The action of a rule: `functionId` is the short form of a direct action; every target must be in the zone. */
  async #ruleAction(zoneId: string, input: { functionId?: string; action?: unknown }): Promise<RuleAction> {
    if ((input.functionId === undefined) === (input.action === undefined)) {
      throw new EdgefnError('InvalidParameter.InvalidParameter', "Give either 'functionId' (run that function) or 'action' ({type: direct|weight|region, ...}), not both");
    }
    const action = input.functionId !== undefined ? { type: 'direct' as const, functionId: input.functionId } : parseRuleAction(input.action);
    const ids = action.type === 'direct' ? [action.functionId] : action.targets.map((t) => t.functionId);
    for (const id of ids) await this.functionInZone(zoneId, id);
    return action;
  }

  async createRule(zoneId: string, input: { conditions: unknown; functionId?: string; action?: unknown; remark?: string }): Promise<RuleRecord> {
    const conditions = parseConditions(input.conditions);
    const remark = input.remark ?? '';
    validateRuleRemark(remark);
    await this.#store.getZone(zoneId);
    const action = await this.#ruleAction(zoneId, input);
    return this.#store.createRule({ zoneId, conditions, action, remark }, maxRulesPerZone);
  }

  listRules(zoneId: string): Promise<RuleRecord[]> {
    return this.#store.listRules(zoneId);
  }

  getRule(zoneId: string, id: string): Promise<RuleRecord> {
    return this.#store.getRule(zoneId, id);
  }

  async updateRule(zoneId: string, id: string, patch: { conditions?: unknown; functionId?: string; action?: unknown; remark?: string }): Promise<RuleRecord> {
    const conditions = patch.conditions === undefined ? undefined : parseConditions(patch.conditions);
    if (patch.remark !== undefined) validateRuleRemark(patch.remark);
    const action = patch.functionId === undefined && patch.action === undefined ? undefined : await this.#ruleAction(zoneId, patch);
    return this.#store.updateRule(zoneId, id, {
      ...(conditions ? { conditions } : {}),
      ...(action ? { action } : {}),
      ...(patch.remark !== undefined ? { remark: patch.remark } : {}),
    });
  }

  /** Deletes the rules: all of them, or (one missing) none. */
  deleteRules(zoneId: string, ids: string[]): Promise<void> {
    return this.#store.deleteRules(zoneId, ids);
  }

  reorderRules(zoneId: string, ruleIds: string[]): Promise<RuleRecord[]> {
    return this.#store.reorderRules(zoneId, ruleIds);
  }
}

function envView(key: string, type: EnvType, value: string, updatedAt: string): EnvView {
  // Secrets are write-only: their (encrypted) value never leaves the store through the API.
  return type === 'secret' ? { key, type, updatedAt } : { key, type, value, updatedAt };
}

function stripContent<T extends { content: string }>(version: T): Omit<T, 'content'> {
  const { content: _content, ...rest } = version;
  return rest;
}
