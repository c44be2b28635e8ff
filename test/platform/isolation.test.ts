/**
 * Replicas run in the replica lane, a separate OS process. An endless loop or a memory bomb in a
 * replica, or a crash of the whole lane, must leave production answering with no errors, and the
 * lane must come back by itself.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient, gatewayRequest, startPlatform, sw } from '../helpers/platform.ts';

describe('replica lane isolation', () => {
  let platform: Awaited<ReturnType<typeof startPlatform>>;
  let domain = '';

  before(async () => {
    platform = await startPlatform();
    const api = apiClient(platform);
    const zone = await api<{ id: string }>('POST', '/api/v1/zones', { name: 'isolation.test', origin: 'http://127.0.0.1:9' });
    const fn = await api<{ id: string; domain: string }>('POST', '/api/v1/functions', { zoneId: zone.body.id, name: 'steady', content: sw('production ok') });
    domain = fn.body.domain;
    const replicas = {
      spin: `addEventListener('fetch', (e) => { for (;;) {} });`,
      bomb: `addEventListener('fetch', (e) => { const keep = []; for (;;) keep.push(new Array(1e6).fill(Math.random())); });`,
    };
    for (const [name, content] of Object.entries(replicas)) {
      const created = await api('POST', `/api/v1/functions/${fn.body.id}/replicas`, { name, content });
      assert.equal(created.status, 201);
    }
  });
  after(() => platform.close());

  const production = () => gatewayRequest(platform.gatewayUrl, domain, '/');
  const replica = (name: string) => gatewayRequest(platform.gatewayUrl, domain, '/', { 'EO-Function-Replica-Name': name });

  /** Keeps production busy while `trouble` runs; every production answer must be a clean 200. */
  async function productionStaysUp(trouble: () => Promise<void>): Promise<number> {
    let stop = false;
    let answered = 0;
    const failures: string[] = [];
    const worker = async (): Promise<void> => {
      while (!stop) {
        const res = await production();
        if (res.status !== 200 || res.text !== 'production ok') failures.push(`${res.status} ${res.text}`);
        answered++;
      }
    };
    const workers = [worker(), worker(), worker()];
    try {
      await trouble();
    } finally {
      stop = true;
      await Promise.all(workers);
    }
    assert.deepEqual(failures, []);
    return answered;
  }

  it("a replica's endless loop is stopped at the CPU limit and production keeps answering", async () => {
    const answered = await productionStaysUp(async () => {
      const res = await replica('spin');
      assert.equal(res.status, 503);
      assert.equal(res.headers['eo-function-error'], 'FunctionRuntime.CpuTimeExceeded');
      assert.equal(res.headers['eo-function-replica-status'], 'served');
    });
    assert.ok(answered > 0);
  });

  it("a replica's memory bomb kills only its isolate and production keeps answering", async () => {
    await productionStaysUp(async () => {
      const res = await replica('bomb');
      assert.equal(res.status, 503);
      assert.match(String(res.headers['eo-function-error']), /^FunctionRuntime\.(MemoryExceeded|CpuTimeExceeded)$/);
    });
  });

  it('ignores x-edgefn-* headers sent by clients (they cannot pick other code)', async () => {
    const res = await gatewayRequest(platform.gatewayUrl, domain, '/', { 'EO-Function-Replica-Name': 'spin', 'x-edgefn-replica': 'bomb', 'x-edgefn-function': 'ef-nothing' });
    assert.equal(res.headers['eo-function-error'], 'FunctionRuntime.CpuTimeExceeded', 'the replica the gateway resolved ran');
  });

  it('a crash of the whole lane process leaves production answering, and the lane comes back', async () => {
    const firstPid = platform.lane.pid;
    assert.ok(firstPid);
    await productionStaysUp(async () => {
      process.kill(firstPid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 100));
    });
    let status = 0;
    for (let i = 0; i < 100 && status !== 503; i++) {
      const res = await replica('spin');
      status = res.headers['eo-function-error'] === 'FunctionRuntime.CpuTimeExceeded' ? 503 : 0;
      if (!status) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(status, 503, 'the replica lane answers again after a restart');
    assert.notEqual(platform.lane.pid, firstPid);
  });
});
