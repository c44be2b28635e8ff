/**
 * HTTP API contract: zones (sites). CRUD over real sockets, name and origin validation, conflicts,
 * unknown ids, and deleting a zone with what it holds.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient, assertError, createFunction, type Api, type FunctionView, type Platform, type ZoneView, startPlatform } from './helpers.ts';

describe('API: zones', () => {
  let platform: Platform;
  let api: Api;

  before(async () => {
    platform = await startPlatform();
    api = apiClient(platform);
  });
  after(async () => {
    await platform.close();
  });

  it('creates a zone: 201 {id, name, origin}', async () => {
    const answer = await api<ZoneView>('POST', '/api/v1/zones', { name: 'example.com', origin: 'http://127.0.0.1:9000' });
    assert.equal(answer.status, 201, answer.text);
    assert.match(answer.headers.get('content-type') ?? '', /application\/json/);
    assert.match(answer.body.id, /^zone-[a-z0-9]{12}$/);
    assert.equal(answer.body.name, 'example.com');
    assert.equal(answer.body.origin, 'http://127.0.0.1:9000');
  });

  it('lists zones and gets one by id', async () => {
    const created = await api<ZoneView>('POST', '/api/v1/zones', { name: 'list.example.org', origin: 'https://origin.example.org' });
    assert.equal(created.status, 201, created.text);
    const list = await api<{ zones: ZoneView[] }>('GET', '/api/v1/zones');
    assert.equal(list.status, 200);
    assert.ok(Array.isArray(list.body.zones));
    const names = list.body.zones.map((z) => z.name);
    assert.ok(names.includes('example.com') && names.includes('list.example.org'), `zones listed: ${names.join(', ')}`);
    const one = await api<ZoneView>('GET', `/api/v1/zones/${created.body.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.id, created.body.id);
    assert.equal(one.body.name, 'list.example.org');
    assert.equal(one.body.origin, 'https://origin.example.org');
  });

  it('changes the origin with PATCH, and the change is stored', async () => {
    const zone = await api<ZoneView>('POST', '/api/v1/zones', { name: 'patch.example.net', origin: 'http://127.0.0.1:9001' });
    const patched = await api<ZoneView>('PATCH', `/api/v1/zones/${zone.body.id}`, { origin: 'https://new-origin.example.net:8443' });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.origin, 'https://new-origin.example.net:8443');
    assert.equal(patched.body.name, 'patch.example.net');
    const again = await api<ZoneView>('GET', `/api/v1/zones/${zone.body.id}`);
    assert.equal(again.body.origin, 'https://new-origin.example.net:8443');
  });

  it('refuses a bad origin on PATCH and keeps the old one', async () => {
    const zone = await api<ZoneView>('POST', '/api/v1/zones', { name: 'keep.example.net', origin: 'http://127.0.0.1:9002' });
    assertError(await api('PATCH', `/api/v1/zones/${zone.body.id}`, { origin: 'ftp://files.example.net' }), 400, 'InvalidParameter.BadOrigin');
    const again = await api<ZoneView>('GET', `/api/v1/zones/${zone.body.id}`);
    assert.equal(again.body.origin, 'http://127.0.0.1:9002');
  });

  it('does not let a zone be renamed', async () => {
    const zone = await api<ZoneView>('POST', '/api/v1/zones', { name: 'fixed.example.net', origin: 'http://127.0.0.1:9003' });
    const answer = await api('PATCH', `/api/v1/zones/${zone.body.id}`, { name: 'renamed.example.net' });
    assert.equal(answer.status, 400, answer.text);
    const again = await api<ZoneView>('GET', `/api/v1/zones/${zone.body.id}`);
    assert.equal(again.body.name, 'fixed.example.net');
  });

  const badNames = ['localhost', '', 'exa mple.com', '-bad.example.com', 'bad-.example.com', 'a..example.com', 'example.com.', 'under_score.com', '10.0.0.1', `${'a'.repeat(64)}.com`];
  for (const name of badNames) {
    it(`refuses zone name ${JSON.stringify(name.length > 20 ? `${name.slice(0, 12)}…(${name.length})` : name)} with 400 InvalidParameter.BadZoneName`, async () => {
      assertError(await api('POST', '/api/v1/zones', { name, origin: 'http://127.0.0.1:9000' }), 400, 'InvalidParameter.BadZoneName', name);
    });
  }

  const badOrigins = ['', 'not a url', 'ftp://origin.example.com', 'http://user:pass@origin.example.com', 'http://origin.example.com/path', 'http://origin.example.com/?q=1', 'http://origin.example.com/#frag', '//origin.example.com'];
  for (const origin of badOrigins) {
    it(`refuses origin ${JSON.stringify(origin)} with 400 InvalidParameter.BadOrigin`, async () => {
      assertError(await api('POST', '/api/v1/zones', { name: 'origin-test.example.com', origin }), 400, 'InvalidParameter.BadOrigin', origin);
    });
  }

  it('saves nothing when a zone is refused', async () => {
    const list = await api<{ zones: ZoneView[] }>('GET', '/api/v1/zones');
    assert.ok(!list.body.zones.some((z) => z.name === 'origin-test.example.com'), 'a refused zone was stored');
  });

  it('refuses a duplicate zone name with 409 InvalidParameter.ZoneNameConflict', async () => {
    const first = await api<ZoneView>('POST', '/api/v1/zones', { name: 'dup.example.com', origin: 'http://127.0.0.1:9000' });
    assert.equal(first.status, 201);
    assertError(await api('POST', '/api/v1/zones', { name: 'dup.example.com', origin: 'http://127.0.0.1:9999' }), 409, 'InvalidParameter.ZoneNameConflict');
    // Host names are case-insensitive: the same site in other letters is the same zone.
    assertError(await api('POST', '/api/v1/zones', { name: 'DUP.Example.com', origin: 'http://127.0.0.1:9999' }), 409, 'InvalidParameter.ZoneNameConflict');
    const list = await api<{ zones: ZoneView[] }>('GET', '/api/v1/zones');
    assert.equal(list.body.zones.filter((z) => z.name === 'dup.example.com').length, 1);
  });

  it('answers 404 ResourceUnavailable.ZoneNotFound for an unknown zone on GET, PATCH and DELETE', async () => {
    const path = '/api/v1/zones/zone-000000000000';
    assertError(await api('GET', path), 404, 'ResourceUnavailable.ZoneNotFound', 'GET');
    assertError(await api('PATCH', path, { origin: 'http://127.0.0.1:9000' }), 404, 'ResourceUnavailable.ZoneNotFound', 'PATCH');
    assertError(await api('DELETE', path), 404, 'ResourceUnavailable.ZoneNotFound', 'DELETE');
  });

  it('refuses a zone without a name or an origin, or with a non-string one', async () => {
    assert.equal((await api('POST', '/api/v1/zones', { origin: 'http://127.0.0.1:9000' })).status, 400);
    assert.equal((await api('POST', '/api/v1/zones', { name: 'noorigin.example.com' })).status, 400);
    assert.equal((await api('POST', '/api/v1/zones', { name: 42, origin: 'http://127.0.0.1:9000' })).status, 400);
  });

  it('deletes a zone with its functions and rules: 204, then 404 everywhere', async () => {
    const zone = await api<ZoneView>('POST', '/api/v1/zones', { name: 'gone.example.com', origin: 'http://127.0.0.1:9000' });
    const fn: FunctionView = await createFunction(api, zone.body.id, 'doomed');
    const rule = await api<{ id: string }>('POST', `/api/v1/zones/${zone.body.id}/rules`, {
      conditions: [[{ target: 'host', operator: 'equal', values: ['gone.example.com'] }]],
      functionId: fn.id,
    });
    assert.equal(rule.status, 201, rule.text);
    const deleted = await api('DELETE', `/api/v1/zones/${zone.body.id}`);
    assert.equal(deleted.status, 204);
    assert.equal(deleted.text, '');
    assertError(await api('GET', `/api/v1/zones/${zone.body.id}`), 404, 'ResourceUnavailable.ZoneNotFound');
    assertError(await api('GET', `/api/v1/functions/${fn.id}`), 404, 'ResourceUnavailable.FunctionNotFound');
    assertError(await api('GET', `/api/v1/zones/${zone.body.id}/rules`), 404, 'ResourceUnavailable.ZoneNotFound');
    const list = await api<{ zones: ZoneView[] }>('GET', '/api/v1/zones');
    assert.ok(!list.body.zones.some((z) => z.id === zone.body.id));
    const fns = await api<{ functions: FunctionView[] }>('GET', '/api/v1/functions');
    assert.ok(!fns.body.functions.some((f) => f.id === fn.id));
    // The name is free again.
    const again = await api('POST', '/api/v1/zones', { name: 'gone.example.com', origin: 'http://127.0.0.1:9000' });
    assert.equal(again.status, 201, again.text);
  });
});
