/**
 * Durability: `kill -9` of the server at any moment loses no acknowledged change and leaves no
 * half-written state; after a restart the gateway serves exactly what the store says.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { apiClient, gatewayRequest, sw } from '../helpers/platform.ts';
import { startServeProcess as startServe } from '../helpers/serve-process.ts';

describe('durability under kill -9', () => {
  it('keeps every acknowledged change and serves exactly what the store says after restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'edgefn-durable-'));
    let server = await startServe(dataDir);
    let api = apiClient({ apiUrl: server.apiUrl, token: 'test-token' });
    const zone = await api<{ id: string }>('POST', '/api/v1/zones', { name: 'durable.test', origin: 'http://127.0.0.1:9' });
    const fn = await api<{ id: string; domain: string }>('POST', '/api/v1/functions', { zoneId: zone.body.id, name: 'durable', content: sw('v0') });
    assert.equal(fn.status, 201);
    let acknowledged = 0;
    let attempted = 0;

    for (let round = 0; round < 4; round++) {
      // Write as fast as possible, and kill the server at a random moment in the middle.
      let stop = false;
      const writer = (async () => {
        while (!stop) {
          const next = attempted + 1;
          attempted = next;
          try {
            const res = await api('PATCH', `/api/v1/functions/${fn.body.id}`, { content: sw(`v${next}`) });
            if (res.status === 200) acknowledged = next;
            if (next % 7 === 0) {
              const r = await api('PUT', `/api/v1/functions/${fn.body.id}/env/K${next % 5}`, { value: `x${next}`, type: 'secret' });
              if (r.status !== 200) break;
            }
          } catch {
            break; // the server died mid-request: that change was not acknowledged
          }
        }
      })();
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 250));
      await server.kill9();
      stop = true;
      await writer;

      server = await startServe(dataDir);
      api = apiClient({ apiUrl: server.apiUrl, token: 'test-token' });
      const current = await api<{ productionVersion: { id: string } }>('GET', `/api/v1/functions/${fn.body.id}`);
      const version = await api<{ content: string }>('GET', `/api/v1/functions/${fn.body.id}/versions/${current.body.productionVersion.id}`);
      const stored = Number(/"v(\d+)"/.exec(version.body.content)?.[1]);
      assert.ok(stored >= acknowledged, `round ${round}: acknowledged v${acknowledged} but the store has v${stored}`);
      assert.ok(stored <= attempted, `round ${round}: the store has v${stored}, never attempted`);
      const served = await gatewayRequest(server.gatewayUrl, fn.body.domain, '/');
      assert.equal(served.text, `v${stored}`, 'the gateway serves exactly what the store says');
      const versions = await api<{ versions: unknown[] }>('GET', `/api/v1/functions/${fn.body.id}/versions`);
      assert.equal(versions.body.versions.length, stored + 1, 'one version per committed change, none half-written');
      acknowledged = stored;
      attempted = stored;
    }
    await server.kill9();

    const db = new Database(join(dataDir, 'edgefn.db'), { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      assert.deepEqual(db.pragma('foreign_key_check'), []);
      const orphans = db.prepare('SELECT COUNT(*) AS n FROM functions f LEFT JOIN versions v ON v.id = f.production_version_id WHERE v.id IS NULL').get() as { n: number };
      assert.equal(orphans.n, 0);
      const secrets = db.prepare("SELECT value FROM env_vars WHERE type = 'secret'").all() as { value: string }[];
      for (const s of secrets) assert.match(s.value, /^v1:/, 'secrets are stored encrypted');
    } finally {
      db.close();
    }
  });
});
