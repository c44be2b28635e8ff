/**
 * The EdgeOne-compatible API against a real `edgefn serve`, driven by the official Tencent Cloud
 * Node SDK (tencentcloud-sdk-nodejs, teo 2022-09-01 client) unchanged: only its endpoint points
 * at edgefn. The seed flow, every action's field names and paging, error codes, and signature
 * failures (raw requests signed with the SDK's own signer).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';
import { gatewayRequest, sw } from '../helpers/platform.ts';

const require = createRequire(import.meta.url);
type Call = (req: Record<string, unknown>) => Promise<Record<string, unknown>>;
type TeoClient = Record<string, Call> & { request(action: string, req: Record<string, unknown>): Promise<Record<string, unknown>> };
const { Client } = require('tencentcloud-sdk-nodejs/tencentcloud/services/teo/v20220901/teo_client.js') as {
  Client: new (config: Record<string, unknown>) => TeoClient;
};
const { default: Sign } = require('tencentcloud-sdk-nodejs/tencentcloud/common/sign.js') as { default: { sign3(input: Record<string, unknown>): string } };

interface Key {
  secretId: string;
  secretKey: string;
}

const envCode = `addEventListener('fetch', (event) => event.respondWith(new Response(env.GREETING ?? 'no greeting')));`;

describe('the EdgeOne-compatible API, through the official SDK', () => {
  let serve: ServeProcess;
  let dataDir: string;
  let key: Key;
  let teo: TeoClient;
  let zoneId = '';

  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${serve.apiUrl}${path}`, { method, headers: { authorization: 'Bearer test-token', 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as Record<string, unknown>) };
  };
  const clientWith = (k: Key): TeoClient => new Client({ credential: k, region: '', profile: { httpProfile: { endpoint: serve.apiUrl.replace('http://', ''), protocol: 'http://' } } });
  /** The SDK's error code for a call that must fail. */
  const failure = async (call: Promise<unknown>): Promise<string> => {
    try {
      await call;
      return 'succeeded';
    } catch (error) {
      return (error as { code?: string }).code ?? String(error);
    }
  };

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'edgefn-teo-'));
    serve = await startServeProcess(dataDir);
    const zone = await admin('POST', '/api/v1/zones', { name: 'example.com', origin: 'http://127.0.0.1:9' });
    zoneId = zone.body!.id as string;
    const created = await admin('POST', '/api/v1/api-keys', { remark: 'contract tests' });
    assert.equal(created.status, 201);
    key = { secretId: created.body!.secretId as string, secretKey: created.body!.secretKey as string };
    teo = clientWith(key);
  });
  after(async () => {
    await serve.kill9();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('issues API keys that are listed without their secret', async () => {
    assert.match(key.secretId, /^AKID[A-Za-z0-9]{32}$/);
    assert.match(key.secretKey, /^[A-Za-z0-9]{32}$/);
    const listed = await admin('GET', '/api/v1/api-keys');
    assert.deepEqual((listed.body!.apiKeys as Record<string, unknown>[]).map((k) => Object.keys(k).sort()), [['createdAt', 'remark', 'secretId']]);
    assert.ok(!JSON.stringify(listed.body).includes(key.secretKey));
  });

  it('runs the seed flow: function, rule, replica by header, env, ModifyFunction as the sync, delete', async () => {
    const { FunctionId: functionId } = await teo.CreateFunction!({ ZoneId: zoneId, Name: 'test-2xkazsasyf6k-1206341531', Content: sw('production v1'), Remark: 'seed' }) as { FunctionId: string };
    assert.match(functionId, /^ef-/);
    const { RuleId: ruleId } = await teo.CreateFunctionRule!({
      ZoneId: zoneId,
      FunctionRuleConditions: [{ RuleConditions: [{ Operator: 'equal', Target: 'host', Values: ['www.example.com'] }, { Operator: 'equal', Target: 'url', Values: ['/pic'] }] }],
      FunctionId: functionId,
      Remark: 'pictures',
    }) as { RuleId: string };
    assert.match(ruleId, /^rule-/);
    await teo.CreateFunctionReplica!({ ZoneId: zoneId, FunctionId: functionId, ReplicaName: 'test-replica', Content: sw('replica v1') });
    await teo.ModifyFunctionReplica!({ ZoneId: zoneId, FunctionId: functionId, ReplicaName: 'test-replica', Content: envCode, Remark: 'reads env' });

    const viaRule = (headers: Record<string, string> = {}) => gatewayRequest(serve.gatewayUrl, 'www.example.com', '/pic', headers);
    assert.equal((await viaRule()).text, 'production v1');
    assert.equal((await viaRule({ 'EO-Function-Replica-Name': 'test-replica' })).text, 'no greeting');

    await teo.HandleFunctionRuntimeEnvironment!({ ZoneId: zoneId, FunctionId: functionId, Operation: 'setEnvironmentVariable', EnvironmentVariables: [{ Key: 'GREETING', Value: 'hello from env', Type: 'string' }] });
    assert.equal((await viaRule({ 'EO-Function-Replica-Name': 'test-replica' })).text, 'hello from env');
    assert.equal((await viaRule()).text, 'production v1', 'production untouched by the replica');

    // The sync: EdgeOne has no action for it; ModifyFunction with the replica's code is one.
    await teo.ModifyFunction!({ ZoneId: zoneId, FunctionId: functionId, Content: envCode, Remark: 'release 7' });
    assert.equal((await viaRule()).text, 'hello from env');
    const versions = await admin('GET', `/api/v1/functions/${functionId}/versions`);
    const synced = (versions.body!.versions as { source: string; remark: string }[])[0]!;
    assert.deepEqual([synced.source, synced.remark], ['sync:test-replica', 'release 7'], "recorded as the replica's sync, with the caller's remark");
    // Other content is a plain modification.
    await teo.ModifyFunction!({ ZoneId: zoneId, FunctionId: functionId, Content: sw('production v3'), Remark: 'v3' });
    assert.equal((await viaRule()).text, 'production v3');
    const after3 = await admin('GET', `/api/v1/functions/${functionId}/versions`);
    assert.equal((after3.body!.versions as { source: string }[])[0]!.source, 'modify');

    await teo.DeleteFunctionReplica!({ ZoneId: zoneId, FunctionId: functionId, ReplicaNames: ['test-replica'] });
    await teo.DeleteFunctionRules!({ ZoneId: zoneId, RuleIds: [ruleId] });
    await teo.DeleteFunction!({ ZoneId: zoneId, FunctionId: functionId });
    assert.equal((await teo.DescribeFunctions!({ ZoneId: zoneId, FunctionIds: [functionId] })).TotalCount, 0);
    assert.equal((await viaRule()).status, 502, 'no rule left: the request goes to the (unreachable) origin');
  });

  it('describes functions with every field, pages and filters', async () => {
    const ids: string[] = [];
    for (const [name, remark] of [['page-alpha', 'first'], ['page-beta', 'second'], ['page-gamma', 'third one']]) {
      ids.push(((await teo.CreateFunction!({ ZoneId: zoneId, Name: name, Content: sw(name!), Remark: remark })) as { FunctionId: string }).FunctionId);
    }
    const all = await teo.DescribeFunctions!({ ZoneId: zoneId, FunctionIds: ids });
    assert.equal(all.TotalCount, 3);
    const first = (all.Functions as Record<string, unknown>[])[0]!;
    assert.deepEqual(Object.keys(first).sort(), ['Content', 'CreateTime', 'Domain', 'FunctionId', 'Name', 'Remark', 'UpdateTime', 'ZoneId']);
    assert.equal(first.Content, sw('page-alpha'));
    assert.match(first.CreateTime as string, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.match(first.Domain as string, /^page-alpha-[a-z0-9]+\.edgefunctions\.localhost$/);
    const page = await teo.DescribeFunctions!({ ZoneId: zoneId, FunctionIds: ids, Offset: 1, Limit: 1 });
    assert.equal(page.TotalCount, 3);
    assert.deepEqual((page.Functions as { Name: string }[]).map((f) => f.Name), ['page-beta']);
    const byName = await teo.DescribeFunctions!({ ZoneId: zoneId, Filters: [{ Name: 'name', Values: ['gam'] }] });
    assert.deepEqual((byName.Functions as { Name: string }[]).map((f) => f.Name), ['page-gamma']);
    const byRemark = await teo.DescribeFunctions!({ ZoneId: zoneId, Filters: [{ Name: 'remark', Values: ['second', 'third'] }] });
    assert.deepEqual((byRemark.Functions as { Name: string }[]).map((f) => f.Name).sort(), ['page-beta', 'page-gamma']);
    assert.equal(await failure(teo.DescribeFunctions!({ ZoneId: zoneId, Limit: 201 })), 'InvalidParameterValue');
    assert.equal(await failure(teo.DescribeFunctions!({ ZoneId: zoneId, Filters: [{ Name: 'owner', Values: ['x'] }] })), 'InvalidParameterValue');
    assert.equal(await failure(teo.DescribeFunctions!({ ZoneId: zoneId, Filters: [{ Name: 'name', Values: Array.from({ length: 21 }, (_, i) => `v${i}`) }] })), 'InvalidParameterValue', 'at most 20 values, as the model says');
    assert.equal(await failure(teo.DescribeFunctions!({ ZoneId: zoneId, Filters: [{ Name: 'name', Values: ['x'], Fuzzy: true }] })), 'UnknownParameter', 'Fuzzy is not a field of this filter');
    for (const id of ids) await teo.DeleteFunction!({ ZoneId: zoneId, FunctionId: id });
  });

  it('creates, describes, filters, reorders and modifies weight and region rules', async () => {
    const a = ((await teo.CreateFunction!({ ZoneId: zoneId, Name: 'rule-a', Content: sw('a') })) as { FunctionId: string }).FunctionId;
    const b = ((await teo.CreateFunction!({ ZoneId: zoneId, Name: 'rule-b', Content: sw('b') })) as { FunctionId: string }).FunctionId;
    const conditions = (path: string) => [{ RuleConditions: [{ Operator: 'equal', Target: 'url', Values: [path], IgnoreCase: true }] }];
    const weight = ((await teo.CreateFunctionRule!({ ZoneId: zoneId, FunctionRuleConditions: conditions('/w'), TriggerType: 'weight', WeightedSelections: [{ FunctionId: a, Weight: 30 }, { FunctionId: b, Weight: 70 }], Remark: 'canary' })) as { RuleId: string }).RuleId;
    const region = ((await teo.CreateFunctionRule!({ ZoneId: zoneId, FunctionRuleConditions: conditions('/r'), TriggerType: 'region', RegionMappingSelections: [{ FunctionId: a, Regions: ['CN'] }, { FunctionId: b, Regions: ['Default'] }] })) as { RuleId: string }).RuleId;
    const direct = ((await teo.CreateFunctionRule!({ ZoneId: zoneId, FunctionRuleConditions: conditions('/d'), FunctionId: b })) as { RuleId: string }).RuleId;

    const described = (await teo.DescribeFunctionRules!({ ZoneId: zoneId })).FunctionRules as Record<string, unknown>[];
    assert.deepEqual(described.map((r) => r.RuleId), [weight, region, direct]);
    assert.deepEqual(Object.keys(described[0]!).sort(), ['CreateTime', 'FunctionId', 'FunctionName', 'FunctionRuleConditions', 'Priority', 'RegionMappingSelections', 'Remark', 'RuleId', 'TriggerType', 'UpdateTime', 'WeightedSelections']);
    assert.deepEqual(described[0]!.WeightedSelections, [{ FunctionId: a, Weight: 30 }, { FunctionId: b, Weight: 70 }]);
    assert.deepEqual(described[0]!.FunctionRuleConditions, [{ RuleConditions: [{ Operator: 'equal', Target: 'url', Values: ['/w'], IgnoreCase: true }] }]);
    assert.deepEqual(described[1]!.RegionMappingSelections, [{ FunctionId: a, Regions: ['CN'] }, { FunctionId: b, Regions: ['Default'] }]);
    // The model's Priority: larger runs earlier.
    assert.deepEqual(described.map((r) => r.Priority), [3, 2, 1]);
    assert.deepEqual([described[2]!.TriggerType, described[2]!.FunctionId, described[2]!.FunctionName], ['direct', b, 'rule-b']);

    const byFunction = (await teo.DescribeFunctionRules!({ ZoneId: zoneId, Filters: [{ Name: 'function-id', Values: [a] }] })).FunctionRules as { RuleId: string }[];
    assert.deepEqual(byFunction.map((r) => r.RuleId), [weight, region]);
    const byRemark = (await teo.DescribeFunctionRules!({ ZoneId: zoneId, Filters: [{ Name: 'remark', Values: ['cana'] }] })).FunctionRules as { RuleId: string }[];
    assert.deepEqual(byRemark.map((r) => r.RuleId), [weight]);

    // A described rule sent back as it came (empty selection lists and all) is accepted.
    const { RuleId, FunctionRuleConditions, TriggerType, FunctionId, WeightedSelections, RegionMappingSelections } = described[2]!;
    await teo.ModifyFunctionRule!({ ZoneId: zoneId, RuleId, FunctionRuleConditions, TriggerType, FunctionId, WeightedSelections, RegionMappingSelections, Remark: 'sent back' });
    await teo.ModifyFunctionRulePriority!({ ZoneId: zoneId, RuleIds: [direct, weight, region] });
    await teo.ModifyFunctionRule!({ ZoneId: zoneId, RuleId: weight, TriggerType: 'direct', FunctionId: a, Remark: 'no more canary' });
    const reordered = (await teo.DescribeFunctionRules!({ ZoneId: zoneId })).FunctionRules as Record<string, unknown>[];
    assert.deepEqual(reordered.map((r) => [r.RuleId, r.Priority]), [[direct, 3], [weight, 2], [region, 1]]);
    assert.deepEqual([reordered[1]!.TriggerType, reordered[1]!.FunctionId, reordered[1]!.Remark, reordered[1]!.WeightedSelections], ['direct', a, 'no more canary', []]);

    assert.equal(await failure(teo.CreateFunctionRule!({ ZoneId: zoneId, FunctionRuleConditions: conditions('/x'), TriggerType: 'weight', WeightedSelections: [{ FunctionId: a, Weight: 30 }] })), 'InvalidParameter');
    assert.equal(await failure(teo.CreateFunctionRule!({ ZoneId: zoneId, FunctionRuleConditions: [{ RuleConditions: [{ Operator: 'equal', Target: 'nowhere', Values: ['x'] }] }], FunctionId: a })), 'InvalidParameter.InvalidConditions');
    assert.equal(await failure(teo.ModifyFunctionRulePriority!({ ZoneId: zoneId, RuleIds: [direct] })), 'InvalidParameter.InvalidRuleOrder');
    assert.equal(await failure(teo.DeleteFunctionRules!({ ZoneId: zoneId, RuleIds: [direct, 'rule-missing0'] })), 'ResourceUnavailable.RuleNotFound');
    assert.equal(((await teo.DescribeFunctionRules!({ ZoneId: zoneId })).FunctionRules as unknown[]).length, 3, 'a failed multi-delete deletes nothing');
    await teo.DeleteFunctionRules!({ ZoneId: zoneId, RuleIds: [direct, weight, region] });
    for (const id of [a, b]) await teo.DeleteFunction!({ ZoneId: zoneId, FunctionId: id });
  });

  it('sets, deletes, resets and clears env vars, never showing or removing secrets', async () => {
    const fn = ((await teo.CreateFunction!({ ZoneId: zoneId, Name: 'env-fn', Content: envCode })) as { FunctionId: string }).FunctionId;
    assert.equal((await admin('PUT', `/api/v1/functions/${fn}/env/TOKEN`, { value: 's3cr3t-value', type: 'secret' })).status, 200);
    const handle = (Operation: string, EnvironmentVariables?: unknown[]) => teo.HandleFunctionRuntimeEnvironment!({ ZoneId: zoneId, FunctionId: fn, Operation, ...(EnvironmentVariables ? { EnvironmentVariables } : {}) });
    const describe = async () => (await teo.DescribeFunctionRuntimeEnvironment!({ ZoneId: zoneId, FunctionId: fn })).EnvironmentVariables;

    await handle('setEnvironmentVariable', [{ Key: 'A', Value: '1' }, { Key: 'B', Value: '{"x":1}', Type: 'json' }]);
    assert.deepEqual(await describe(), [{ Key: 'A', Value: '1', Type: 'string' }, { Key: 'B', Value: '{"x":1}', Type: 'json' }]);
    await handle('deleteEnvironmentVariable', [{ Key: 'A' }]);
    assert.deepEqual(await describe(), [{ Key: 'B', Value: '{"x":1}', Type: 'json' }]);
    await handle('resetEnvironmentVariable', [{ Key: 'C', Value: 'c' }]);
    assert.deepEqual(await describe(), [{ Key: 'C', Value: 'c', Type: 'string' }]);
    await handle('clearEnvironmentVariable');
    assert.deepEqual(await describe(), []);
    const kept = await admin('GET', `/api/v1/functions/${fn}/env`);
    assert.deepEqual((kept.body!.env as { key: string }[]).map((v) => v.key), ['TOKEN'], 'the secret outlives clear and reset');

    // One bad variable: nothing of the call is written.
    assert.equal(await failure(handle('setEnvironmentVariable', [{ Key: 'GOOD', Value: 'x' }, { Key: 'BAD', Value: 'not json', Type: 'json' }])), 'InvalidParameter.BadEnvironmentVariable');
    assert.equal(await failure(handle('deleteEnvironmentVariable', [{ Key: 'C' }])), 'ResourceUnavailable.EnvironmentVariableNotFound');
    assert.deepEqual(await describe(), []);
    assert.equal(await failure(handle('setEnvironmentVariable', [{ Key: 'TOKEN', Value: 'overwritten' }])), 'FailedOperation.SecretEnvironmentVariable');
    assert.equal(await failure(handle('deleteEnvironmentVariable', [{ Key: 'TOKEN' }])), 'FailedOperation.SecretEnvironmentVariable');
    assert.equal(await failure(handle('resetEnvironmentVariable', [{ Key: 'TOKEN', Value: 'x' }])), 'FailedOperation.SecretEnvironmentVariable');
    const secret = await admin('GET', `/api/v1/functions/${fn}/env`);
    assert.deepEqual((secret.body!.env as { key: string; type: string }[]).map((v) => [v.key, v.type]), [['TOKEN', 'secret']], 'the secret is untouched');
    await handle('setEnvironmentVariable', [{ Key: 'KEEP', Value: 'k' }]);
    for (const operation of ['setEnvironmentVariable', 'deleteEnvironmentVariable', 'resetEnvironmentVariable']) {
      assert.equal(await failure(handle(operation)), 'MissingParameter', `${operation} without its list changes nothing`);
    }
    assert.equal(await failure(handle('setEnvironmentVariable', [{ Key: 'D', Value: '1' }, { Key: 'D', Value: '2' }])), 'InvalidParameterValue');
    assert.deepEqual(await describe(), [{ Key: 'KEEP', Value: 'k', Type: 'string' }]);
    assert.equal(await failure(handle('renameEnvironmentVariable')), 'InvalidParameterValue');
    assert.equal(await failure(handle('setEnvironmentVariable', [{ Key: 'S', Value: 'x', Type: 'secret' }])), 'InvalidParameterValue');
    await teo.DeleteFunction!({ ZoneId: zoneId, FunctionId: fn });
  });

  it('describes replicas with every field, sorted, paged and filtered', async () => {
    const fn = ((await teo.CreateFunction!({ ZoneId: zoneId, Name: 'replica-fn', Content: sw('p') })) as { FunctionId: string }).FunctionId;
    await teo.CreateFunctionReplica!({ ZoneId: zoneId, FunctionId: fn, ReplicaName: 'blue', Content: sw('blue'), Remark: 'first' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await teo.CreateFunctionReplica!({ ZoneId: zoneId, FunctionId: fn, ReplicaName: 'green', Content: sw('green') });
    const desc = await teo.DescribeFunctionReplicas!({ ZoneId: zoneId, FunctionId: fn });
    assert.equal(desc.TotalCount, 2);
    const replicas = desc.FunctionReplicas as Record<string, unknown>[];
    assert.deepEqual(Object.keys(replicas[0]!).sort(), ['Content', 'CreatedOn', 'FunctionId', 'ModifiedOn', 'Remark', 'ReplicaName']);
    assert.deepEqual(replicas.map((r) => r.ReplicaName), ['blue', 'green'], 'oldest first by default, as the model says');
    assert.deepEqual([replicas[0]!.Content, replicas[0]!.Remark, replicas[0]!.FunctionId], [sw('blue'), 'first', fn]);
    const desc1 = await teo.DescribeFunctionReplicas!({ ZoneId: zoneId, FunctionId: fn, SortBy: 'created-on', SortOrder: 'desc', Limit: 1 });
    assert.deepEqual([(desc1.FunctionReplicas as { ReplicaName: string }[]).map((r) => r.ReplicaName), desc1.TotalCount], [['green'], 2]);
    const filtered = await teo.DescribeFunctionReplicas!({ ZoneId: zoneId, FunctionId: fn, Filters: [{ Name: 'replica-name', Values: ['re'], Fuzzy: true }] });
    assert.deepEqual((filtered.FunctionReplicas as { ReplicaName: string }[]).map((r) => r.ReplicaName), ['green']);
    const exact = await teo.DescribeFunctionReplicas!({ ZoneId: zoneId, FunctionId: fn, Filters: [{ Name: 'replica-name', Values: ['re'] }] });
    assert.equal(exact.TotalCount, 0);
    assert.equal(await failure(teo.CreateFunctionReplica!({ ZoneId: zoneId, FunctionId: fn, ReplicaName: 'third', Content: sw('3') })), 'LimitExceeded.ReplicaLimitExceeded');
    assert.equal(await failure(teo.CreateFunctionReplica!({ ZoneId: zoneId, FunctionId: fn, ReplicaName: 'Bad--Name', Content: sw('x') })), 'InvalidParameter.BadReplicaName');
    assert.equal(await failure(teo.DeleteFunctionReplica!({ ZoneId: zoneId, FunctionId: fn, ReplicaNames: ['blue', 'nope'] })), 'ResourceUnavailable.ReplicaNotFound');
    assert.equal((await teo.DescribeFunctionReplicas!({ ZoneId: zoneId, FunctionId: fn })).TotalCount, 2, 'a failed multi-delete deletes nothing');
    await teo.DeleteFunction!({ ZoneId: zoneId, FunctionId: fn });
  });

  it('answers bad input with Tencent Cloud error codes', async () => {
    assert.equal(await failure(teo.CreateFunction!({ ZoneId: zoneId, Name: 'Bad Name', Content: sw('x') })), 'InvalidParameter.BadFunctionName');
    assert.equal(await failure(teo.CreateFunction!({ ZoneId: zoneId, Name: 'syntax', Content: 'addEventListener(' })), 'InvalidParameter.BadContent');
    assert.equal(await failure(teo.CreateFunction!({ ZoneId: zoneId, Name: 'big', Content: `// ${'x'.repeat(5 * 1024 * 1024)}` })), 'InvalidParameter.ContentExceedsLimit');
    assert.equal(await failure(teo.CreateFunction!({ ZoneId: zoneId, Name: 'x'.repeat(31), Content: sw('x') })), 'InvalidParameter.BadFunctionName');
    assert.equal(await failure(teo.CreateFunction!({ ZoneId: zoneId, Name: 'missing' })), 'MissingParameter');
    assert.equal(await failure(teo.CreateFunction!({ ZoneId: zoneId, Name: 'typed', Content: 42 })), 'InvalidParameter');
    assert.equal(await failure(teo.CreateFunction!({ ZoneId: zoneId, Name: 'extra', Content: sw('x'), Owner: 'me' })), 'UnknownParameter');
    assert.equal(await failure(teo.CreateFunction!({ ZoneId: 'zone-missing00000', Name: 'nozone', Content: sw('x') })), 'ResourceUnavailable.ZoneNotFound');
    assert.equal(await failure(teo.DescribeFunctionRuntimeEnvironment!({ ZoneId: zoneId, FunctionId: 'ef-missing0' })), 'ResourceUnavailable.FunctionNotFound');
    assert.equal(await failure(teo.request('SyncFunctionReplica', { ZoneId: zoneId })), 'InvalidAction');
    const other = (await admin('POST', '/api/v1/zones', { name: 'other.example', origin: 'http://127.0.0.1:9' })).body!.id as string;
    const foreign = ((await teo.CreateFunction!({ ZoneId: other, Name: 'foreign', Content: sw('x') })) as { FunctionId: string }).FunctionId;
    assert.equal(await failure(teo.DeleteFunction!({ ZoneId: zoneId, FunctionId: foreign })), 'ResourceUnavailable.FunctionNotFound', "another zone's function is not found");
    await teo.DeleteFunction!({ ZoneId: other, FunctionId: foreign });
  });
});

describe('the EdgeOne-compatible API: signatures', () => {
  let serve: ServeProcess;
  let dataDir: string;
  let key: Key;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'edgefn-teo-sig-'));
    serve = await startServeProcess(dataDir);
    const res = await fetch(`${serve.apiUrl}/api/v1/api-keys`, { method: 'POST', headers: { authorization: 'Bearer test-token', 'content-type': 'application/json' }, body: '{}' });
    key = (await res.json()) as Key;
  });
  after(async () => {
    await serve.kill9();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A request signed by the SDK's signer over `signedBody`, sending `body` (the same unless tampered). */
  function signed(options: { signedBody?: string; body?: string; timestamp?: number; version?: string; k?: Key; action?: string } = {}) {
    const signedBody = options.signedBody ?? '{"ZoneId":"zone-nothing000"}';
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const k = options.k ?? key;
    const url = `${serve.apiUrl}/`;
    const authorization = Sign.sign3({ method: 'POST', url, payload: Buffer.from(signedBody), timestamp, service: '127', secretId: k.secretId, secretKey: k.secretKey, multipart: false, boundary: '', headers: { 'Content-Type': 'application/json' } });
    return { url, init: { method: 'POST', headers: { authorization, 'content-type': 'application/json', 'x-tc-action': options.action ?? 'DescribeFunctionRules', 'x-tc-version': options.version ?? '2022-09-01', 'x-tc-timestamp': String(timestamp), 'x-tc-region': '' }, body: options.body ?? signedBody } };
  }
  async function send(req: { url: string; init: RequestInit }): Promise<{ status: number; code: string | undefined; response: Record<string, unknown> }> {
    const res = await fetch(req.url, req.init);
    const json = (await res.json()) as { Response: Record<string, unknown> & { Error?: { Code: string } } };
    return { status: res.status, code: json.Response.Error?.Code, response: json.Response };
  }

  it('answers a correctly signed call (HTTP 200, RequestId), and errors with HTTP 200 too', async () => {
    const ok = await send(signed());
    assert.equal(ok.status, 200);
    assert.equal(ok.code, 'ResourceUnavailable.ZoneNotFound');
    assert.match(ok.response.RequestId as string, /^[0-9a-f-]{36}$/);
  });

  it('refuses a tampered body, a wrong key, an unknown SecretId and a wrong version', async () => {
    assert.equal((await send(signed({ body: '{"ZoneId":"zone-other000000"}' }))).code, 'AuthFailure.SignatureFailure');
    assert.equal((await send(signed({ k: { ...key, secretKey: 'x'.repeat(32) } }))).code, 'AuthFailure.SignatureFailure');
    assert.equal((await send(signed({ k: { secretId: 'AKIDnobody', secretKey: key.secretKey } }))).code, 'AuthFailure.SecretIdNotFound');
    assert.equal((await send(signed({ version: '2020-01-01' }))).code, 'InvalidParameterValue');
    const req = signed();
    (req.init.headers as Record<string, string>).authorization = 'TC3-HMAC-SHA256 garbage';
    assert.equal((await send(req)).code, 'AuthFailure.InvalidAuthorization');
  });

  it('refuses an expired timestamp and a replay once it is outside the five-minute window', async () => {
    assert.equal((await send(signed({ timestamp: Math.floor(Date.now() / 1000) - 600 }))).code, 'AuthFailure.SignatureExpire');
    const captured = signed({ timestamp: Math.floor(Date.now() / 1000) - 298 });
    assert.equal((await send(captured)).code, 'ResourceUnavailable.ZoneNotFound', 'inside the window the signature holds');
    await new Promise((resolve) => setTimeout(resolve, 3500));
    assert.equal((await send(captured)).code, 'AuthFailure.SignatureExpire', 'the same request replayed outside the window');
  });

  it('never makes a captured change twice; a repeated read is allowed', async () => {
    const read = signed({ signedBody: '{"ZoneId":"zone-replay00000"}' });
    assert.equal((await send(read)).code, 'ResourceUnavailable.ZoneNotFound');
    assert.equal((await send(read)).code, 'ResourceUnavailable.ZoneNotFound', 'a repeated read is harmless and allowed');
    const change = signed({ action: 'ModifyFunctionRulePriority', signedBody: '{"ZoneId":"zone-replay00001","RuleIds":[]}' });
    assert.equal((await send(change)).code, 'ResourceUnavailable.ZoneNotFound');
    const replayed = await send(change);
    assert.equal(replayed.code, 'AuthFailure.SignatureFailure', 'a change is never replayed');
    assert.match((replayed.response.Error as { Message: string }).Message, /already made once/);
  });

  it('refuses a deleted key at once', async () => {
    const res = await fetch(`${serve.apiUrl}/api/v1/api-keys`, { method: 'POST', headers: { authorization: 'Bearer test-token', 'content-type': 'application/json' }, body: '{"remark":"short-lived"}' });
    const doomed = (await res.json()) as Key;
    assert.equal((await send(signed({ k: doomed }))).code, 'ResourceUnavailable.ZoneNotFound');
    const deleted = await fetch(`${serve.apiUrl}/api/v1/api-keys/${doomed.secretId}`, { method: 'DELETE', headers: { authorization: 'Bearer test-token' } });
    assert.equal(deleted.status, 204);
    assert.equal((await send(signed({ k: doomed }))).code, 'AuthFailure.SecretIdNotFound');
  });

  it('holds at most two large bodies per client while they are read', async () => {
    // Whoever knows a SecretId (it travels in clear) gets past the header checks; the body can only
    // be checked once whole. Three bodies of 11 MiB announced at once, 10 MiB of each sent.
    const opened: { req: ReturnType<typeof request>; answer: Promise<string> }[] = [];
    const megabytes = Buffer.alloc(1024 * 1024, 0x20);
    for (let i = 0; i < 3; i++) {
      const headers = { ...(signed().init.headers as Record<string, string>), 'content-length': String(11 * 1024 * 1024) };
      const req = request(`${serve.apiUrl}/`, { method: 'POST', headers });
      const answer = new Promise<string>((resolve) => {
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve((JSON.parse(text) as { Response: { Error?: { Code: string } } }).Response.Error?.Code ?? 'ok'));
        });
        req.on('error', () => resolve('reset'));
      });
      for (let m = 0; m < 10; m++) req.write(megabytes);
      await new Promise((resolve) => setTimeout(resolve, 300));
      opened.push({ req, answer });
    }
    assert.equal(await opened[2]!.answer, 'RequestLimitExceeded');
    for (const { req } of opened.slice(0, 2)) req.destroy();
    // Their bytes are given back once they are gone: a new body is read again.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal((await send(signed({ signedBody: '{"ZoneId":"zone-budget00000"}' }))).code, 'ResourceUnavailable.ZoneNotFound');
  });

  it('refuses a body over the limit without reading it all, and keeps the secret out of every answer', async () => {
    // Answered from the headers, before a byte of the body is sent: a signed request announcing
    // 13 MB, and an unsigned one announcing 50 MB. Either way the connection closes after it.
    const big = signed();
    const headersOnly = (headers: Record<string, string>) => new Promise<{ code: string; connection: string | undefined }>((resolve, reject) => {
      const req = request(`${serve.apiUrl}/`, { method: 'POST', headers }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ code: (JSON.parse(text) as { Response: { Error: { Code: string } } }).Response.Error.Code, connection: res.headers.connection }));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    const signedHeaders = big.init.headers as Record<string, string>;
    assert.deepEqual(await headersOnly({ ...signedHeaders, 'content-length': String(13 * 1024 * 1024) }), { code: 'RequestSizeLimitExceeded', connection: 'close' });
    assert.deepEqual(await headersOnly({ 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024), 'x-tc-action': 'DescribeFunctions' }), { code: 'AuthFailure.InvalidAuthorization', connection: 'close' });
    const texts: string[] = [];
    for (const req of [signed(), signed({ body: '{}' }), signed({ k: { ...key, secretKey: 'y'.repeat(32) } })]) texts.push(await (await fetch(req.url, req.init)).text());
    for (const text of texts) assert.ok(!text.includes(key.secretKey), text);
    assert.ok(!serve.stderr().includes(key.secretKey));
  });
});
