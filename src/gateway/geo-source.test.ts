import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGeoSource } from './geo-source.ts';
import { buildMmdb, type MmdbOptions } from '../../test/helpers/mmdb.ts';

const dir = (): string => mkdtempSync(join(tmpdir(), 'edgefn-geosource-'));
/** Replaces `path` the way an operator should: write beside it, then rename over it. */
const replace = (path: string, content: Buffer | string): void => {
  writeFileSync(`${path}.new`, content);
  renameSync(`${path}.new`, path);
};
const mmdb = (networks: MmdbOptions['networks'], ipVersion: 4 | 6 = 6): Buffer => buildMmdb({ ipVersion, networks });

describe('client locations: geo file, then database', () => {
  it('lets the geo file win for the addresses it covers, and asks the database for the rest', async (t) => {
    const d = dir();
    const db = join(d, 'geo.mmdb');
    writeFileSync(db, mmdb([['198.51.100.0/24', { country_code: 'DE', state1: 'Bavaria' }], ['2001:db9::/32', { country_code: 'JP' }]]));
    const geoFile = join(d, 'geo.json');
    writeFileSync(geoFile, JSON.stringify([{ cidr: '198.51.100.128/25', geo: { countryCodeAlpha2: 'CN', regionCode: 'GD' } }]));
    const source = await startGeoSource({ geoFile, geoDb: [db] });
    t.after(() => source.close());
    assert.deepEqual(source.lookup('198.51.100.200'), { countryCodeAlpha2: 'CN', regionCode: 'GD' }, 'the whole record is the file\'s');
    assert.equal(source.lookup('198.51.100.1')?.regionCode, 'BY');
    assert.equal(source.lookup('2001:db9::1')?.countryCodeAlpha2, 'JP');
    assert.equal(source.lookup('::ffff:198.51.100.1')?.countryCodeAlpha2, 'DE');
    assert.equal(source.lookup('192.0.2.1'), undefined);
    assert.equal(source.lookup('not an address'), undefined);
    assert.equal(source.lookup('198.51.100.1'), source.lookup('198.51.100.1'), 'remembered: the same record');
  });

  it('gives private, loopback and link-local addresses nothing from the database, only from the geo file', async (t) => {
    const d = dir();
    const db = join(d, 'geo.mmdb');
    const everywhere = { country_code: 'US' };
    writeFileSync(db, mmdb([['10.0.0.0/8', everywhere], ['127.0.0.0/8', everywhere], ['192.168.0.0/16', everywhere], ['169.254.0.0/16', everywhere], ['8.0.0.0/8', everywhere], ['fd00::/8', everywhere], ['::1/128', everywhere]]));
    const geoFile = join(d, 'geo.json');
    writeFileSync(geoFile, JSON.stringify([{ cidr: '10.1.0.0/16', geo: { countryCodeAlpha2: 'SG' } }]));
    const source = await startGeoSource({ geoFile, geoDb: [db] });
    t.after(() => source.close());
    assert.equal(source.lookup('8.8.8.8')?.countryCodeAlpha2, 'US', 'the database does answer public addresses');
    for (const ip of ['10.2.3.4', '127.0.0.1', '192.168.1.1', '169.254.169.254', 'fd00::1', '::1', '::ffff:10.2.3.4']) assert.equal(source.lookup(ip), undefined, ip);
    assert.deepEqual(source.lookup('10.1.2.3'), { countryCodeAlpha2: 'SG' });
  });
});

describe('reloading without a restart', () => {
  it('swaps in a replaced database, and keeps the old one when the new file is broken', async (t) => {
    const d = dir();
    const db = join(d, 'geo.mmdb');
    writeFileSync(db, mmdb([['8.8.8.0/24', { country_code: 'US' }]], 4));
    const lines: string[] = [];
    const source = await startGeoSource({ geoDb: [db], pollMs: 20, log: (line) => lines.push(line) });
    t.after(() => source.close());
    assert.equal(source.lookup('8.8.8.8')?.countryCodeAlpha2, 'US');

    replace(db, mmdb([['8.8.8.0/24', { country_code: 'CN', state1: 'Guangdong' }]], 4));
    await source.checked();
    await source.checked();
    assert.equal(source.lookup('8.8.8.8')?.regionCode, 'GD', 'the new answer, not the remembered one');
    assert.match(lines.join('\n'), /geo database reloaded/);

    replace(db, 'half a database');
    await source.checked();
    await source.checked();
    assert.equal(source.lookup('8.8.8.8')?.regionCode, 'GD', 'still the last good data');
    assert.match(lines.at(-1) ?? '', /geo database .*geo\.mmdb: .*keeping the geo database loaded before/);
    const said = lines.length;
    await source.checked();
    assert.equal(lines.length, said, 'says it once, not on every check');

    replace(db, mmdb([['8.8.8.0/24', { country_code: 'JP' }]], 4));
    await source.checked();
    await source.checked();
    assert.equal(source.lookup('8.8.8.8')?.countryCodeAlpha2, 'JP', 'a good file after a broken one is taken');
  });

  it('reloads the geo file too, keeping the old ranges when the new file is broken', async (t) => {
    const geoFile = join(dir(), 'geo.json');
    writeFileSync(geoFile, JSON.stringify([{ cidr: '127.0.0.2/32', geo: { countryCodeAlpha2: 'CN' } }]));
    const lines: string[] = [];
    const source = await startGeoSource({ geoFile, geoDb: [], pollMs: 20, log: (line) => lines.push(line) });
    t.after(() => source.close());
    assert.equal(source.lookup('127.0.0.2')?.countryCodeAlpha2, 'CN');
    replace(geoFile, JSON.stringify([{ cidr: '127.0.0.2/32', geo: { countryCodeAlpha2: 'US' } }]));
    await source.checked();
    await source.checked();
    assert.equal(source.lookup('127.0.0.2')?.countryCodeAlpha2, 'US');
    replace(geoFile, '[{"cidr": ');
    await source.checked();
    await source.checked();
    assert.equal(source.lookup('127.0.0.2')?.countryCodeAlpha2, 'US');
    assert.match(lines.at(-1) ?? '', /geo file .*geo\.json: .*keeping the geo file loaded before/);
  });

  it('refuses to start on a broken file', async () => {
    const geoFile = join(dir(), 'geo.json');
    writeFileSync(geoFile, '{');
    await assert.rejects(startGeoSource({ geoFile, geoDb: [] }), /geo file/);
    await assert.rejects(startGeoSource({ geoDb: [geoFile] }), /geo database/);
  });
});
