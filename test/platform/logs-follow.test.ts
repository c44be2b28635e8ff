/**
 * Following invocation logs (`GET /api/v1/functions/{id}/logs?follow=1`): new records as NDJSON as
 * they happen, from the gateway process, a gateway worker or the replica lane; a heartbeat line;
 * slow followers dropped without slowing the gateway; a bound on followers; streams that end when
 * their function is deleted or the server stops.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient, assertError, createFunction, createZone, startPlatform, type Api, type Platform } from './helpers.ts';
import { gatewayRequest } from '../helpers/platform.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { loadSecretBox } from '../../src/store/secrets.ts';
import { ControlPlane } from '../../src/control/services.ts';
import { ReplicaTraffic } from '../../src/control/replica-traffic.ts';
import { createApi } from '../../src/control/api.ts';
import { ApiKeys } from '../../src/control/api-keys.ts';
import { defaultFollowLimits } from '../../src/control/follow.ts';
import { InvocationLog } from '../../src/store/invocation-log.ts';
import { adminLimits, createLimitedServer } from '../../src/gateway/connections.ts';
import { listen } from '../../src/gateway/node.ts';

interface RecordView {
  requestId: string;
  variant: string;
  functionId: string;
  status: number;
  outcome: string;
  logs: { level: string; message: string }[];
}

interface Follower {
  status: number;
  headers: IncomingHttpHeaders;
  /** The records so far, with when each line arrived. */
  records: { record: RecordView; at: number }[];
  /** Empty lines so far. */
  heartbeats: number;
  /** The error body of a refusal. */
  text: string;
  /** Resolves when the response ends: 'end' (cleanly) or 'aborted'. */
  done: Promise<'end' | 'aborted'>;
  waitFor(requestId: string, timeoutMs?: number): Promise<{ record: RecordView; at: number }>;
  close(): void;
}

/** Opens a follow stream; resolves once its status and headers are in. */
function follow(target: { apiUrl: string; token: string }, functionId: string, query = ''): Promise<Follower> {
  return new Promise((resolve, reject) => {
    const req = request(`${target.apiUrl}/api/v1/functions/${functionId}/logs?follow=1${query}`, { headers: { authorization: `Bearer ${target.token}` }, agent: false });
    req.once('error', reject);
    req.once('response', (res) => {
      res.setEncoding('utf8');
      let partial = '';
      let text = '';
      const waiters = new Set<() => void>();
      const follower: Follower = {
        status: res.statusCode!,
        headers: res.headers,
        records: [],
        heartbeats: 0,
        get text() {
          return text;
        },
        done: new Promise((done) => {
          res.once('end', () => done('end'));
          res.once('aborted', () => done('aborted'));
          res.once('error', () => done('aborted'));
        }),
        async waitFor(requestId, timeoutMs = 10_000) {
          const deadline = Date.now() + timeoutMs;
          for (;;) {
            const found = follower.records.find((r) => r.record.requestId === requestId);
            if (found) return found;
            if (Date.now() > deadline) assert.fail(`no record ${requestId} followed; got ${follower.records.map((r) => r.record.requestId).join(', ')}`);
            await new Promise<void>((wake) => {
              waiters.add(wake);
              setTimeout(wake, 50);
            });
          }
        },
        close: () => req.destroy(),
      };
      res.on('data', (chunk: string) => {
        if (res.statusCode !== 200) {
          text += chunk;
          return;
        }
        partial += chunk;
        const lines = partial.split('\n');
        partial = lines.pop()!;
        for (const line of lines) {
          if (line === '') follower.heartbeats++;
          else follower.records.push({ record: JSON.parse(line) as RecordView, at: Date.now() });
        }
        for (const wake of waiters) wake();
        waiters.clear();
      });
      if (res.statusCode === 200) resolve(follower);
      else res.once('end', () => resolve(follower));
    });
    req.end();
  });
}

/** Logs one line (of `size` characters, when asked) and answers, or passes /pass to the origin. */
const chatty = (answer: string) => `addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  const size = Number(url.searchParams.get('size') ?? 0);
  if (size > 0) for (let i = 0; i < 20; i++) console.log(String(i).padEnd(size, 'x'));
  else console.log('serving', url.pathname);
  event.respondWith(new Response(${JSON.stringify(answer)}));
});`;

/** When the list first shows the record `requestId` (polled). */
async function whenListed(api: Api, functionId: string, variant: string, requestId: string): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const page = await api<{ records: RecordView[] }>('GET', `/api/v1/functions/${functionId}/logs?variant=${variant}&limit=1000`);
    if (page.body.records.some((r) => r.requestId === requestId)) return Date.now();
    if (Date.now() > deadline) assert.fail(`no record ${requestId} listed`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const until = async (check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

for (const workers of [1, 2]) {
  describe(`following invocation logs (${workers} gateway process${workers > 1 ? 'es' : ''})`, () => {
    let platform: Platform;
    let api: Api;
    let fn: { id: string; domain: string };

    before(async () => {
      platform = await startPlatform({ workers, logFollow: { heartbeatMs: 200 } });
      api = apiClient(platform);
      const zone = await createZone(api, `follow${workers}.example`);
      fn = await createFunction(api, zone.id, 'followed', chatty('production'));
      const replica = await api('POST', `/api/v1/functions/${fn.id}/replicas`, { name: 'try-it', content: chatty('replica') });
      assert.equal(replica.status, 201, replica.text);
    });
    after(() => platform.close());

    it("streams a replica's records to its follower as they happen, and not production's", async () => {
      const toReplica = await follow(platform, fn.id, '&variant=try-it');
      const toAll = await follow(platform, fn.id);
      try {
        assert.equal(toReplica.status, 200);
        assert.equal(toReplica.headers['content-type'], 'application/x-ndjson');
        // Production first; once its record has reached a follower, it was appended (and would
        // have been written to the replica's follower before anything later).
        const production = await gatewayRequest(platform.gatewayUrl, fn.domain, '/first');
        assert.equal(production.text, 'production');
        const productionId = production.headers['eo-request-id'] as string;
        await toAll.waitFor(productionId);

        const replica = await gatewayRequest(platform.gatewayUrl, fn.domain, '/tried', { 'eo-function-replica-name': 'try-it' });
        assert.equal(replica.text, 'replica');
        const replicaId = replica.headers['eo-request-id'] as string;
        // Streamed as it happens: with the follower no later than 1 s after the log has it. (Not
        // timed from the request: the lane runs only on CPU time production leaves, so on a busy
        // machine its record itself may come later; production's is timed below.)
        const listedAt = await whenListed(api, fn.id, 'try-it', replicaId);
        const followed = await toReplica.waitFor(replicaId);
        assert.ok(followed.at - listedAt <= 1000, `followed ${followed.at - listedAt} ms after it was listed`);
        assert.equal(followed.record.variant, 'try-it');
        assert.deepEqual(followed.record.logs, [{ level: 'log', message: 'serving /tried' }]);
        assert.ok(!toReplica.records.some((r) => r.record.requestId === productionId), "production's record is not the replica's follower's");
        await toAll.waitFor(replicaId);

        // The same record as the list gives.
        const listed = await api<{ records: RecordView[] }>('GET', `/api/v1/functions/${fn.id}/logs?variant=try-it`);
        assert.deepEqual(followed.record, listed.body.records.find((r) => r.requestId === replicaId));
      } finally {
        toReplica.close();
        toAll.close();
      }
    });

    it('follows production alone when asked, within a second of each request, from a gateway worker too', async () => {
      const toProduction = await follow(platform, fn.id, '&variant=production');
      try {
        for (let i = 0; i < 6; i++) {
          const sent = Date.now();
          const id = (await gatewayRequest(platform.gatewayUrl, fn.domain, `/p/${i}`)).headers['eo-request-id'] as string;
          const followed = await toProduction.waitFor(id);
          assert.equal(followed.record.variant, 'production');
          assert.ok(followed.at - sent <= 1000, `followed ${followed.at - sent} ms after the request`);
        }
      } finally {
        toProduction.close();
      }
    });

    it('sends an empty line as a heartbeat while nothing happens', async () => {
      const idle = await follow(platform, fn.id, '&variant=nobody-uses-it');
      try {
        await until(() => idle.heartbeats >= 2, 'two heartbeats');
        assert.equal(idle.records.length, 0);
      } finally {
        idle.close();
      }
    });

    it('refuses an unknown function or a bad parameter with a JSON error, before any stream', async () => {
      const unknown = await follow(platform, 'ef-doesnotexist');
      assertError({ status: unknown.status, body: JSON.parse(unknown.text), text: unknown.text, headers: new Headers(unknown.headers as Record<string, string>) }, 404, 'ResourceUnavailable.FunctionNotFound');
      assertError(await api('GET', `/api/v1/functions/${fn.id}/logs?follow=1&variant=Bad_Name!`), 400, 'InvalidParameter.InvalidParameter');
      assertError(await api('GET', `/api/v1/functions/${fn.id}/logs?follow=yes`), 400, 'InvalidParameter.InvalidParameter');
      assertError(await api('GET', `/api/v1/functions/${fn.id}/logs?follow=1&limit=5`), 400, 'InvalidParameter.InvalidParameter');
      // follow=0 is the list.
      const list = await api<{ records: unknown[] }>('GET', `/api/v1/functions/${fn.id}/logs?follow=0`);
      assert.equal(list.status, 200);
      assert.ok(Array.isArray(list.body.records));
    });
  });
}

describe('following invocation logs: bounds and endings', () => {
  let platform: Platform;
  let api: Api;
  let fn: { id: string; domain: string };

  before(async () => {
    platform = await startPlatform({ workers: 1 });
    api = apiClient(platform);
    const zone = await createZone(api, 'follow-bounds.example');
    fn = await createFunction(api, zone.id, 'loud', chatty('ok'));
  });
  after(() => platform.close());

  it('drops a follower that does not read, while the gateway keeps answering', async () => {
    // A raw socket that reads the response head and then stops reading: its TCP window closes,
    // the server's socket buffers fill, and what the server could not send grows.
    const socket = connect(Number(new URL(platform.apiUrl).port), '127.0.0.1');
    socket.write(`GET /api/v1/functions/${fn.id}/logs?follow=1 HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer ${platform.token}\r\n\r\n`);
    const head = await new Promise<string>((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1'))));
    assert.match(head, /^HTTP\/1\.1 200/);
    socket.pause();
    let received = head.length;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);

    // 400 records of about 80 KB (20 console lines of 4,000 bytes each): 32 MB, more than any
    // socket buffers and the 1 MiB bound together.
    const ids = new Set<string>();
    for (let batch = 0; batch < 40; batch++) {
      const answers = await Promise.all(Array.from({ length: 10 }, () => gatewayRequest(platform.gatewayUrl, fn.domain, '/loud?size=4000')));
      for (const answer of answers) {
        assert.equal(answer.status, 200, 'the gateway keeps answering');
        ids.add(answer.headers['eo-request-id'] as string);
      }
    }
    assert.equal(ids.size, 400);
    // Now read what is there: the stream must end (the server dropped it) short of every record.
    socket.on('data', (chunk: Buffer) => (received += chunk.byteLength));
    socket.resume();
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([closed.then(() => 'closed'), new Promise((resolve) => (timer = setTimeout(resolve, 30_000, 'still open')))]);
    clearTimeout(timer);
    assert.equal(outcome, 'closed', `the server closed the follower's connection (received ${received} bytes)`);
    socket.destroy();
    assert.ok(received < 400 * 80_000, `received ${received} bytes: the follower was dropped, not sent everything`);
    // A quick request still works, and another follower is taken.
    const again = await follow(platform, fn.id);
    assert.equal(again.status, 200);
    again.close();
  });

  it(`takes at most ${defaultFollowLimits.maxFollowers} followers at once, and another when one leaves`, async () => {
    const followers: Follower[] = [];
    try {
      for (let i = 0; i < defaultFollowLimits.maxFollowers; i++) {
        const f = await follow(platform, fn.id);
        assert.equal(f.status, 200, f.text);
        followers.push(f);
      }
      const refused = await follow(platform, fn.id);
      assert.equal(refused.status, 429, refused.text);
      assert.equal((JSON.parse(refused.text) as { error: { code: string } }).error.code, 'LimitExceeded.LogFollowerLimitExceeded');
      assert.ok(Number(refused.headers['retry-after']) > 0);
      // The list is not a follower: it still answers.
      assert.equal((await api('GET', `/api/v1/functions/${fn.id}/logs`)).status, 200);
      followers.pop()!.close();
      const deadline = Date.now() + 10_000;
      for (;;) {
        const next = await follow(platform, fn.id);
        if (next.status === 200) {
          followers.push(next);
          break;
        }
        assert.equal(next.status, 429);
        if (Date.now() > deadline) assert.fail('no place freed after a follower left');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      for (const f of followers) f.close();
    }
  });

  it("ends a deleted function's streams", async () => {
    const zone = await createZone(api, 'follow-delete.example');
    const doomed = await createFunction(api, zone.id, 'doomed', chatty('bye'));
    const other = await createFunction(api, zone.id, 'other', chatty('other'));
    const toDoomed = await follow(platform, doomed.id);
    const toOther = await follow(platform, other.id);
    assert.equal((await api('DELETE', `/api/v1/functions/${doomed.id}`)).status, 204);
    assert.equal(await toDoomed.done, 'end');
    // Deleting the zone deletes its other function: that stream ends too.
    assert.equal((await api('DELETE', `/api/v1/zones/${zone.id}`)).status, 204);
    assert.equal(await toOther.done, 'end');
  });
});

describe('following invocation logs: stopping the server', () => {
  it('ends follow streams at once when the server stops, so the drain does not wait for them', async () => {
    const platform = await startPlatform({ workers: 1, drainMs: 20_000 });
    const api = apiClient(platform);
    const zone = await createZone(api, 'follow-stop.example');
    const fn = await createFunction(api, zone.id, 'stopping', chatty('ok'));
    const followers = [await follow(platform, fn.id), await follow(platform, fn.id, '&variant=production')];
    const started = Date.now();
    const closed = platform.close();
    // Ended cleanly, and long before the drain's deadline (which would cut them: 'aborted').
    for (const f of followers) assert.equal(await f.done, 'end');
    assert.ok(Date.now() - started < 10_000, `ended ${Date.now() - started} ms after the stop began`);
    await closed;
  });
});

describe('following invocation logs: the API server\'s timeouts', () => {
  it('keeps an idle follow stream open past the request and idle timeouts, on its heartbeat', async () => {
    // The real figures: the idle timeout is far longer than the heartbeat, and the request timeout
    // covers receiving the request only. Here both are scaled down to check the mechanism.
    assert.ok(adminLimits.idleTimeoutMs > 4 * defaultFollowLimits.heartbeatMs);
    const dataDir = mkdtempSync(join(tmpdir(), 'edgefn-follow-'));
    const store = new SqliteStore({ path: join(dataDir, 'edgefn.db') });
    const control = new ControlPlane({ store, secrets: loadSecretBox(dataDir), checkCode: () => null, domainSuffix: 'edgefunctions.localhost', logs: new InvocationLog() });
    const keys = new ApiKeys(store, loadSecretBox(dataDir));
    const server = createLimitedServer(createApi({ control, traffic: new ReplicaTraffic({ store, metrics: null, shadows: null }), keys, token: 'test-token', follow: { heartbeatMs: 150 }, log: () => undefined }), { ...adminLimits, headersTimeoutMs: 300, requestTimeoutMs: 300, idleTimeoutMs: 800 });
    try {
      const apiUrl = await listen(server, 0, '127.0.0.1');
      const api = apiClient({ apiUrl, token: 'test-token' });
      const zone = await createZone(api, 'timeouts.example');
      const fn = await createFunction(api, zone.id, 'quiet');
      const quiet = await follow({ apiUrl, token: 'test-token' }, fn.id);
      assert.equal(quiet.status, 200);
      let ended = false;
      void quiet.done.then(() => (ended = true));
      await new Promise((resolve) => setTimeout(resolve, 2500));
      assert.equal(ended, false, 'still open after three times the idle timeout');
      assert.ok(quiet.heartbeats >= 3, `${quiet.heartbeats} heartbeats`);
      quiet.close();
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
