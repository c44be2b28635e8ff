/**
 * HTTP API contract: the bearer token on every route, the OpenAPI document, unknown routes, bodies
 * that are not JSON or carry unknown fields, malformed paths, and the admin token file.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient, assertError, createFunction, createZone, startPlatform, type Api, type FunctionView, type Platform, type ZoneView } from './helpers.ts';

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
}

/** The routes issue 3 names: every one must be in the OpenAPI document and behind the token. */
const contractRoutes = [
  'POST /api/v1/zones',
  'GET /api/v1/zones',
  'GET /api/v1/zones/{zoneId}',
  'PATCH /api/v1/zones/{zoneId}',
  'DELETE /api/v1/zones/{zoneId}',
  'POST /api/v1/functions',
  'GET /api/v1/functions',
  'GET /api/v1/functions/{functionId}',
  'PATCH /api/v1/functions/{functionId}',
  'DELETE /api/v1/functions/{functionId}',
  'GET /api/v1/functions/{functionId}/versions',
  'GET /api/v1/functions/{functionId}/versions/{versionId}',
  'POST /api/v1/functions/{functionId}/versions/{versionId}/rollback',
  'PUT /api/v1/functions/{functionId}/env/{key}',
  'GET /api/v1/functions/{functionId}/env',
  'DELETE /api/v1/functions/{functionId}/env/{key}',
  'POST /api/v1/functions/{functionId}/replicas',
  'GET /api/v1/functions/{functionId}/replicas',
  'GET /api/v1/functions/{functionId}/replicas/{name}',
  'PATCH /api/v1/functions/{functionId}/replicas/{name}',
  'DELETE /api/v1/functions/{functionId}/replicas/{name}',
  'GET /api/v1/functions/{functionId}/replicas/{name}/compare',
  'POST /api/v1/functions/{functionId}/replicas/{name}/sync',
  'POST /api/v1/zones/{zoneId}/rules',
  'GET /api/v1/zones/{zoneId}/rules',
  'GET /api/v1/zones/{zoneId}/rules/{ruleId}',
  'PATCH /api/v1/zones/{zoneId}/rules/{ruleId}',
  'DELETE /api/v1/zones/{zoneId}/rules/{ruleId}',
  'PUT /api/v1/zones/{zoneId}/rules/order',
  'GET /api/v1/functions/{functionId}/logs',
  'GET /api/v1/platform',
  'POST /api/v1/functions/{functionId}/test',
  'PUT /api/v1/functions/{functionId}/replicas/{name}/rollout',
  'DELETE /api/v1/functions/{functionId}/replicas/{name}/rollout',
];

describe('API: authentication, OpenAPI, malformed requests', () => {
  let platform: Platform;
  let api: Api;
  let zone: ZoneView;
  let fn: FunctionView;
  let ruleId = '';
  let doc: OpenApi;

  before(async () => {
    platform = await startPlatform({ token: 'contract-token-1' });
    api = apiClient(platform);
    zone = await createZone(api, 'auth.example.com');
    fn = await createFunction(api, zone.id, 'guarded');
    assert.equal((await api('POST', `/api/v1/functions/${fn.id}/replicas`, { name: 'rep', from: 'production' })).status, 201);
    assert.equal((await api('PUT', `/api/v1/functions/${fn.id}/env/KEY`, { value: 'v', type: 'string' })).status, 200);
    const rule = await api<{ id: string }>('POST', `/api/v1/zones/${zone.id}/rules`, { conditions: [[{ target: 'host', operator: 'equal', values: ['auth.example.com'] }]], functionId: fn.id });
    assert.equal(rule.status, 201);
    ruleId = rule.body.id;
  });
  after(async () => {
    await platform.close();
  });

  it('takes the token from EDGEFN_ADMIN_TOKEN, and then writes no token file', () => {
    assert.equal(platform.token, 'contract-token-1');
    assert.equal(existsSync(join(platform.dataDir, 'admin-token')), false);
  });

  it('serves an OpenAPI 3 document at /api/v1/openapi.json listing every contract route', async () => {
    const answer = await api<OpenApi>('GET', '/api/v1/openapi.json');
    assert.equal(answer.status, 200, answer.text);
    assert.match(answer.headers.get('content-type') ?? '', /application\/json/);
    doc = answer.body;
    assert.match(doc.openapi, /^3\.\d+\.\d+$/);
    for (const route of contractRoutes) {
      const [method, path] = route.split(' ') as [string, string];
      assert.ok(doc.paths[path]?.[method.toLowerCase()], `OpenAPI lacks ${route}`);
    }
  });

  it("tells clients where the gateway is: GET /api/v1/platform", async () => {
    const answer = await api<{ gateway: string }>('GET', '/api/v1/platform');
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.gateway, platform.gatewayUrl);
  });

  const concrete = (path: string): string =>
    path
      .replace('{zoneId}', zone.id)
      .replace('{functionId}', fn.id)
      .replace('{versionId}', fn.productionVersion.id)
      .replace('{key}', 'KEY')
      .replace('{name}', 'rep')
      .replace('{ruleId}', ruleId);

  const refusals: [string, string | null][] = [
    ['no Authorization header', null],
    ['a wrong token', 'Bearer wrong-token'],
    ['the token with a suffix', 'Bearer contract-token-1x'],
    ['a prefix of the token', 'Bearer contract-token-'],
    ['the token without the Bearer scheme', 'contract-token-1'],
    ['the token in Basic auth', `Basic ${Buffer.from('admin:contract-token-1').toString('base64')}`],
    ['an empty bearer', 'Bearer '],
  ];
  for (const [what, authorization] of refusals) {
    it(`answers 401 UnauthorizedOperation.Unauthorized on every route with ${what}`, async () => {
      const routes = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => [m.toUpperCase(), path] as const));
      assert.ok(routes.length >= contractRoutes.length + 1);
      for (const [method, path] of routes) {
        const body = ['POST', 'PUT', 'PATCH'].includes(method) ? {} : undefined;
        const answer = await api(method, concrete(path), body, { authorization });
        assertError(answer, 401, 'UnauthorizedOperation.Unauthorized', `${method} ${path}`);
        assert.ok(!answer.text.includes('contract-token-1'), 'the token is never echoed');
      }
    });
  }

  it('changed nothing while refusing unauthenticated calls', async () => {
    assert.equal((await api('GET', `/api/v1/zones/${zone.id}`)).status, 200);
    const got = await api<FunctionView>('GET', `/api/v1/functions/${fn.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body.productionVersion, fn.productionVersion);
    assert.equal((await api('GET', `/api/v1/functions/${fn.id}/replicas/rep`)).status, 200);
    assert.equal((await api<{ env: unknown[] }>('GET', `/api/v1/functions/${fn.id}/env`)).body.env.length, 1);
    assert.equal((await api('GET', `/api/v1/zones/${zone.id}/rules/${ruleId}`)).status, 200);
    assert.equal((await api<{ zones: unknown[] }>('GET', '/api/v1/zones')).body.zones.length, 1);
  });

  it('answers 404 with an error body for an unknown route (/ is the web console)', async () => {
    for (const path of ['/api/v1/nope', '/api/v2/zones', '/api', `/api/v1/functions/${fn.id}/unknown`]) {
      const answer = await api('GET', path);
      assert.equal(answer.status, 404, `${path}: ${answer.text}`);
      const body = answer.body as { error?: { code?: unknown; message?: unknown } };
      assert.equal(typeof body.error?.code, 'string', path);
      assert.equal(typeof body.error?.message, 'string', path);
    }
  });

  it('answers 400 when the body is not JSON, or not a JSON object', async () => {
    for (const raw of ['{"name": "x.example.com",', 'name=x.example.com', '[]', '"text"', '42', 'null']) {
      const answer = await api('POST', '/api/v1/zones', undefined, { raw });
      assertError(answer, 400, 'InvalidParameter.InvalidParameter', raw);
    }
    assertError(await api('PATCH', `/api/v1/functions/${fn.id}`, undefined, { raw: '{remark: 1}' }), 400, 'InvalidParameter.InvalidParameter');
  });

  it('answers 400 naming the field for an unknown field', async () => {
    const answer = assertError(await api('POST', '/api/v1/zones', { name: 'typo.example.com', origin: 'http://127.0.0.1:9', orign: 'x' }), 400, 'InvalidParameter.InvalidParameter');
    assert.match(answer.error.message, /orign/);
    assertError(await api('POST', '/api/v1/functions', { zoneId: zone.id, name: 'typo', content: 'x', conten: 'y' }), 400, 'InvalidParameter.InvalidParameter');
    assertError(await api('PATCH', `/api/v1/zones/${zone.id}/rules/${ruleId}`, { priority: 1 }), 400, 'InvalidParameter.InvalidParameter');
    assert.equal((await api<{ zones: unknown[] }>('GET', '/api/v1/zones')).body.zones.length, 1, 'nothing created');
  });

  it('answers a malformed percent-encoding in a path with a 4xx error, not a 500', async () => {
    for (const path of ['/api/v1/functions/%E0%A4%A', '/api/v1/zones/%', `/api/v1/functions/${fn.id}/env/%FF`]) {
      const answer = await api('GET', path);
      assert.ok(answer.status >= 400 && answer.status < 500, `${path}: ${answer.status} ${answer.text}`);
      assert.notEqual((answer.body as { error?: { code?: string } }).error?.code, 'InternalError.SystemError');
    }
  });

  // Last: these bodies exceed the API's request-size cap.
  it('keeps answering on the next requests after refusing an oversized body', async () => {
    for (let round = 0; round < 4; round++) {
      const big = await api('POST', '/api/v1/zones', undefined, { raw: JSON.stringify({ name: 'big.example.com', origin: 'x'.repeat(9 * 1024 * 1024) }) });
      assert.ok(big.status === 400 || big.status === 413, big.text);
      for (let i = 0; i < 3; i++) {
        const next = await api('GET', '/api/v1/zones').catch((error: unknown) => assert.fail(`request ${i + 1} after oversized body ${round + 1} failed: ${String((error as Error).cause ?? error)}`));
        assert.equal(next.status, 200);
      }
    }
  });
});

describe('API: the admin token file', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'edgefn-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('without EDGEFN_ADMIN_TOKEN, writes DIR/admin-token (0600), prints the token once, and the token works', async () => {
    const saved = process.env.EDGEFN_ADMIN_TOKEN;
    const printed: string[] = [];
    const platform = await startPlatform({ token: null, dataDir, print: (line) => printed.push(line) });
    try {
      assert.equal(process.env.EDGEFN_ADMIN_TOKEN, saved, 'the env var is restored');
      const file = join(dataDir, 'admin-token');
      assert.ok(existsSync(file), 'admin-token written');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const token = readFileSync(file, 'utf8').trim();
      assert.ok(token.length >= 16, 'a long random token');
      assert.equal(platform.token, token);
      assert.equal(printed.filter((line) => line.includes(token)).length, 1, 'the token is printed exactly once');
      assert.ok(printed.some((line) => line.includes(file)), 'startup says where the token file is');
      const api = apiClient(platform);
      assert.equal((await api('GET', '/api/v1/zones')).status, 200);
      assertError(await api('GET', '/api/v1/zones', undefined, { authorization: 'Bearer not-the-token' }), 401, 'UnauthorizedOperation.Unauthorized');
      const keyFile = join(dataDir, 'secret-key');
      if (existsSync(keyFile)) assert.equal(statSync(keyFile).mode & 0o777, 0o600, 'the secret key file is 0600 too');
    } finally {
      await platform.close();
    }
  });

  it('reuses the token file on the next start without printing the token again', async () => {
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const printed: string[] = [];
    const platform = await startPlatform({ token: null, dataDir, print: (line) => printed.push(line) });
    try {
      assert.equal(platform.token, token);
      assert.ok(!printed.some((line) => line.includes(token)), 'the token is not shown again');
      const api = apiClient(platform);
      assert.equal((await api('GET', '/api/v1/zones')).status, 200);
    } finally {
      await platform.close();
    }
  });
});
