/**
 * The gateway against hostile clients and a careless operator: regex rules cannot be made to
 * backtrack, slow or idle connections cannot use up the process, the admin API keeps answering
 * during a flood, a taken port ends `serve` with an error, SIGTERM drains within a bound, and
 * gateway workers never outlive the serving process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { apiClient, sw } from '../helpers/platform.ts';
import { startServeProcess } from '../helpers/serve-process.ts';
import { startServer } from '../helpers/servers.ts';
import { send, startTenancy, type Tenancy } from './helpers.ts';

/** Opens `count` connections from `localAddress` that send half a request line and then nothing. */
async function openIdle(url: string, count: number, localAddress: string): Promise<Socket[]> {
  const { hostname, port } = new URL(url);
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve) => {
          const socket = connect({ host: hostname, port: Number(port), localAddress });
          socket.on('error', () => undefined);
          socket.resume(); // read what the server sends, so its close is seen
          socket.once('connect', () => {
            socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
            resolve(socket);
          });
          socket.once('close', () => resolve(socket));
        }),
    ),
  );
  await new Promise((r) => setTimeout(r, 300));
  return sockets;
}

const openCount = (sockets: Socket[]): number => sockets.filter((s) => !s.destroyed && s.readyState === 'open').length;

describe('the gateway holds against hostile clients', () => {
  let t: Tenancy;
  before(async () => {
    t = await startTenancy();
  });
  after(() => t.close());

  it('a regex rule cannot be made to backtrack (RE2 semantics, linear time)', async () => {
    const rules = `/api/v1/zones/${t.attackerZoneId}/rules`;
    const rule = await t.api('POST', rules, { conditions: [[{ target: 'url', operator: 'regex', values: ['^/(a+)+$'] }]], functionId: t.attackerFunctionId });
    assert.equal(rule.status, 201, rule.text);
    await t.deploy(sw('matched'));
    // 31 characters took 4.7 s with a backtracking engine, doubling with each more; this is 5,000.
    const evil = await send(t.serve.gatewayUrl, 'attacker.test', `/${'a'.repeat(5000)}!`);
    assert.equal(evil.text, 'origin', 'no match: passed to the origin');
    const good = await send(t.serve.gatewayUrl, 'attacker.test', `/${'a'.repeat(5000)}`);
    assert.equal(good.text, 'matched');
    const lookbehind = await t.api('POST', rules, { conditions: [[{ target: 'url', operator: 'regex', values: ['(?<=a)b'] }]], functionId: t.attackerFunctionId });
    assert.equal(lookbehind.status, 400);
    assert.match(lookbehind.text, /lookaround is not RE2 syntax/);
    await t.assertHealthy('regex rule');
  });

  it("the machine's own address is not capped per client (functions calling the platform share it)", async () => {
    const local = await openIdle(t.serve.gatewayUrl, 300, '127.0.0.1');
    assert.equal(openCount(local), 300);
    for (const socket of local) socket.destroy();
  });

  it('one client address cannot hold more than 256 connections; others are still served', async () => {
    const idle = await openIdle(t.serve.gatewayUrl, 300, '127.0.0.2');
    assert.ok(openCount(idle) <= 256, `${openCount(idle)} connections stayed open`);
    await t.assertHealthy('300 idle connections from one address');
    const zones = await t.api('GET', '/api/v1/zones');
    assert.equal(zones.status, 200, 'the admin API answers');
    for (const socket of idle) socket.destroy();
  });
});

describe('serve as an operator runs it', () => {
  const dirs: string[] = [];
  const dataDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'edgefn-serve-'));
    dirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('caps gateway connections in total; the admin API keeps its own room', async () => {
    const serve = await startServeProcess(dataDir(), ['--max-connections', '100', '--max-connections-per-client', '1000']);
    try {
      const idle = [...(await openIdle(serve.gatewayUrl, 80, '127.0.0.2')), ...(await openIdle(serve.gatewayUrl, 80, '127.0.0.3'))];
      assert.ok(openCount(idle) <= 100, `${openCount(idle)} connections stayed open`);
      const api = apiClient({ apiUrl: serve.apiUrl, token: 'test-token' });
      assert.equal((await api('GET', '/api/v1/zones')).status, 200, 'the admin API answers during the flood');
      for (const socket of idle) socket.destroy();
    } finally {
      await serve.kill9();
    }
  });

  it('closes connections that do not finish their headers within 10 s', async () => {
    const serve = await startServeProcess(dataDir());
    try {
      const idle = await openIdle(serve.gatewayUrl, 20, '127.0.0.4');
      assert.equal(openCount(idle), 20);
      await new Promise((r) => setTimeout(r, 12_000));
      assert.equal(openCount(idle), 0, 'slow headers are cut off');
    } finally {
      await serve.kill9();
    }
  });

  it('exits with an error when a port is taken, leaving nothing running', async () => {
    const taken = await startServer((_req, res) => res.end());
    try {
      const child = spawn(process.execPath, ['bin/edgefn.js', 'serve', '--data-dir', dataDir(), '--port', String(taken.port), '--admin-port', '0'], {
        env: { ...process.env, EDGEFN_ADMIN_TOKEN: 'test-token' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`port ${taken.port} on 127.0.0.1 is already in use`));
    } finally {
      await taken.close();
    }
  });

  for (const workers of ['1', '2']) {
    it(`on SIGTERM finishes requests in flight, and exits within the 10 s drain when one hangs (--workers ${workers})`, async () => {
      const serve = await startServeProcess(dataDir(), ['--workers', workers]);
      const workerPids = serve.workerPids();
      assert.equal(workerPids.length, workers === '1' ? 0 : 2);
      const api = apiClient({ apiUrl: serve.apiUrl, token: 'test-token' });
      const zone = await api<{ id: string }>('POST', '/api/v1/zones', { name: 'drain.test', origin: 'http://127.0.0.1:9' });
      const slow = await api<{ domain: string }>('POST', '/api/v1/functions', {
        zoneId: zone.body.id,
        name: 'slow',
        content: `addEventListener('fetch', (e) => e.respondWith(new Promise((r) => setTimeout(() => r(new Response('finished')), 1000))));`,
      });
      const hung = await api<{ domain: string }>('POST', '/api/v1/functions', {
        zoneId: zone.body.id,
        name: 'hung',
        content: `addEventListener('fetch', (e) => e.respondWith(new Promise(() => {})));`,
      });
      const finishing = send(serve.gatewayUrl, slow.body.domain, '/');
      const hanging = send(serve.gatewayUrl, hung.body.domain, '/').catch((error: Error) => error);
      await new Promise((r) => setTimeout(r, 200));
      const started = performance.now();
      const exited = new Promise<number | null>((resolve) => serve.child.once('exit', resolve));
      serve.child.kill('SIGTERM');
      assert.equal((await finishing).text, 'finished', 'a request in flight completes');
      assert.equal(await exited, 0);
      const seconds = (performance.now() - started) / 1000;
      assert.ok(seconds < 15, `exited after ${seconds.toFixed(1)} s`);
      assert.ok(seconds > 9, `a hung request gets the whole drain (${seconds.toFixed(1)} s)`);
      assert.ok((await hanging) instanceof Error, 'the hung request is cut off');
      assert.deepEqual(workerPids.filter(alive), [], 'the workers have exited');
    });
  }

  it('gateway workers stop serving at once when the serving process is killed (kill -9)', async () => {
    const serve = await startServeProcess(dataDir(), ['--workers', '2']);
    const workerPids = serve.workerPids();
    assert.equal(workerPids.length, 2);
    await serve.kill9();
    const deadline = Date.now() + 5000;
    while (workerPids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(workerPids.filter(alive), [], 'no worker outlives the process that relays its changes');
    await assert.rejects(send(serve.gatewayUrl, 'x.test', '/', {}, 2000), 'nothing listens on the gateway port');
  });
});

/** Whether a process exists and is not a zombie (Linux). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}
