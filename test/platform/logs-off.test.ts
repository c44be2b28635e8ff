/**
 * `edgefn serve --invocation-logs off`: no process makes records (the bench's and some operators'
 * choice); clients still get EO-Request-Id, and the logs API says plainly that logs are off rather
 * than answering an empty list that looks like a function that never ran.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient, assertError, createFunction, createZone, startPlatform, type Api, type Platform } from './helpers.ts';
import { gatewayRequest } from '../helpers/platform.ts';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';

const logging = `addEventListener('fetch', (event) => {
  console.log('a line nobody keeps');
  event.respondWith(new Response('ok'));
});`;

for (const workers of [1, 2]) {
  describe(`invocation logs off (${workers} gateway process${workers > 1 ? 'es' : ''})`, () => {
    let platform: Platform;
    let api: Api;
    let fn: { id: string; domain: string };

    before(async () => {
      platform = await startPlatform({ workers, invocationLogs: false });
      api = apiClient(platform);
      const zone = await createZone(api, `off${workers}.example`);
      fn = await createFunction(api, zone.id, 'unlogged', logging);
      assert.equal((await api('POST', `/api/v1/functions/${fn.id}/replicas`, { name: 'try-it', from: 'production' })).status, 201);
    });
    after(() => platform.close());

    it('still serves with a request id, and the logs API says logs are off', async () => {
      for (const headers of [{}, { 'eo-function-replica-name': 'try-it' }] as Record<string, string>[]) {
        const res = await gatewayRequest(platform.gatewayUrl, fn.domain, '/', headers);
        assert.equal(res.text, 'ok');
        assert.equal(typeof res.headers['eo-request-id'], 'string');
      }
      const listed = assertError(await api('GET', `/api/v1/functions/${fn.id}/logs`), 409, 'FailedOperation.InvocationLogsOff');
      assert.match(listed.error.message, /--invocation-logs/);
      assertError(await api('GET', `/api/v1/functions/${fn.id}/logs?variant=try-it`), 409, 'FailedOperation.InvocationLogsOff');
      assertError(await api('GET', `/api/v1/functions/${fn.id}/logs?follow=1`), 409, 'FailedOperation.InvocationLogsOff');
      // Metrics, shadow reports and rollout guards are made from records: they are off too.
      const replica = `/api/v1/functions/${fn.id}/replicas/try-it`;
      assertError(await api('GET', '/metrics'), 409, 'FailedOperation.InvocationLogsOff');
      assertError(await api('GET', `/api/v1/functions/${fn.id}/metrics/compare?replica=try-it`), 409, 'FailedOperation.InvocationLogsOff');
      assertError(await api('PUT', `${replica}/shadow`, { percent: 10 }), 409, 'FailedOperation.InvocationLogsOff');
      assertError(await api('GET', `${replica}/shadow/report`), 409, 'FailedOperation.InvocationLogsOff');
      assertError(await api('PUT', `${replica}/rollout`, { percent: 10, abortIf: { errorRate: 0.1 } }), 409, 'FailedOperation.InvocationLogsOff');
      assert.equal((await api('PUT', `${replica}/rollout`, { percent: 10 })).status, 200, 'a rollout without a guard needs no records');
      assert.equal((await api('DELETE', `${replica}/rollout`)).status, 200);
      // An unknown function is still a 404 first.
      assertError(await api('GET', '/api/v1/functions/ef-doesnotexist/logs'), 404, 'ResourceUnavailable.FunctionNotFound');
    });
  });
}

describe('edgefn serve --invocation-logs', () => {
  let dataDir: string;
  let serve: ServeProcess;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'edgefn-logs-off-'));
    serve = await startServeProcess(dataDir, ['--invocation-logs', 'off']);
  });
  after(async () => {
    await serve.kill9();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('turns records off from the command line', async () => {
    const api = apiClient({ apiUrl: serve.apiUrl, token: 'test-token' });
    const zone = await createZone(api, 'cli-off.example');
    const fn = await createFunction(api, zone.id, 'unlogged', logging);
    const res = await gatewayRequest(serve.gatewayUrl, fn.domain, '/');
    assert.equal(res.text, 'ok');
    assertError(await api('GET', `/api/v1/functions/${fn.id}/logs`), 409, 'FailedOperation.InvocationLogsOff');
  });

  it('takes only on or off', () => {
    const run = spawnSync(process.execPath, ['bin/edgefn.js', 'serve', '--invocation-logs', 'maybe'], { encoding: 'utf8' });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /option '--invocation-logs <on\|off>' argument 'maybe' is invalid\. Allowed choices are on, off/);
    const help = spawnSync(process.execPath, ['bin/edgefn.js', 'serve', '--help'], { encoding: 'utf8' });
    assert.match(help.stdout, /--invocation-logs <on\|off>/);
  });
});
