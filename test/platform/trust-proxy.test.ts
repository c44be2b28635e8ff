/**
 * `serve --trust-proxy`: behind a reverse proxy the client is taken from X-Forwarded-For, but only
 * when the connection comes from a trusted proxy, and only as far as the chain of trusted hops
 * goes. Everything that depends on the client sees the same address: request.eo.clientIp (also in
 * a replica), the geo record, client_ip rules.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient, createFunction, createZone, startPlatform, type Platform } from './helpers.ts';

const show = (label: string) => `addEventListener('fetch', (e) => e.respondWith(Response.json({ label: '${label}', ip: e.request.eo.clientIp, country: e.request.eo.geo.countryCodeAlpha2 ?? null })));`;

interface Seen {
  label: string;
  ip: string;
  country: string | null;
}

function get(platform: Platform, host: string, headers: Record<string, string>, localAddress = '127.0.0.1'): Promise<Seen> {
  const url = new URL(platform.gatewayUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: '/', localAddress, agent: false, setHost: false, headers: { host, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve(JSON.parse(body) as Seen));
    });
    req.on('error', reject).end();
  });
}

async function setUp(platform: Platform) {
  const api = apiClient(platform);
  const zone = await createZone(api, 'proxied.example.com');
  const fn = await createFunction(api, zone.id, 'who', show('production'));
  assert.equal((await api('POST', `/api/v1/functions/${fn.id}/replicas`, { name: 'next', content: show('replica') })).status, 201);
  const special = await createFunction(api, zone.id, 'special', show('special'));
  assert.equal((await api('POST', `/api/v1/zones/${zone.id}/rules`, { conditions: [[{ target: 'client_ip', operator: 'equal', values: ['198.51.100.0/24'] }]], functionId: special.id })).status, 201);
  assert.equal((await api('POST', `/api/v1/zones/${zone.id}/rules`, { conditions: [[{ target: 'host', operator: 'equal', values: ['proxied.example.com'] }]], functionId: fn.id })).status, 201);
  return fn;
}

describe('--trust-proxy', () => {
  let platform: Platform;
  before(async () => {
    const geoFile = join(mkdtempSync(join(tmpdir(), 'edgefn-geo-')), 'geo.json');
    writeFileSync(geoFile, JSON.stringify([{ cidr: '203.0.113.0/24', geo: { countryCodeAlpha2: 'CN', regionCode: 'GD' } }]));
    platform = await startPlatform({ geoFile, trustProxy: ['127.0.0.1/32', '10.0.0.0/8'] });
    await setUp(platform);
  });
  after(async () => {
    await platform.close();
  });

  const host = 'proxied.example.com';

  it('takes the client from X-Forwarded-For when the peer is a trusted proxy, for eo.clientIp and geo', async () => {
    assert.deepEqual(await get(platform, host, { 'x-forwarded-for': '203.0.113.7' }), { label: 'production', ip: '203.0.113.7', country: 'CN' });
    assert.deepEqual(await get(platform, host, { 'x-forwarded-for': '203.0.113.7', 'eo-function-replica-name': 'next' }), { label: 'replica', ip: '203.0.113.7', country: 'CN' });
  });

  it('believes only the right-most hop that is not a trusted proxy', async () => {
    // The client wrote "1.2.3.4" itself; the proxy appended the address it saw.
    assert.equal((await get(platform, host, { 'x-forwarded-for': '1.2.3.4, 203.0.113.9' })).ip, '203.0.113.9');
    // A chain through a second trusted proxy (10.0.0.5) still reaches the client.
    assert.equal((await get(platform, host, { 'x-forwarded-for': '203.0.113.9, 10.0.0.5' })).ip, '203.0.113.9');
    // Garbage ends the chain at the last believable hop.
    assert.equal((await get(platform, host, { 'x-forwarded-for': '203.0.113.9, not-an-ip, 10.0.0.5' })).ip, '10.0.0.5');
    assert.equal((await get(platform, host, {})).ip, '127.0.0.1', 'no header: the proxy itself');
  });

  it('never reads the header from a peer that is not trusted', async () => {
    const seen = await get(platform, host, { 'x-forwarded-for': '203.0.113.7' }, '127.0.0.2');
    assert.deepEqual(seen, { label: 'production', ip: '127.0.0.2', country: null });
  });

  it('matches client_ip rules against the forwarded client', async () => {
    assert.equal((await get(platform, host, { 'x-forwarded-for': '198.51.100.20' })).label, 'special');
    assert.equal((await get(platform, host, { 'x-forwarded-for': '198.51.100.20' }, '127.0.0.2')).label, 'production');
  });
});

describe('without --trust-proxy', () => {
  let platform: Platform;
  before(async () => {
    platform = await startPlatform();
    await setUp(platform);
  });
  after(async () => {
    await platform.close();
  });

  it('ignores X-Forwarded-For from everyone', async () => {
    const seen = await get(platform, 'proxied.example.com', { 'x-forwarded-for': '198.51.100.20' });
    assert.deepEqual(seen, { label: 'production', ip: '127.0.0.1', country: null });
  });
});
