/**
 * HTTP API contract: code replicas. Create from production or from custom code, the name table, the
 * limit of 2, conflicts, optimistic concurrency on PATCH, remarks, compare (unified diff) and sync
 * (confirmation, stale production version, the replica remaining).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient, assertError, createFunction, createZone, sha256Hex, startPlatform, sw, type Api, type FunctionView, type Platform, type ReplicaView, type VersionView } from './helpers.ts';

interface Compare {
  production: { version: { id: string; sha256: string }; content: string };
  replica: { name: string; revision: number; content: string };
  diff: string;
  added: number;
  removed: number;
}

describe('API: replicas, compare and sync', () => {
  let platform: Platform;
  let api: Api;
  let zoneId = '';
  let fn: FunctionView;
  const prodCode = sw('production v1');

  before(async () => {
    platform = await startPlatform();
    api = apiClient(platform);
    zoneId = (await createZone(api, 'replicas.example.com')).id;
    fn = await createFunction(api, zoneId, 'with-replicas', prodCode);
  });
  after(async () => {
    await platform.close();
  });

  const base = (f: FunctionView = fn) => `/api/v1/functions/${f.id}/replicas`;
  const getReplica = async (name: string, f: FunctionView = fn): Promise<ReplicaView> => {
    const answer = await api<ReplicaView>('GET', `${base(f)}/${name}`);
    assert.equal(answer.status, 200, answer.text);
    return answer.body;
  };
  const listReplicas = async (f: FunctionView = fn): Promise<ReplicaView[]> => {
    const answer = await api<{ replicas: ReplicaView[] }>('GET', base(f));
    assert.equal(answer.status, 200, answer.text);
    return answer.body.replicas;
  };
  const production = async (f: FunctionView = fn) => (await api<FunctionView>('GET', `/api/v1/functions/${f.id}`)).body.productionVersion;
  const versionCount = async (f: FunctionView = fn) => (await api<{ versions: VersionView[] }>('GET', `/api/v1/functions/${f.id}/versions`)).body.versions.length;

  it('creates a replica from production: 201 {functionId, name, remark, revision, createdAt, modifiedAt} with a copy of production code', async () => {
    const answer = await api<ReplicaView>('POST', base(), { name: 'test-replica', from: 'production', remark: 'copy' });
    assert.equal(answer.status, 201, answer.text);
    const r = answer.body;
    assert.equal(r.functionId, fn.id);
    assert.equal(r.name, 'test-replica');
    assert.equal(r.remark, 'copy');
    assert.equal(r.revision, 1);
    assert.equal(typeof r.createdAt, 'string');
    assert.equal(typeof r.modifiedAt, 'string');
    const got = await getReplica('test-replica');
    assert.equal(got.content, prodCode);
    assert.equal(got.revision, 1);
  });

  it('keeps the copy when production changes later', async () => {
    const other = await createFunction(api, zoneId, 'copy-source', sw('old production'));
    assert.equal((await api('POST', base(other), { name: 'snapshot', from: 'production' })).status, 201);
    assert.equal((await api('PATCH', `/api/v1/functions/${other.id}`, { content: sw('new production') })).status, 200);
    assert.equal((await getReplica('snapshot', other)).content, sw('old production'));
  });

  it('creates a replica with custom content, and lists replicas', async () => {
    const custom = sw('custom replica');
    const answer = await api<ReplicaView>('POST', base(), { name: 'custom', content: custom });
    assert.equal(answer.status, 201, answer.text);
    assert.equal(answer.body.remark, '');
    assert.equal((await getReplica('custom')).content, custom);
    assert.deepEqual((await listReplicas()).map((r) => r.name).sort(), ['custom', 'test-replica']);
    assert.deepEqual(await production(), fn.productionVersion, 'creating replicas leaves production alone');
  });

  it('refuses a third replica with 400 LimitExceeded.ReplicaLimitExceeded', async () => {
    assertError(await api('POST', base(), { name: 'third', from: 'production' }), 400, 'LimitExceeded.ReplicaLimitExceeded');
    assertError(await api('POST', base(), { name: 'third', content: sw('3') }), 400, 'LimitExceeded.ReplicaLimitExceeded');
    assert.equal((await listReplicas()).length, 2);
  });

  it('refuses a duplicate replica name with 409', async () => {
    const other = await createFunction(api, zoneId, 'dup-replicas');
    assert.equal((await api('POST', base(other), { name: 'same', from: 'production' })).status, 201);
    assertError(await api('POST', base(other), { name: 'same', content: sw('x') }), 409, 'InvalidParameter.ReplicaNameConflict');
    assert.equal((await listReplicas(other)).length, 1);
  });

  it('accepts replica names a, test-replica, a-b-c, 0-9 and 50 characters', async () => {
    const other = await createFunction(api, zoneId, 'name-table-ok');
    for (const name of ['a', 'test-replica', 'a-b-c', '0-9', 'r'.repeat(50)]) {
      const answer = await api<ReplicaView>('POST', base(other), { name, from: 'production' });
      assert.equal(answer.status, 201, `${name}: ${answer.text}`);
      assert.equal(answer.body.name, name);
      assert.equal((await api('DELETE', `${base(other)}/${name}`)).status, 204, name);
    }
  });

  for (const name of ['-a', 'a-', 'a--b', 'A', 'Test', 'a_b', 'a b', 'a.b', 'é', '', 'r'.repeat(51), 'production']) {
    it(`refuses replica name ${JSON.stringify(name.length > 20 ? `r…(${name.length})` : name)} with 400 InvalidParameter.BadReplicaName`, async () => {
      const other = await createFunction(api, zoneId, `bad-name-${Math.random().toString(36).slice(2, 8)}`);
      assertError(await api('POST', base(other), { name, from: 'production' }), 400, 'InvalidParameter.BadReplicaName', name);
      assert.equal((await listReplicas(other)).length, 0, 'nothing saved');
    });
  }

  it('refuses a replica remark over 50 characters with InvalidParameter.LengthExceedsLimit, on create and PATCH', async () => {
    const other = await createFunction(api, zoneId, 'replica-remarks');
    assertError(await api('POST', base(other), { name: 'long', from: 'production', remark: 'r'.repeat(51) }), 400, 'InvalidParameter.LengthExceedsLimit');
    assert.equal((await listReplicas(other)).length, 0);
    const ok = await api<ReplicaView>('POST', base(other), { name: 'ok', from: 'production', remark: 'r'.repeat(50) });
    assert.equal(ok.status, 201, ok.text);
    assertError(await api('PATCH', `${base(other)}/ok`, { remark: 'x'.repeat(51) }), 400, 'InvalidParameter.LengthExceedsLimit');
    const got = await getReplica('ok', other);
    assert.equal(got.remark, 'r'.repeat(50));
    assert.equal(got.revision, 1);
  });

  it('refuses custom content with a syntax error (BadContent, line and column) and saves nothing', async () => {
    const other = await createFunction(api, zoneId, 'replica-syntax');
    const body = assertError(await api('POST', base(other), { name: 'broken', content: 'let x = ;' }), 400, 'InvalidParameter.BadContent');
    assert.equal(body.error.details?.line, 1);
    assert.equal(typeof body.error.details?.column, 'number');
    assert.equal((await listReplicas(other)).length, 0);
  });

  it('refuses both from and content, neither, or an unknown from, with 400', async () => {
    const other = await createFunction(api, zoneId, 'replica-input');
    assert.equal((await api('POST', base(other), { name: 'both', from: 'production', content: sw('x') })).status, 400);
    assert.equal((await api('POST', base(other), { name: 'neither' })).status, 400);
    assert.equal((await api('POST', base(other), { name: 'staging', from: 'staging' })).status, 400);
    assert.equal((await listReplicas(other)).length, 0);
  });

  it('PATCHes with the current revision, then refuses a stale one with 409 FailedOperation.ReplicaRevisionConflict', async () => {
    const v2 = sw('replica v2');
    const ok = await api<ReplicaView>('PATCH', `${base()}/test-replica`, { content: v2, revision: 1 });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.revision, 2);
    assertError(await api('PATCH', `${base()}/test-replica`, { content: sw('lost update'), revision: 1 }), 409, 'FailedOperation.ReplicaRevisionConflict');
    assertError(await api('PATCH', `${base()}/test-replica`, { remark: 'lost too', revision: 1 }), 409, 'FailedOperation.ReplicaRevisionConflict');
    const got = await getReplica('test-replica');
    assert.equal(got.content, v2, 'content unchanged by the stale PATCH');
    assert.equal(got.remark, 'copy');
    assert.equal(got.revision, 2);
    assert.deepEqual(await production(), fn.productionVersion, 'replica edits never touch production');
  });

  it('refuses a PATCH with broken code and keeps content and revision', async () => {
    assertError(await api('PATCH', `${base()}/test-replica`, { content: 'function (', revision: 2 }), 400, 'InvalidParameter.BadContent');
    const got = await getReplica('test-replica');
    assert.equal(got.revision, 2);
    assert.equal(got.content, sw('replica v2'));
    assert.equal((await api('PATCH', `${base()}/test-replica`, { name: 'renamed' })).status, 400, 'replica names cannot change');
  });

  it('answers 404 for an unknown replica or function', async () => {
    for (const [method, path] of [
      ['GET', `${base()}/nope`],
      ['DELETE', `${base()}/nope`],
      ['GET', `${base()}/nope/compare`],
    ] as const) {
      assertError(await api(method, path), 404, 'ResourceUnavailable.ReplicaNotFound', `${method} ${path}`);
    }
    assertError(await api('PATCH', `${base()}/nope`, { remark: 'x' }), 404, 'ResourceUnavailable.ReplicaNotFound');
    assertError(await api('POST', `${base()}/nope/sync`, { productionVersion: fn.productionVersion.id, confirm: true }), 404, 'ResourceUnavailable.ReplicaNotFound');
    assertError(await api('GET', '/api/v1/functions/ef-00000000/replicas'), 404, 'ResourceUnavailable.FunctionNotFound');
    assertError(await api('POST', '/api/v1/functions/ef-00000000/replicas', { name: 'x', from: 'production' }), 404, 'ResourceUnavailable.FunctionNotFound');
  });

  it('compares production with a replica: {production: {version, content}, replica: {name, revision, content}, diff, added, removed}', async () => {
    const other = await createFunction(api, zoneId, 'compare-me', '// line1\n// line2\n// line3\n');
    assert.equal((await api('POST', base(other), { name: 'edit', content: '// line1\n// LINE2\n// line3\n// line4\n' })).status, 201);
    const answer = await api<Compare>('GET', `${base(other)}/edit/compare`);
    assert.equal(answer.status, 200, answer.text);
    const c = answer.body;
    assert.deepEqual(c.production, { version: { id: other.productionVersion.id, sha256: sha256Hex('// line1\n// line2\n// line3\n') }, content: '// line1\n// line2\n// line3\n' });
    assert.deepEqual(c.replica, { name: 'edit', revision: 1, content: '// line1\n// LINE2\n// line3\n// line4\n' });
    assert.equal(c.added, 2);
    assert.equal(c.removed, 1);
    const lines = c.diff.split('\n');
    assert.ok(lines[0]?.startsWith('--- '), c.diff);
    assert.ok(lines[1]?.startsWith('+++ '), c.diff);
    assert.equal(lines[2], '@@ -1,3 +1,4 @@');
    assert.deepEqual(lines.slice(3).filter((l) => l !== ''), [' // line1', '-// line2', '+// LINE2', ' // line3', '+// line4']);
  });

  it('refuses a sync without confirm: true with 400 InvalidParameter.ConfirmationRequired', async () => {
    const prod = await production();
    for (const body of [{ productionVersion: prod.id }, { productionVersion: prod.id, confirm: false }, { productionVersion: prod.id, confirm: 'true' }]) {
      const answer = await api('POST', `${base()}/test-replica/sync`, body);
      assert.equal(answer.status, 400, `${JSON.stringify(body)}: ${answer.text}`);
      if ((body as { confirm?: unknown }).confirm !== 'true') assertError(answer, 400, 'InvalidParameter.ConfirmationRequired');
    }
    assert.deepEqual(await production(), prod);
  });

  it('refuses a sync against a stale production version with 409 FailedOperation.ProductionChanged and changes nothing', async () => {
    const compared = (await api<Compare>('GET', `${base()}/test-replica/compare`)).body.production.version.id;
    const moved = await api<FunctionView>('PATCH', `/api/v1/functions/${fn.id}`, { content: sw('production v2') });
    assert.equal(moved.status, 200);
    const count = await versionCount();
    assertError(await api('POST', `${base()}/test-replica/sync`, { productionVersion: compared, confirm: true }), 409, 'FailedOperation.ProductionChanged');
    assert.deepEqual(await production(), moved.body.productionVersion);
    assert.equal(await versionCount(), count);
    fn = moved.body;
  });

  it('refuses a sync naming a stale replica revision with 409 FailedOperation.ReplicaRevisionConflict and changes nothing', async () => {
    const compare = (await api<Compare>('GET', `${base()}/test-replica/compare`)).body;
    const edited = await api<ReplicaView>('PATCH', `${base()}/test-replica`, { content: sw('edited after the compare') });
    assert.equal(edited.status, 200, edited.text);
    const count = await versionCount();
    const body = { productionVersion: compare.production.version.id, replicaRevision: compare.replica.revision, confirm: true };
    assertError(await api('POST', `${base()}/test-replica/sync`, body), 409, 'FailedOperation.ReplicaRevisionConflict');
    assert.equal(await versionCount(), count);
    assertError(await api('POST', `${base()}/test-replica/sync`, { ...body, replicaRevision: 'one' }), 400, 'InvalidParameter.InvalidParameter');
    // Put the compared code back for the tests that follow.
    assert.equal((await api('PATCH', `${base()}/test-replica`, { content: compare.replica.content })).status, 200);
  });

  it('syncs: a new production version with source sync:<name> and the replica code; the replica remains', async () => {
    const compare = (await api<Compare>('GET', `${base()}/test-replica/compare`)).body;
    const before = await getReplica('test-replica');
    const answer = await api<VersionView>('POST', `${base()}/test-replica/sync`, { productionVersion: compare.production.version.id, confirm: true });
    assert.ok(answer.status === 200 || answer.status === 201, answer.text);
    assert.equal(answer.body.source, 'sync:test-replica');
    assert.equal(answer.body.sha256, sha256Hex(before.content ?? ''));
    const prod = await production();
    assert.equal(prod.id, answer.body.id);
    const content = await api<VersionView>('GET', `/api/v1/functions/${fn.id}/versions/${prod.id}`);
    assert.equal(content.body.content, before.content);
    assert.deepEqual(await getReplica('test-replica'), before, 'the replica remains as it was');
    const after = (await api<Compare>('GET', `${base()}/test-replica/compare`)).body;
    assert.equal(after.added + after.removed, 0);
    assert.equal(after.diff, '');
    // The compared version is now stale: a second sync with it is refused.
    assertError(await api('POST', `${base()}/test-replica/sync`, { productionVersion: compare.production.version.id, confirm: true }), 409, 'FailedOperation.ProductionChanged');
  });

  it('deletes a replica (204), which frees a slot and leaves production alone', async () => {
    const prod = await production();
    assert.equal((await api('DELETE', `${base()}/custom`)).status, 204);
    assertError(await api('GET', `${base()}/custom`), 404, 'ResourceUnavailable.ReplicaNotFound');
    assert.deepEqual(await production(), prod);
    assert.equal((await api('POST', base(), { name: 'custom-2', from: 'production' })).status, 201);
  });
});
