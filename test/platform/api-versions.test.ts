/**
 * HTTP API contract: production versions. Newest first, sources create / modify / sync:<replica> /
 * rollback:<versionId>, one version with its content, rollback making a new version with the old
 * content, and history that only grows.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient, assertError, createFunction, createZone, sha256Hex, startPlatform, sw, type Api, type FunctionView, type Platform, type VersionView } from './helpers.ts';

describe('API: versions and rollback', () => {
  let platform: Platform;
  let api: Api;
  let fn: FunctionView;
  let zoneId = '';
  const v1 = sw('v1');
  const v2 = sw('v2');
  const v3 = sw('v3 from the replica');
  const ids: Record<string, string> = {};

  before(async () => {
    platform = await startPlatform();
    api = apiClient(platform);
    zoneId = (await createZone(api, 'versions.example.com')).id;
    fn = await createFunction(api, zoneId, 'versioned', v1);
    ids.v1 = fn.productionVersion.id;
  });
  after(async () => {
    await platform.close();
  });

  const versions = async (functionId = fn.id): Promise<VersionView[]> => {
    const answer = await api<{ versions: VersionView[] }>('GET', `/api/v1/functions/${functionId}/versions`);
    assert.equal(answer.status, 200, answer.text);
    return answer.body.versions;
  };
  const production = async (): Promise<FunctionView['productionVersion']> => (await api<FunctionView>('GET', `/api/v1/functions/${fn.id}`)).body.productionVersion;

  it('starts with one version, source create', async () => {
    const list = await versions();
    assert.equal(list.length, 1);
    const [first] = list;
    assert.equal(first?.id, ids.v1);
    assert.equal(first?.source, 'create');
    assert.equal(first?.sha256, sha256Hex(v1));
    for (const key of ['id', 'sha256', 'source', 'createdAt', 'remark']) assert.ok(first && key in first, `version has ${key}`);
    assert.ok(first && !('content' in first), 'the list does not carry code');
  });

  it('gets one version with its content', async () => {
    const answer = await api<VersionView>('GET', `/api/v1/functions/${fn.id}/versions/${ids.v1}`);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.id, ids.v1);
    assert.equal(answer.body.content, v1);
    assert.equal(answer.body.sha256, sha256Hex(v1));
    assert.equal(answer.body.source, 'create');
  });

  it('adds a version with source modify for new content, newest first', async () => {
    const patched = await api<FunctionView>('PATCH', `/api/v1/functions/${fn.id}`, { content: v2 });
    assert.equal(patched.status, 200, patched.text);
    ids.v2 = patched.body.productionVersion.id;
    const list = await versions();
    assert.deepEqual(list.map((v) => v.id), [ids.v2, ids.v1]);
    assert.deepEqual(list.map((v) => v.source), ['modify', 'create']);
  });

  it('adds a version with source sync:<replica> on a sync', async () => {
    const replica = await api('POST', `/api/v1/functions/${fn.id}/replicas`, { name: 'test-replica', content: v3 });
    assert.equal(replica.status, 201, replica.text);
    const synced = await api<VersionView>('POST', `/api/v1/functions/${fn.id}/replicas/test-replica/sync`, { productionVersion: ids.v2, confirm: true });
    assert.ok(synced.status === 200 || synced.status === 201, synced.text);
    assert.equal(synced.body.source, 'sync:test-replica');
    ids.v3 = synced.body.id;
    const list = await versions();
    assert.deepEqual(list.map((v) => v.source), ['sync:test-replica', 'modify', 'create']);
    assert.equal((await production()).id, ids.v3);
  });

  it('rolls back: a new version with the old content and source rollback:<id>, and it is production', async () => {
    const answer = await api<VersionView>('POST', `/api/v1/functions/${fn.id}/versions/${ids.v1}/rollback`);
    assert.ok(answer.status === 200 || answer.status === 201, answer.text);
    const created = answer.body;
    assert.notEqual(created.id, ids.v1, 'rollback never re-points to the old version');
    assert.equal(created.source, `rollback:${ids.v1}`);
    assert.equal(created.sha256, sha256Hex(v1));
    ids.v4 = created.id;
    const prod = await production();
    assert.equal(prod.id, created.id);
    assert.equal(prod.source, `rollback:${ids.v1}`);
    const got = await api<VersionView>('GET', `/api/v1/functions/${fn.id}/versions/${created.id}`);
    assert.equal(got.body.content, v1);
  });

  it('keeps the whole history, newest first, after any number of changes', async () => {
    const list = await versions();
    assert.deepEqual(list.map((v) => v.id), [ids.v4, ids.v3, ids.v2, ids.v1]);
    assert.deepEqual(list.map((v) => v.source), [`rollback:${ids.v1}`, 'sync:test-replica', 'modify', 'create']);
    // Old versions are immutable: their content is still what it was.
    const old = await api<VersionView>('GET', `/api/v1/functions/${fn.id}/versions/${ids.v2}`);
    assert.equal(old.body.content, v2);
    const synced = await api<VersionView>('GET', `/api/v1/functions/${fn.id}/versions/${ids.v3}`);
    assert.equal(synced.body.content, v3);
    // The replica outlives the sync.
    const replica = await api<{ name: string }>('GET', `/api/v1/functions/${fn.id}/replicas/test-replica`);
    assert.equal(replica.status, 200);
  });

  it('rolls back to a rollback, and to the current version, each time growing history', async () => {
    const again = await api<VersionView>('POST', `/api/v1/functions/${fn.id}/versions/${ids.v3}/rollback`);
    assert.ok(again.status === 200 || again.status === 201, again.text);
    assert.equal(again.body.source, `rollback:${ids.v3}`);
    const current = await api<VersionView>('POST', `/api/v1/functions/${fn.id}/versions/${again.body.id}/rollback`);
    assert.ok(current.status === 200 || current.status === 201, current.text);
    assert.equal(current.body.source, `rollback:${again.body.id}`);
    assert.equal(current.body.sha256, sha256Hex(v3));
    assert.equal((await versions()).length, 6);
  });

  it('answers 404 ResourceUnavailable.VersionNotFound for an unknown version, and rollback to it changes nothing', async () => {
    const before = await versions();
    assertError(await api('GET', `/api/v1/functions/${fn.id}/versions/ver-0000000000`), 404, 'ResourceUnavailable.VersionNotFound');
    assertError(await api('POST', `/api/v1/functions/${fn.id}/versions/ver-0000000000/rollback`), 404, 'ResourceUnavailable.VersionNotFound');
    assert.deepEqual(await versions(), before);
  });

  it("does not serve or roll back to another function's version", async () => {
    const stranger = await createFunction(api, zoneId, 'stranger', sw('stranger'));
    const theirs = stranger.productionVersion.id;
    assertError(await api('GET', `/api/v1/functions/${fn.id}/versions/${theirs}`), 404, 'ResourceUnavailable.VersionNotFound');
    const before = await versions();
    assertError(await api('POST', `/api/v1/functions/${fn.id}/versions/${theirs}/rollback`), 404, 'ResourceUnavailable.VersionNotFound');
    assert.deepEqual(await versions(), before);
  });

  it('answers 404 ResourceUnavailable.FunctionNotFound for versions of an unknown function', async () => {
    assertError(await api('GET', '/api/v1/functions/ef-00000000/versions'), 404, 'ResourceUnavailable.FunctionNotFound');
    assertError(await api('GET', `/api/v1/functions/ef-00000000/versions/${ids.v1}`), 404, 'ResourceUnavailable.FunctionNotFound');
    assertError(await api('POST', `/api/v1/functions/ef-00000000/versions/${ids.v1}/rollback`), 404, 'ResourceUnavailable.FunctionNotFound');
  });
});
