/**
 * HTTP API contract: environment variables and secrets. PUT / GET / DELETE with types string, json
 * and secret; secret values never appear in any API answer (nor in the database file in plaintext);
 * name, JSON and size validation; the per-function limit.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiClient, assertError, createFunction, createZone, startPlatform, type Answer, type Api, type EnvView, type FunctionView, type Platform } from './helpers.ts';

const secret = 'S3cr3t-Pa55w0rd-7c1e9f';
const jsonSecret = '{"apiKey":"K3y-Va1ue-4d2b8a"}';

describe('API: env vars and secrets', () => {
  let platform: Platform;
  let api: Api;
  let fn: FunctionView;
  const answers: Answer<unknown>[] = [];

  before(async () => {
    platform = await startPlatform();
    api = apiClient(platform);
    const zone = await createZone(api, 'env.example.com');
    fn = await createFunction(api, zone.id, 'env-user');
  });
  after(async () => {
    await platform.close();
  });

  /** Calls the API and keeps the answer, to check afterwards that no secret leaked into any of them. */
  const call = async <T = unknown>(method: string, path: string, body?: unknown): Promise<Answer<T>> => {
    const answer = await api<T>(method, path, body);
    answers.push(answer);
    return answer;
  };
  const env = (key: string) => `/api/v1/functions/${fn.id}/env/${encodeURIComponent(key)}`;
  const listEnv = async (): Promise<EnvView[]> => {
    const answer = await call<{ env: EnvView[] }>('GET', `/api/v1/functions/${fn.id}/env`);
    assert.equal(answer.status, 200, answer.text);
    return answer.body.env;
  };

  it('sets a string var and lists it with its value', async () => {
    const put = await call<EnvView>('PUT', env('GREETING'), { value: 'hello world', type: 'string' });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.key, 'GREETING');
    assert.equal(put.body.type, 'string');
    assert.equal(put.body.value, 'hello world');
    const found = (await listEnv()).find((e) => e.key === 'GREETING');
    assert.deepEqual({ key: found?.key, type: found?.type, value: found?.value }, { key: 'GREETING', type: 'string', value: 'hello world' });
  });

  it('sets a json var, keeping the JSON text as its value', async () => {
    const value = '{"a":[1,2,{"b":null}]}';
    const put = await call<EnvView>('PUT', env('CONFIG'), { value, type: 'json' });
    assert.equal(put.status, 200, put.text);
    const found = (await listEnv()).find((e) => e.key === 'CONFIG');
    assert.equal(found?.type, 'json');
    assert.deepEqual(JSON.parse(found?.value ?? 'null'), { a: [1, 2, { b: null }] });
    for (const scalar of ['42', '"text"', 'true', 'null', '[]']) {
      assert.equal((await call('PUT', env('SCALAR'), { value: scalar, type: 'json' })).status, 200, scalar);
    }
  });

  it('sets a secret: the answer and the list carry no value', async () => {
    const put = await call<EnvView>('PUT', env('API_SECRET'), { value: secret, type: 'secret' });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.key, 'API_SECRET');
    assert.equal(put.body.type, 'secret');
    assert.ok(!('value' in put.body), `secret value returned: ${put.text}`);
    const found = (await listEnv()).find((e) => e.key === 'API_SECRET');
    assert.ok(found, 'the secret is listed');
    assert.equal(found.type, 'secret');
    assert.ok(!('value' in found), 'a secret is listed without a value');
    const jsonPut = await call<EnvView>('PUT', env('JSON_SECRET'), { value: jsonSecret, type: 'secret' });
    assert.equal(jsonPut.status, 200, jsonPut.text);
    assert.ok(!('value' in jsonPut.body));
  });

  it('hides a value once a string var is overwritten as a secret', async () => {
    await call('PUT', env('PROMOTED'), { value: 'visible-for-now', type: 'string' });
    const put = await call<EnvView>('PUT', env('PROMOTED'), { value: `${secret}-promoted`, type: 'secret' });
    assert.equal(put.status, 200, put.text);
    const found = (await listEnv()).filter((e) => e.key === 'PROMOTED');
    assert.equal(found.length, 1, 'PUT on an existing key replaces it');
    assert.equal(found[0]?.type, 'secret');
    assert.ok(found[0] && !('value' in found[0]));
  });

  it('keeps secrets out of error answers', async () => {
    assertError(await call('PUT', env('bad name'), { value: secret, type: 'secret' }), 400, 'InvalidParameter.BadEnvironmentVariable');
    assertError(await call('PUT', env('BIG_SECRET'), { value: `${secret}${'x'.repeat(5000)}`, type: 'secret' }), 400, 'InvalidParameter.BadEnvironmentVariable');
    assert.equal((await call('PUT', env('API_SECRET'), { value: secret, type: 'secret', extra: secret })).status, 400);
    assert.equal((await call('PUT', env('API_SECRET'), { value: secret, type: 'Secret' })).status, 400);
    assertError(await call('PUT', '/api/v1/functions/ef-00000000/env/API_SECRET', { value: secret, type: 'secret' }), 404, 'ResourceUnavailable.FunctionNotFound');
  });

  it('keeps secrets out of the function, its versions and the env list', async () => {
    await call('GET', `/api/v1/functions/${fn.id}`);
    await call('GET', `/api/v1/functions/${fn.id}/versions`);
    await call('GET', `/api/v1/functions/${fn.id}/versions/${fn.productionVersion.id}`);
    await call('GET', '/api/v1/functions');
    await listEnv();
  });

  it('never returned a secret value in any answer of this suite', () => {
    assert.ok(answers.length >= 15);
    for (const answer of answers) {
      for (const needle of [secret, 'K3y-Va1ue-4d2b8a', 'S3cr3t']) {
        assert.ok(!answer.text.includes(needle), `secret in an answer (${answer.status}): ${answer.text.slice(0, 300)}`);
      }
    }
  });

  it('stores secrets encrypted: the plaintext is in no file of the data dir', () => {
    const files = readdirSync(platform.dataDir).filter((name) => name.startsWith('edgefn.db'));
    assert.ok(files.length > 0, 'the database file exists');
    // Control: a plain string var written in this suite is found by the same search.
    assert.ok(files.some((name) => readFileSync(join(platform.dataDir, name)).indexOf('hello world') !== -1), 'the search sees stored values');
    for (const name of files) {
      const bytes = readFileSync(join(platform.dataDir, name));
      assert.equal(bytes.indexOf(secret), -1, `plaintext secret in ${name}`);
      assert.equal(bytes.indexOf('K3y-Va1ue-4d2b8a'), -1, `plaintext JSON secret in ${name}`);
    }
  });

  for (const key of ['A', '@scope.name-1_x', 'a.b', 'A'.repeat(64), '123']) {
    it(`accepts env name ${JSON.stringify(key.length > 20 ? `${key.slice(0, 8)}…(${key.length})` : key)}`, async () => {
      const put = await call<EnvView>('PUT', env(key), { value: 'v', type: 'string' });
      assert.equal(put.status, 200, put.text);
      assert.equal(put.body.key, key);
      assert.equal((await call('DELETE', env(key))).status, 204);
    });
  }

  for (const key of ['A'.repeat(65), 'a b', 'a/b', 'a$b', 'ä', 'a:b', 'a+b']) {
    it(`refuses env name ${JSON.stringify(key.length > 20 ? `${key.slice(0, 8)}…(${key.length})` : key)} with InvalidParameter.BadEnvironmentVariable`, async () => {
      assertError(await call('PUT', env(key), { value: 'v', type: 'string' }), 400, 'InvalidParameter.BadEnvironmentVariable', key);
      assert.ok(!(await listEnv()).some((e) => e.key === key), 'nothing saved');
    });
  }

  for (const value of ['{bad', '', "{'a':1}", '[1,]', 'undefined']) {
    it(`refuses ${JSON.stringify(value)} for type json with InvalidParameter.BadEnvironmentVariable`, async () => {
      assertError(await call('PUT', env('BAD_JSON'), { value, type: 'json' }), 400, 'InvalidParameter.BadEnvironmentVariable', value);
      assert.ok(!(await listEnv()).some((e) => e.key === 'BAD_JSON'), 'nothing saved');
    });
  }

  it('accepts values of 5000 bytes and refuses 5001 bytes (UTF-8), for every type', async () => {
    assert.equal((await call('PUT', env('MAX'), { value: 'v'.repeat(5000), type: 'string' })).status, 200);
    assert.equal((await call('PUT', env('MAX_WIDE'), { value: 'é'.repeat(2500), type: 'string' })).status, 200);
    assertError(await call('PUT', env('OVER'), { value: 'v'.repeat(5001), type: 'string' }), 400, 'InvalidParameter.BadEnvironmentVariable', 'ascii');
    assertError(await call('PUT', env('OVER'), { value: 'é'.repeat(2501), type: 'string' }), 400, 'InvalidParameter.BadEnvironmentVariable', 'utf-8');
    assertError(await call('PUT', env('OVER'), { value: `"${'j'.repeat(4999)}"`, type: 'json' }), 400, 'InvalidParameter.BadEnvironmentVariable', 'json');
    assertError(await call('PUT', env('OVER'), { value: 's'.repeat(5001), type: 'secret' }), 400, 'InvalidParameter.BadEnvironmentVariable', 'secret');
    const list = await listEnv();
    assert.ok(!list.some((e) => e.key === 'OVER'));
    assert.equal(list.find((e) => e.key === 'MAX')?.value, 'v'.repeat(5000));
  });

  it('refuses an unknown type and a missing or non-string value with 400', async () => {
    assert.equal((await call('PUT', env('TYPED'), { value: '1', type: 'number' })).status, 400);
    assert.equal((await call('PUT', env('TYPED'), { type: 'string' })).status, 400);
    assert.equal((await call('PUT', env('TYPED'), { value: 1, type: 'string' })).status, 400);
    assert.ok(!(await listEnv()).some((e) => e.key === 'TYPED'));
  });

  it('deletes a var: 204, gone from the list, a second DELETE is 404', async () => {
    assert.equal((await call('DELETE', env('GREETING'))).status, 204);
    assert.ok(!(await listEnv()).some((e) => e.key === 'GREETING'));
    assertError(await call('DELETE', env('GREETING')), 404, 'ResourceUnavailable.EnvironmentVariableNotFound');
    assertError(await call('DELETE', '/api/v1/functions/ef-00000000/env/GREETING'), 404, 'ResourceUnavailable.FunctionNotFound');
    assertError(await call('GET', '/api/v1/functions/ef-00000000/env'), 404, 'ResourceUnavailable.FunctionNotFound');
  });

  it('allows 64 vars per function, and overwriting at the limit, but not a 65th', async () => {
    const zone = await createZone(api, 'env-limit.example.com');
    const full = await createFunction(api, zone.id, 'full');
    for (let i = 0; i < 64; i++) {
      const put = await api('PUT', `/api/v1/functions/${full.id}/env/K${i}`, { value: String(i), type: 'string' });
      assert.equal(put.status, 200, put.text);
    }
    assert.equal((await api('PUT', `/api/v1/functions/${full.id}/env/K0`, { value: 'again', type: 'string' })).status, 200);
    assertError(await api('PUT', `/api/v1/functions/${full.id}/env/K64`, { value: 'x', type: 'string' }), 400, 'LimitExceeded.EnvironmentVariableLimitExceeded');
    const list = await api<{ env: EnvView[] }>('GET', `/api/v1/functions/${full.id}/env`);
    assert.equal(list.body.env.length, 64);
  });
});
