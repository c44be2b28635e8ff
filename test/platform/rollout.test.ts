/**
 * A replica on a share of real traffic: `PUT …/replicas/{name}/rollout` sends that share of the
 * function's production requests (those without the replica header) to the replica, drawn per
 * request or sticky per client; a change is served from the next request after the API returns
 * (also with gateway workers); a sync ends the rollout.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { apiClient, assertError, createFunction, createZone, startPlatform, sw, type Api, type FunctionView, type Platform } from './helpers.ts';

interface Answer {
  body: string;
  status: string | undefined;
}

function get(platform: Platform, host: string, headers: Record<string, string> = {}): Promise<Answer> {
  const url = new URL(platform.gatewayUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: '/', setHost: false, agent: false, headers: { host, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ body, status: res.headers['eo-function-replica-status'] as string | undefined }));
    });
    req.on('error', reject).end();
  });
}

async function setUp(platform: Platform, zoneName: string) {
  const api = apiClient(platform);
  const zone = await createZone(api, zoneName);
  const fn = await createFunction(api, zone.id, 'rolled', sw('production'));
  assert.equal((await api('POST', `/api/v1/functions/${fn.id}/replicas`, { name: 'next', content: sw('replica') })).status, 201);
  assert.equal((await api('POST', `/api/v1/functions/${fn.id}/replicas`, { name: 'other', content: sw('other') })).status, 201);
  return { api, fn, rollout: `/api/v1/functions/${fn.id}/replicas/next/rollout` };
}

describe('replica rollout', () => {
  let platform: Platform;
  let api: Api;
  let fn: FunctionView;
  let rollout = '';
  const host = () => fn.domain;

  before(async () => {
    platform = await startPlatform();
    ({ api, fn, rollout } = await setUp(platform, 'rollout.example.com'));
  });
  after(async () => {
    await platform.close();
  });

  it('takes {percent, sticky?} in steps of 0.1, shows it on the replica, and refuses bad input', async () => {
    const set = await api<{ rollout: { since: string } }>('PUT', rollout, { percent: 20 });
    assert.equal(set.status, 200, set.text);
    const since = set.body.rollout.since;
    assert.ok(Math.abs(Date.parse(since) - Date.now()) < 60_000, `since ${since} is when it was set`);
    assert.deepEqual(set.body.rollout, { percent: 20, since });
    assert.deepEqual((await api<{ rollout: unknown }>('GET', `/api/v1/functions/${fn.id}/replicas/next`)).body.rollout, { percent: 20, since });
    for (const body of [{ percent: 0.05 }, { percent: 101 }, { percent: -1 }, { percent: '10' }, {}, { percent: 10, shadow: true }, { percent: 10, sticky: { by: 'ip' } }, { percent: 10, abortIf: { errorRate: 1.5 } }, { percent: 10, abortIf: { errorRate: 0.1, minRequests: 0 } }, { percent: 10, abortIf: { errorRate: 0.1, extra: 1 } }]) {
      assertError(await api('PUT', rollout, body), 400, 'InvalidParameter.InvalidParameter');
    }
    // One replica at a time.
    assertError(await api('PUT', `/api/v1/functions/${fn.id}/replicas/other/rollout`, { percent: 0.1 }), 409, 'FailedOperation.RolloutInProgress');
    assert.equal((await api('PUT', `/api/v1/functions/${fn.id}/replicas/other/rollout`, { percent: 0 })).status, 200, 'ending a rollout that is not there is fine');
    assertError(await api('PUT', `/api/v1/functions/${fn.id}/replicas/nope/rollout`, { percent: 1 }), 404, 'ResourceUnavailable.ReplicaNotFound');
  });

  it('serves about that share of production requests from the replica, marked rollout', async () => {
    let rolled = 0;
    const total = 1000;
    for (let i = 0; i < total; i++) {
      const answer = await get(platform, host());
      if (answer.body === 'replica') {
        rolled++;
        assert.equal(answer.status, 'rollout');
      } else {
        assert.equal(answer.body, 'production');
        assert.equal(answer.status, undefined);
      }
    }
    assert.ok(Math.abs((rolled / total) * 100 - 20) <= 5, `${rolled} of ${total} on the replica at 20%`);
    assert.equal((await get(platform, host(), { 'eo-function-replica-name': 'other' })).body, 'other', 'the header still picks a replica');
    for (let i = 0; i < 30; i++) {
      const pinned = await get(platform, host(), { 'eo-function-replica-name': 'production' });
      assert.deepEqual(pinned, { body: 'production', status: undefined }, 'EO-Function-Replica-Name: production never gets the rollout');
    }
    const tested = await api<{ body: string; record: { variant: string } }>('POST', `/api/v1/functions/${fn.id}/test`, { variant: 'production' });
    assert.equal(tested.body.body, 'production');
    assert.equal(tested.body.record.variant, 'production');
  });

  it('applies a change from the next request on: 100% then 0', async () => {
    assert.equal((await api('PUT', rollout, { percent: 100 })).status, 200);
    for (let i = 0; i < 20; i++) assert.equal((await get(platform, host())).body, 'replica');
    assert.equal((await api('DELETE', rollout)).status, 200);
    for (let i = 0; i < 20; i++) assert.equal((await get(platform, host())).body, 'production');
  });

  it('keeps clients on their side when sticky, and a larger share only adds clients', async () => {
    assert.equal((await api('PUT', rollout, { percent: 10, sticky: { by: 'header', name: 'X-User' } })).status, 200);
    const users = Array.from({ length: 200 }, (_, i) => `u${i}`);
    const sides = async () => {
      const side = new Map<string, string>();
      for (const user of users) {
        const seen = new Set<string>();
        for (let call = 0; call < 3; call++) seen.add((await get(platform, host(), { 'x-user': user })).body);
        assert.equal(seen.size, 1, `${user} saw ${[...seen].join(' and ')}`);
        side.set(user, [...seen][0]!);
      }
      return side;
    };
    const at10 = await sides();
    assert.equal((await api('PUT', rollout, { percent: 30, sticky: { by: 'header', name: 'X-User' } })).status, 200);
    const at30 = await sides();
    assert.deepEqual(users.filter((u) => at10.get(u) === 'replica' && at30.get(u) === 'production'), []);
    assert.ok(users.filter((u) => at30.get(u) === 'replica').length > users.filter((u) => at10.get(u) === 'replica').length);
  });

  it('ends the rollout when the replica is synced', async () => {
    const compare = (await api<{ production: { version: { id: string } } }>('GET', `/api/v1/functions/${fn.id}/replicas/next/compare`)).body;
    assert.equal((await api('POST', `/api/v1/functions/${fn.id}/replicas/next/sync`, { productionVersion: compare.production.version.id, confirm: true })).status, 201);
    assert.equal((await api<{ rollout: unknown }>('GET', `/api/v1/functions/${fn.id}/replicas/next`)).body.rollout, null);
    for (let i = 0; i < 10; i++) assert.equal((await get(platform, host())).status, undefined, 'production (now the synced code) answers, not the rollout');
  });
});

describe('replica rollout with gateway workers', () => {
  let platform: Platform;
  before(async () => {
    platform = await startPlatform({ workers: 2 });
  });
  after(async () => {
    await platform.close();
  });

  it('is applied in every worker before the API answers', async () => {
    const { api, fn, rollout } = await setUp(platform, 'rollout-workers.example.com');
    assert.equal((await api('PUT', rollout, { percent: 100 })).status, 200);
    for (let i = 0; i < 30; i++) assert.equal((await get(platform, fn.domain)).body, 'replica');
    assert.equal((await api('PUT', rollout, { percent: 0 })).status, 200);
    for (let i = 0; i < 30; i++) assert.equal((await get(platform, fn.domain)).body, 'production');
  });
});
