/**
 * HTTP API contract: functions. The exact response shape and default domain, list by zone, get,
 * patch (remark vs new content), delete, name and remark validation, conflicts, and code checks
 * (syntax errors with line and column, the 5 MB limit) that save nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  apiClient,
  assertError,
  createFunction,
  createZone,
  sha256Hex,
  startPlatform,
  sw,
  type Api,
  type FunctionView,
  type Platform,
  type VersionView,
  type ZoneView,
} from './helpers.ts';

const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const fiveMb = 5 * 1024 * 1024;

describe('API: functions', () => {
  let platform: Platform;
  let api: Api;
  let zone: ZoneView;
  let other: ZoneView;

  before(async () => {
    platform = await startPlatform();
    api = apiClient(platform);
    zone = await createZone(api, 'functions.example.com');
    other = await createZone(api, 'other.example.com');
  });
  after(async () => {
    await platform.close();
  });

  const list = async (zoneId = zone.id): Promise<FunctionView[]> => {
    const answer = await api<{ functions: FunctionView[] }>('GET', `/api/v1/functions?zoneId=${zoneId}`);
    assert.equal(answer.status, 200, answer.text);
    return answer.body.functions;
  };
  const versions = async (id: string): Promise<VersionView[]> => {
    const answer = await api<{ versions: VersionView[] }>('GET', `/api/v1/functions/${id}/versions`);
    assert.equal(answer.status, 200, answer.text);
    return answer.body.versions;
  };

  it('creates a function: 201 with exactly {id, zoneId, name, remark, domain, productionVersion, createdAt, updatedAt}', async () => {
    const content = sw('hello');
    const answer = await api<FunctionView>('POST', '/api/v1/functions', { zoneId: zone.id, name: 'test-2xkazsasyf6k-1206341531', content, remark: 'first' });
    assert.equal(answer.status, 201, answer.text);
    const fn = answer.body;
    assert.deepEqual(Object.keys(fn).sort(), ['createdAt', 'domain', 'id', 'name', 'productionVersion', 'remark', 'updatedAt', 'zoneId']);
    assert.deepEqual(Object.keys(fn.productionVersion).sort(), ['createdAt', 'id', 'sha256', 'source']);
    assert.match(fn.id, /^ef-[a-z0-9]{8}$/);
    assert.equal(fn.zoneId, zone.id);
    assert.equal(fn.name, 'test-2xkazsasyf6k-1206341531');
    assert.equal(fn.remark, 'first');
    assert.equal(fn.domain, `test-2xkazsasyf6k-1206341531-${zone.id.slice('zone-'.length)}.edgefunctions.localhost`);
    assert.equal(fn.productionVersion.source, 'create');
    assert.equal(fn.productionVersion.sha256, sha256Hex(content));
    assert.equal(typeof fn.productionVersion.id, 'string');
    assert.match(fn.productionVersion.createdAt, iso);
    assert.match(fn.createdAt, iso);
    assert.match(fn.updatedAt, iso);
    assert.ok(!answer.text.includes(content), 'the create answer does not echo the code');
  });

  it('defaults the remark to an empty string', async () => {
    const fn = await createFunction(api, zone.id, 'no-remark');
    assert.equal(fn.remark, '');
  });

  it('gets a function by id with the same view', async () => {
    const fn = await createFunction(api, zone.id, 'get-me');
    const answer = await api<FunctionView>('GET', `/api/v1/functions/${fn.id}`);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, fn);
  });

  it('lists functions of one zone with ?zoneId=, and all without it', async () => {
    const here = await createFunction(api, zone.id, 'listed-here');
    const there = await createFunction(api, other.id, 'listed-there');
    const inZone = await list(zone.id);
    assert.ok(inZone.some((f) => f.id === here.id));
    assert.ok(inZone.every((f) => f.zoneId === zone.id), 'only functions of the zone');
    const inOther = await list(other.id);
    assert.deepEqual(inOther.map((f) => f.id), [there.id]);
    assert.deepEqual(inOther[0], there);
    const all = await api<{ functions: FunctionView[] }>('GET', '/api/v1/functions');
    assert.equal(all.status, 200);
    const ids = all.body.functions.map((f) => f.id);
    assert.ok(ids.includes(here.id) && ids.includes(there.id));
  });

  it('answers 404 ZoneNotFound for ?zoneId= of an unknown zone and for create in an unknown zone', async () => {
    assertError(await api('GET', '/api/v1/functions?zoneId=zone-000000000000'), 404, 'ResourceUnavailable.ZoneNotFound');
    assertError(await api('POST', '/api/v1/functions', { zoneId: 'zone-000000000000', name: 'orphan', content: sw('x') }), 404, 'ResourceUnavailable.ZoneNotFound');
  });

  it('PATCH with a remark only changes the remark, not the production version', async () => {
    const fn = await createFunction(api, zone.id, 'remark-only');
    const answer = await api<FunctionView>('PATCH', `/api/v1/functions/${fn.id}`, { remark: 'new remark' });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.remark, 'new remark');
    assert.deepEqual(answer.body.productionVersion, fn.productionVersion);
    assert.equal((await versions(fn.id)).length, 1);
  });

  it('PATCH with content makes a new production version with source modify', async () => {
    const fn = await createFunction(api, zone.id, 'modify-me');
    const content = sw('second');
    const answer = await api<FunctionView>('PATCH', `/api/v1/functions/${fn.id}`, { content });
    assert.equal(answer.status, 200, answer.text);
    assert.notEqual(answer.body.productionVersion.id, fn.productionVersion.id);
    assert.equal(answer.body.productionVersion.source, 'modify');
    assert.equal(answer.body.productionVersion.sha256, sha256Hex(content));
    assert.equal(answer.body.name, 'modify-me');
    assert.ok(answer.body.updatedAt >= fn.updatedAt);
    const got = await api<FunctionView>('GET', `/api/v1/functions/${fn.id}`);
    assert.deepEqual(got.body.productionVersion, answer.body.productionVersion);
    const history = await versions(fn.id);
    assert.deepEqual(history.map((v) => v.source), ['modify', 'create']);
  });

  it('does not let a function be renamed or moved', async () => {
    const fn = await createFunction(api, zone.id, 'fixed-name');
    assert.equal((await api('PATCH', `/api/v1/functions/${fn.id}`, { name: 'other-name' })).status, 400);
    assert.equal((await api('PATCH', `/api/v1/functions/${fn.id}`, { zoneId: other.id })).status, 400);
    const got = await api<FunctionView>('GET', `/api/v1/functions/${fn.id}`);
    assert.equal(got.body.name, 'fixed-name');
    assert.equal(got.body.zoneId, zone.id);
  });

  it('deletes a function: 204, then 404 FunctionNotFound, and it leaves the list', async () => {
    const fn = await createFunction(api, zone.id, 'delete-me');
    const deleted = await api('DELETE', `/api/v1/functions/${fn.id}`);
    assert.equal(deleted.status, 204);
    for (const [method, path] of [
      ['GET', `/api/v1/functions/${fn.id}`],
      ['GET', `/api/v1/functions/${fn.id}/versions`],
      ['DELETE', `/api/v1/functions/${fn.id}`],
    ] as const) {
      assertError(await api(method, path), 404, 'ResourceUnavailable.FunctionNotFound', `${method} ${path}`);
    }
    assertError(await api('PATCH', `/api/v1/functions/${fn.id}`, { remark: 'x' }), 404, 'ResourceUnavailable.FunctionNotFound');
    assert.ok(!(await list()).some((f) => f.id === fn.id));
    // The name is free again.
    await createFunction(api, zone.id, 'delete-me');
  });

  for (const name of ['ab', 'test-2xkazsasyf6k-1206341532', 'a1', 'a-b', 'a'.repeat(30), 'x0-9z']) {
    it(`accepts function name ${JSON.stringify(name)}`, async () => {
      const answer = await api<FunctionView>('POST', '/api/v1/functions', { zoneId: other.id, name, content: sw(name) });
      assert.equal(answer.status, 201, answer.text);
      assert.equal(answer.body.name, name);
    });
  }

  for (const name of ['a', 'A-b', 'Ab', '1ab', '-ab', 'ab-', 'a_b', 'a b', 'a.b', 'é-ab', '', 'a'.repeat(31)]) {
    it(`refuses function name ${JSON.stringify(name)} with 400 InvalidParameter.BadFunctionName`, async () => {
      const before = await list(other.id);
      const answer = await api('POST', '/api/v1/functions', { zoneId: other.id, name, content: sw('x') });
      const body = assertError(answer, 400, 'InvalidParameter.BadFunctionName', name);
      assert.ok(body.error.message.length > 10, 'the message names the broken rule');
      assert.deepEqual(await list(other.id), before, 'nothing saved');
    });
  }

  it('accepts a 60-character remark and refuses 61 with InvalidParameter.LengthExceedsLimit, on create and on PATCH', async () => {
    const fn = await createFunction(api, zone.id, 'remarks', sw('r'), 'r'.repeat(60));
    assert.equal(fn.remark, 'r'.repeat(60));
    assertError(await api('POST', '/api/v1/functions', { zoneId: zone.id, name: 'long-remark', content: sw('x'), remark: 'r'.repeat(61) }), 400, 'InvalidParameter.LengthExceedsLimit');
    assert.ok(!(await list()).some((f) => f.name === 'long-remark'));
    assertError(await api('PATCH', `/api/v1/functions/${fn.id}`, { remark: 'x'.repeat(61) }), 400, 'InvalidParameter.LengthExceedsLimit');
    const got = await api<FunctionView>('GET', `/api/v1/functions/${fn.id}`);
    assert.equal(got.body.remark, 'r'.repeat(60));
  });

  it('counts remark length in characters, not UTF-16 units: 60 emoji fit, 61 do not', async () => {
    const fn = await createFunction(api, zone.id, 'emoji-remark', sw('e'), '😀'.repeat(60));
    assert.equal(fn.remark, '😀'.repeat(60));
    assertError(await api('PATCH', `/api/v1/functions/${fn.id}`, { remark: '😀'.repeat(61) }), 400, 'InvalidParameter.LengthExceedsLimit');
  });

  it('allows 100 functions per zone and refuses the 101st with LimitExceeded.FunctionLimitExceeded', async () => {
    const full = await createZone(api, 'full.example.com');
    for (let i = 0; i < 100; i++) await createFunction(api, full.id, `f${i}`, '// tiny\n');
    assertError(await api('POST', '/api/v1/functions', { zoneId: full.id, name: 'f100', content: '// tiny\n' }), 400, 'LimitExceeded.FunctionLimitExceeded');
    assert.equal((await list(full.id)).length, 100);
  });

  it('refuses a duplicate name in the same zone with 409 InvalidParameter.FunctionNameConflict; another zone may reuse it', async () => {
    await createFunction(api, zone.id, 'twin');
    const before = await list();
    assertError(await api('POST', '/api/v1/functions', { zoneId: zone.id, name: 'twin', content: sw('again') }), 409, 'InvalidParameter.FunctionNameConflict');
    assert.deepEqual(await list(), before);
    const elsewhere = await createFunction(api, other.id, 'twin');
    assert.equal(elsewhere.zoneId, other.id);
  });

  it('refuses a syntax error with 400 InvalidParameter.BadContent, line and column, and saves nothing', async () => {
    const before = await list();
    const content = 'const a = 1;\nconst b = 2;\n  let x = ;\n';
    const body = assertError(await api('POST', '/api/v1/functions', { zoneId: zone.id, name: 'broken', content }), 400, 'InvalidParameter.BadContent');
    assert.equal(body.error.details?.line, 3);
    assert.equal(body.error.details?.column, 11);
    assert.deepEqual(await list(), before, 'the function list is unchanged');
  });

  it('refuses a syntax error on PATCH and keeps production and its history as they were', async () => {
    const fn = await createFunction(api, zone.id, 'patch-broken');
    const content = "addEventListener('fetch', (e) => {\n  e.respondWith(new Response('x')\n});\n";
    const body = assertError(await api('PATCH', `/api/v1/functions/${fn.id}`, { content, remark: 'should not stick' }), 400, 'InvalidParameter.BadContent');
    assert.equal(body.error.details?.line, 2);
    assert.equal(typeof body.error.details?.column, 'number');
    const got = await api<FunctionView>('GET', `/api/v1/functions/${fn.id}`);
    assert.deepEqual(got.body.productionVersion, fn.productionVersion);
    assert.equal(got.body.remark, '');
    assert.equal((await versions(fn.id)).length, 1, 'no new version');
  });

  it('accepts code of exactly 5 MB', async () => {
    const content = `//${'x'.repeat(fiveMb - 3)}\n`;
    assert.equal(Buffer.byteLength(content), fiveMb);
    const fn = await createFunction(api, other.id, 'five-mb', content);
    assert.equal(fn.productionVersion.sha256, sha256Hex(content));
  });

  it('refuses code over 5 MB (counted in UTF-8 bytes) with InvalidParameter.ContentExceedsLimit, on create and PATCH', async () => {
    const before = await list();
    const ascii = `//${'x'.repeat(fiveMb - 2)}\n`;
    assertError(await api('POST', '/api/v1/functions', { zoneId: zone.id, name: 'too-big', content: ascii }), 400, 'InvalidParameter.ContentExceedsLimit', 'ascii');
    // 2.7 M characters, but 5.4 MB in UTF-8.
    const wide = `//${'é'.repeat(2_700_000)}`;
    assertError(await api('POST', '/api/v1/functions', { zoneId: zone.id, name: 'too-big', content: wide }), 400, 'InvalidParameter.ContentExceedsLimit', 'utf-8');
    assert.deepEqual(await list(), before);
    const fn = await createFunction(api, zone.id, 'grow');
    assertError(await api('PATCH', `/api/v1/functions/${fn.id}`, { content: ascii }), 400, 'InvalidParameter.ContentExceedsLimit', 'patch');
    assert.equal((await versions(fn.id)).length, 1);
  });

  it('refuses a function without content, or with a non-string one', async () => {
    assert.equal((await api('POST', '/api/v1/functions', { zoneId: zone.id, name: 'no-content' })).status, 400);
    assert.equal((await api('POST', '/api/v1/functions', { zoneId: zone.id, name: 'no-content', content: 42 })).status, 400);
    assert.ok(!(await list()).some((f) => f.name === 'no-content'));
  });

  // Last: the body is over the API's request-size cap, which may cost the connection.
  it('refuses 9 MB of code as code over the limit (InvalidParameter.ContentExceedsLimit)', async () => {
    const content = `//${'x'.repeat(9 * 1024 * 1024)}\n`;
    assertError(await api('POST', '/api/v1/functions', { zoneId: zone.id, name: 'huge', content }), 400, 'InvalidParameter.ContentExceedsLimit');
  });
});
