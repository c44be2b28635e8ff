/**
 * `edgefn serve --workers N`: several gateway processes on one port. Each request here opens its
 * own connection, so the kernel spreads them over the workers; a function that names its isolate
 * (a random id made when its code loads, one isolate per worker) shows which worker answered.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { apiClient, createFunction, createZone, startPlatform, type Api, type Platform } from './helpers.ts';

interface Answer {
  status: number;
  text: string;
}

/** One request on a connection of its own. */
function fresh(gatewayUrl: string, host: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${gatewayUrl}/`, { agent: false, headers: { host, connection: 'close', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Answers `<label> <isolate id>`; the id is made once per isolate. */
const named = (label: string): string => `const isolate = crypto.randomUUID();
addEventListener('fetch', (event) => event.respondWith(new Response(${JSON.stringify(label)} + ' ' + isolate)));
`;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('gateway workers', () => {
  let platform: Platform;
  let api: Api;
  let functionId: string;
  let host: string;

  before(async () => {
    platform = await startPlatform({ workers: 2, runtime: { isolatesPerVersion: 1 } });
    api = apiClient(platform);
    const zone = await createZone(api, 'workers.example');
    const fn = await createFunction(api, zone.id, 'hello', named('v0'));
    functionId = fn.id;
    host = fn.domain;
  });

  after(async () => {
    const pids = platform.workerPids();
    await platform.close();
    assert.deepEqual(pids.filter(alive), [], 'every worker has exited after close');
  });

  it('runs the gateway in two processes that share the port', async () => {
    const pids = platform.workerPids();
    assert.equal(pids.length, 2);
    assert.ok(!pids.includes(process.pid));
    const ids = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const answer = await fresh(platform.gatewayUrl, host);
      assert.equal(answer.status, 200, answer.text);
      ids.add(answer.text);
    }
    // One isolate per worker: two ids means both workers answered (all 40 on one has odds 2^-39).
    assert.equal(ids.size, 2, [...ids].join(', '));
  });

  it('serves replicas from every worker', async () => {
    const created = await api('POST', `/api/v1/functions/${functionId}/replicas`, { name: 'try-it', content: named('replica') });
    assert.equal(created.status, 201, created.text);
    for (let i = 0; i < 10; i++) {
      const answer = await fresh(platform.gatewayUrl, host, { 'eo-function-replica-name': 'try-it' });
      assert.equal(answer.status, 200, answer.text);
      assert.match(answer.text, /^replica /);
    }
  });

  it('applies a change in every worker before the API answers', async () => {
    for (let round = 1; round <= 8; round++) {
      const changed = await api('PATCH', `/api/v1/functions/${functionId}`, { content: named(`v${round}`) });
      assert.equal(changed.status, 200, changed.text);
      const answers = await Promise.all(Array.from({ length: 16 }, () => fresh(platform.gatewayUrl, host)));
      for (const answer of answers) assert.match(answer.text, new RegExp(`^v${round} `), `round ${round}: ${answer.text}`);
    }
  });

  it('replaces a worker that cannot apply a change, before the API answers', async () => {
    const [stuck, other] = platform.workerPids() as [number, number];
    process.kill(stuck, 'SIGSTOP');
    try {
      const started = Date.now();
      const changed = await api('PATCH', `/api/v1/functions/${functionId}`, { content: named('after-stop') });
      assert.equal(changed.status, 200, changed.text);
      assert.ok(Date.now() - started < 10_000, 'the API answered once the stuck worker was replaced');
      assert.ok(!alive(stuck) || !platform.workerPids().includes(stuck), 'the stuck worker is gone');
      for (let i = 0; i < 10; i++) assert.match((await fresh(platform.gatewayUrl, host)).text, /^after-stop /);
      await until('a new worker replaces it', () => platform.workerPids().length === 2);
      assert.ok(platform.workerPids().includes(other));
    } finally {
      if (alive(stuck)) process.kill(stuck, 'SIGCONT');
    }
  });

  it('starts a worker again when one dies, and the other keeps serving meanwhile', async () => {
    // The oldest worker left (the previous test replaced the first): afterwards only the
    // replacement serves, so this also checks that it listens on the shared port, not a new one.
    const [victim] = platform.workerPids() as [number];
    process.kill(victim, 'SIGKILL');
    await until('the worker has exited', () => !platform.workerPids().includes(victim));
    for (let i = 0; i < 10; i++) assert.equal((await fresh(platform.gatewayUrl, host)).status, 200);
    await until('a new worker has started', () => platform.workerPids().length === 2);
    const ids = new Set<string>();
    for (let i = 0; i < 40; i++) ids.add((await fresh(platform.gatewayUrl, host)).text);
    assert.equal(ids.size, 2, 'both workers answer again');
  });
});
