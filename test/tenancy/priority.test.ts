/**
 * Replicas yield to production: every thread of the replica lane runs under SCHED_IDLE and a
 * lower nice value than the gateway, including threads started after a replica ran (Linux).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient } from '../helpers/platform.ts';
import { startServeProcess } from '../helpers/serve-process.ts';
import { send } from './helpers.ts';

/** `nice/policy` of each thread of a process, from /proc/<pid>/task/<tid>/stat (fields 19 and 41). */
function schedulingOfThreads(pid: number): string[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return `${fields[16]}/${fields[38]}`;
  });
}

const SCHED_OTHER = 0;
const SCHED_IDLE = 5;

describe('the replica lane runs below production', { skip: process.platform !== 'linux' && 'reads /proc' }, () => {
  it('every lane thread runs under SCHED_IDLE at nice 19, the gateway at neither', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'edgefn-priority-'));
    const serve = await startServeProcess(dataDir);
    try {
      const api = apiClient({ apiUrl: serve.apiUrl, token: 'test-token' });
      const zone = await api<{ id: string }>('POST', '/api/v1/zones', { name: 'nice.test', origin: 'http://127.0.0.1:9' });
      const fn = await api<{ id: string; domain: string }>('POST', '/api/v1/functions', { zoneId: zone.body.id, name: 'niced', content: `addEventListener('fetch', (e) => e.respondWith(new Response('production')));` });
      assert.equal(fn.status, 201, fn.text);
      await api('POST', `/api/v1/functions/${fn.body.id}/replicas`, { name: 'r', content: `addEventListener('fetch', (e) => e.respondWith(crypto.subtle.digest('SHA-256', new Uint8Array(8)).then(() => new Response('replica'))));` });
      assert.equal((await send(serve.gatewayUrl, fn.body.domain, '/', { 'eo-function-replica-name': 'r' })).text, 'replica');
      assert.equal((await send(serve.gatewayUrl, fn.body.domain, '/')).text, 'production');
      const lane = serve.lanePid();
      assert.ok(lane);
      const laneThreads = schedulingOfThreads(lane);
      assert.ok(laneThreads.length > 1);
      assert.deepEqual([...new Set(laneThreads)], [`19/${SCHED_IDLE}`], `lane threads: ${laneThreads.join(',')}`);
      assert.deepEqual([...new Set(schedulingOfThreads(serve.child.pid!))], [`0/${SCHED_OTHER}`]);
    } finally {
      await serve.kill9();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
