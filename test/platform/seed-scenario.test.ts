/**
 * The product page's scenario, end to end over real sockets: a function named like
 * test-2xkazsasyf6k-1206341531, a rule HOST = www.example.com AND URL_Path = /pic, a replica
 * test-replica, requests with and without EO-Function-Replica-Name through the rule and the
 * default domain, compare, a stale sync (409), a sync, the new code live, and a rollback.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient, gatewayRequest, startPlatform, sw } from '../helpers/platform.ts';
import { startServer, type TestServer } from '../helpers/servers.ts';

describe('code replicas: the seed scenario', () => {
  let platform: Awaited<ReturnType<typeof startPlatform>>;
  let origin: TestServer;
  let api: ReturnType<typeof apiClient>;
  let zoneId = '';
  let functionId = '';
  let domain = '';

  before(async () => {
    origin = await startServer((req, res) => res.end(`origin: ${req.url}`));
    platform = await startPlatform();
    api = apiClient(platform);
  });
  after(async () => {
    await platform.close();
    await origin.close();
  });

  const viaRule = (headers: Record<string, string> = {}) => gatewayRequest(platform.gatewayUrl, 'www.example.com', '/pic', headers);
  const viaDomain = (headers: Record<string, string> = {}) => gatewayRequest(platform.gatewayUrl, domain, '/', headers);
  const replicaHeader = { 'EO-Function-Replica-Name': 'test-replica' };

  it('sets up the zone, the function, the rule and the replica', async () => {
    const zone = await api<{ id: string }>('POST', '/api/v1/zones', { name: 'example.com', origin: origin.url });
    assert.equal(zone.status, 201);
    zoneId = zone.body.id;
    const fn = await api<{ id: string; domain: string }>('POST', '/api/v1/functions', { zoneId, name: 'test-2xkazsasyf6k-1206341531', content: sw('production v1') });
    assert.equal(fn.status, 201);
    functionId = fn.body.id;
    domain = fn.body.domain;
    assert.equal(domain, `test-2xkazsasyf6k-1206341531-${zoneId.slice('zone-'.length)}.edgefunctions.localhost`);
    const rule = await api('POST', `/api/v1/zones/${zoneId}/rules`, {
      conditions: [[{ target: 'host', operator: 'equal', values: ['www.example.com'] }, { target: 'url', operator: 'equal', values: ['/pic'] }]],
      functionId,
    });
    assert.equal(rule.status, 201);
    const replica = await api('POST', `/api/v1/functions/${functionId}/replicas`, { name: 'test-replica', from: 'production' });
    assert.equal(replica.status, 201);
    const edited = await api<{ revision: number }>('PATCH', `/api/v1/functions/${functionId}/replicas/test-replica`, { content: sw('replica v2'), revision: 1 });
    assert.equal(edited.status, 200);
    assert.equal(edited.body.revision, 2);
  });

  it('serves production without the header and the replica with it, through the rule and the default domain', async () => {
    for (const call of [viaRule, viaDomain]) {
      const plain = await call();
      assert.equal(plain.text, 'production v1');
      assert.equal(plain.headers['eo-function-replica-status'], undefined);
      const tested = await call(replicaHeader);
      assert.equal(tested.text, 'replica v2');
      assert.equal(tested.headers['eo-function-replica-status'], 'served');
      const wrongCase = await call({ 'EO-Function-Replica-Name': 'Test-Replica' });
      assert.equal(wrongCase.text, 'production v1', 'the value must match exactly');
      assert.equal(wrongCase.headers['eo-function-replica-status'], 'not-found');
    }
    // The header name itself is case-insensitive, as HTTP requires.
    assert.equal((await viaRule({ 'eo-function-replica-name': 'test-replica' })).text, 'replica v2');
    // Other paths on the zone are not matched by the rule: they go to the origin.
    assert.equal((await gatewayRequest(platform.gatewayUrl, 'www.example.com', '/other')).text, 'origin: /other');
  });

  it('compares, refuses a stale sync, syncs, and serves the new code at once', async () => {
    const before = await api<{ productionVersion: { id: string } }>('GET', `/api/v1/functions/${functionId}`);
    const compared = await api<{ production: { version: { id: string } }; diff: string; added: number; removed: number }>('GET', `/api/v1/functions/${functionId}/replicas/test-replica/compare`);
    assert.equal(compared.status, 200);
    assert.equal(compared.body.production.version.id, before.body.productionVersion.id);
    assert.match(compared.body.diff, /^-.*production v1/m);
    assert.match(compared.body.diff, /^\+.*replica v2/m);
    assert.equal(compared.body.added, 1);
    assert.equal(compared.body.removed, 1);

    // Someone changes production after the comparison: the sync must not overwrite it.
    const moved = await api('PATCH', `/api/v1/functions/${functionId}`, { content: sw('production v1.1') });
    assert.equal(moved.status, 200);
    const stale = await api<{ error: { code: string } }>('POST', `/api/v1/functions/${functionId}/replicas/test-replica/sync`, { productionVersion: compared.body.production.version.id, confirm: true });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error.code, 'FailedOperation.ProductionChanged');
    assert.equal((await viaRule()).text, 'production v1.1');

    const unconfirmed = await api<{ error: { code: string } }>('POST', `/api/v1/functions/${functionId}/replicas/test-replica/sync`, { productionVersion: 'x' });
    assert.equal(unconfirmed.status, 400);

    const again = await api<{ production: { version: { id: string } } }>('GET', `/api/v1/functions/${functionId}/replicas/test-replica/compare`);
    const synced = await api<{ id: string; source: string }>('POST', `/api/v1/functions/${functionId}/replicas/test-replica/sync`, { productionVersion: again.body.production.version.id, confirm: true });
    assert.equal(synced.status, 201);
    assert.equal(synced.body.source, 'sync:test-replica');
    // No request after the call returned may see the old code.
    assert.equal((await viaRule()).text, 'replica v2');
    assert.equal((await viaDomain()).text, 'replica v2');
    const replicas = await api<{ replicas: { name: string }[] }>('GET', `/api/v1/functions/${functionId}/replicas`);
    assert.deepEqual(replicas.body.replicas.map((r) => r.name), ['test-replica'], 'the replica remains after a sync');
  });

  it('rolls back to the first version, keeping the whole history', async () => {
    const versions = await api<{ versions: { id: string; source: string }[] }>('GET', `/api/v1/functions/${functionId}/versions`);
    assert.deepEqual(versions.body.versions.map((v) => v.source), ['sync:test-replica', 'modify', 'create']);
    const first = versions.body.versions[2]!;
    const rolled = await api<{ id: string; source: string }>('POST', `/api/v1/functions/${functionId}/versions/${first.id}/rollback`);
    assert.equal(rolled.status, 201);
    assert.equal(rolled.body.source, `rollback:${first.id}`);
    assert.equal((await viaRule()).text, 'production v1');
    const after = await api<{ versions: { source: string }[] }>('GET', `/api/v1/functions/${functionId}/versions`);
    assert.equal(after.body.versions.length, 4);
    assert.equal((await viaRule(replicaHeader)).text, 'replica v2', 'replicas are untouched by rollback');
  });
});
