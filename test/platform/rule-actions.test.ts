/**
 * Weight and region trigger rules end to end: the API takes and returns the action, the gateway
 * applies it (per-request draws, sticky hashing, the client's region from --geo-file), and the
 * response names the function chosen. A real platform; clients on distinct loopback addresses.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient, assertError, createFunction, createZone, startPlatform, sw, type Api, type FunctionView, type Platform } from './helpers.ts';

interface Answer {
  status: number;
  body: string;
  selected: string | undefined;
}

function get(platform: Platform, path: string, headers: Record<string, string> = {}, localAddress = '127.0.0.1'): Promise<Answer> {
  const url = new URL(platform.gatewayUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, localAddress, setHost: false, agent: false, headers: { host: 'canary.example.com', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => {
        const selected = res.headers['eo-function-selected'];
        resolve({ status: res.statusCode ?? 0, body, selected: Array.isArray(selected) ? selected[0] : selected });
      });
    });
    req.on('error', reject).end();
  });
}

describe('weight and region rules', () => {
  let platform: Platform;
  let api: Api;
  let zoneId = '';
  let oldFn: FunctionView;
  let newFn: FunctionView;
  let cnFn: FunctionView;
  const when = (path: string) => [[{ target: 'url', operator: 'equal', values: [path] }]];
  const rules = () => `/api/v1/zones/${zoneId}/rules`;

  before(async () => {
    const geoFile = join(mkdtempSync(join(tmpdir(), 'edgefn-geo-')), 'geo.json');
    writeFileSync(geoFile, JSON.stringify([
      { cidr: '127.0.0.2/32', geo: { countryCodeAlpha2: 'CN', regionCode: 'GD' } },
      { cidr: '127.0.0.3/32', geo: { countryCodeAlpha2: 'CN', regionCode: 'BJ' } },
      { cidr: '127.0.0.4/32', geo: { countryCodeAlpha2: 'US', regionCode: 'CA' } },
    ]));
    platform = await startPlatform({ geoFile });
    api = apiClient(platform);
    zoneId = (await createZone(api, 'canary.example.com')).id;
    oldFn = await createFunction(api, zoneId, 'old-fn', sw('old'));
    newFn = await createFunction(api, zoneId, 'new-fn', sw('new'));
    cnFn = await createFunction(api, zoneId, 'cn-fn', sw('cn'));
  });
  after(async () => {
    await platform.close();
  });

  it('takes an action instead of functionId, returns it, and refuses both, neither, or a function of another zone', async () => {
    const action = { type: 'weight', targets: [{ functionId: oldFn.id, weight: 70 }, { functionId: newFn.id, weight: 30 }] };
    const created = await api<{ id: string; action: unknown }>('POST', rules(), { conditions: when('/weighted'), action });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.body.action, action);
    assert.deepEqual((await api<{ action: unknown }>('GET', `${rules()}/${created.body.id}`)).body.action, action);
    assertError(await api('POST', rules(), { conditions: when('/x'), functionId: oldFn.id, action }), 400, 'InvalidParameter.InvalidParameter');
    assertError(await api('POST', rules(), { conditions: when('/x') }), 400, 'InvalidParameter.InvalidParameter');
    assertError(await api('POST', rules(), { conditions: when('/x'), action: { type: 'weight', targets: [{ functionId: oldFn.id, weight: 60 }] } }), 400, 'InvalidParameter.InvalidParameter');
    const otherZone = (await createZone(api, 'elsewhere.example.com')).id;
    const stranger = await createFunction(api, otherZone, 'stranger');
    assertError(await api('POST', rules(), { conditions: when('/x'), action: { type: 'weight', targets: [{ functionId: oldFn.id, weight: 50 }, { functionId: stranger.id, weight: 50 }] } }), 404, 'ResourceUnavailable.FunctionNotFound');
  });

  it('draws per request within the weights, and names the function chosen', async () => {
    let onNew = 0;
    const total = 1000;
    for (let i = 0; i < total; i++) {
      const answer = await get(platform, '/weighted');
      assert.equal(answer.status, 200);
      assert.equal(answer.selected, answer.body === 'new' ? 'new-fn' : 'old-fn');
      if (answer.body === 'new') onNew++;
    }
    // 30% of 1,000: the standard deviation is 1.45 points; 6 points is over four of them.
    assert.ok(Math.abs((onNew / total) * 100 - 30) <= 6, `${onNew} of ${total} on new`);
    const direct = await api('POST', rules(), { conditions: when('/direct'), functionId: oldFn.id });
    assert.equal(direct.status, 201);
    assert.equal((await get(platform, '/direct')).selected, undefined, 'a direct rule names nobody');
  });

  it('keeps each client on its side when sticky, and raising the weight moves clients only to new', async () => {
    const created = await api<{ id: string }>('POST', rules(), {
      conditions: when('/sticky'),
      action: { type: 'weight', targets: [{ functionId: oldFn.id, weight: 90 }, { functionId: newFn.id, weight: 10 }], sticky: { by: 'cookie', name: 'uid' } },
    });
    assert.equal(created.status, 201, created.text);
    const clients = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    const sideAt = async () => {
      const sides = new Map<string, string>();
      for (const uid of clients) {
        const seen = new Set<string>();
        for (let call = 0; call < 5; call++) seen.add((await get(platform, '/sticky', { cookie: `theme=dark; uid=${uid}` })).body);
        assert.equal(seen.size, 1, `${uid} saw ${[...seen].join(' and ')}`);
        sides.set(uid, [...seen][0]!);
      }
      return sides;
    };
    const at10 = await sideAt();
    const patched = await api('PATCH', `${rules()}/${created.body.id}`, {
      action: { type: 'weight', targets: [{ functionId: oldFn.id, weight: 70 }, { functionId: newFn.id, weight: 30 }], sticky: { by: 'cookie', name: 'uid' } },
    });
    assert.equal(patched.status, 200, patched.text);
    const at30 = await sideAt();
    const flippedBack = clients.filter((uid) => at10.get(uid) === 'new' && at30.get(uid) === 'old');
    assert.deepEqual(flippedBack, []);
    const onNew = clients.filter((uid) => at30.get(uid) === 'new').length;
    assert.ok(onNew > clients.filter((uid) => at10.get(uid) === 'new').length, 'some clients moved to new');
    assert.ok(Math.abs((onNew / clients.length) * 100 - 30) <= 12, `${onNew} of ${clients.length} on new at 30%`);
  });

  it('routes by region: the subdivision first, then the country, then Default', async () => {
    const created = await api('POST', rules(), {
      conditions: when('/region'),
      action: { type: 'region', targets: [{ functionId: newFn.id, regions: ['CN.GD'] }, { functionId: cnFn.id, regions: ['CN'] }, { functionId: oldFn.id, regions: ['Default'] }] },
    });
    assert.equal(created.status, 201, created.text);
    const table: [string, string][] = [
      ['127.0.0.2', 'new'], // CN.GD
      ['127.0.0.3', 'cn'], // CN, another subdivision
      ['127.0.0.4', 'old'], // US: Default
      ['127.0.0.1', 'old'], // unknown: Default
    ];
    for (const [address, expected] of table) {
      const answer = await get(platform, '/region', {}, address);
      assert.equal(answer.body, expected, `${address}`);
      assert.equal(answer.selected, `${expected}-fn`);
    }
  });

  it('refuses to delete a function a weight or region rule still chooses, naming the rules', async () => {
    const answer = assertError(await api('DELETE', `/api/v1/functions/${cnFn.id}`), 409, 'FailedOperation.FunctionInUse');
    assert.match(answer.error.message, /rule-/);
    assert.equal((await api('GET', `/api/v1/functions/${cnFn.id}`)).status, 200);
  });
});
