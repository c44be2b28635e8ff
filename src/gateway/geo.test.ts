import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadGeoFile } from './geo.ts';

const file = (content: unknown): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'edgefn-geo-')), 'geo.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

describe('geo file', () => {
  it('answers with the most specific range containing the client address', () => {
    const lookup = loadGeoFile(
      file([
        { cidr: '203.0.113.0/24', geo: { countryCodeAlpha2: 'SG' } },
        { cidr: '203.0.113.128/25', geo: { countryCodeAlpha2: 'CN', regionCode: 'GD', cityName: 'Shēnzhèn', asn: 4134 } },
        { cidr: '2001:db8::/32', geo: { countryCodeAlpha2: 'DE' } },
      ]),
    );
    assert.deepEqual(lookup('203.0.113.200'), { countryCodeAlpha2: 'CN', regionCode: 'GD', cityName: 'Shēnzhèn', asn: 4134 });
    assert.deepEqual(lookup('203.0.113.5'), { countryCodeAlpha2: 'SG' });
    assert.deepEqual(lookup('::ffff:203.0.113.5'), { countryCodeAlpha2: 'SG' }, 'IPv4-mapped addresses match IPv4 ranges');
    assert.deepEqual(lookup('2001:db8::1'), { countryCodeAlpha2: 'DE' });
    assert.equal(lookup('198.51.100.1'), undefined);
    assert.equal(lookup('not an ip'), undefined);
  });

  it('refuses a broken file with a message naming the entry', () => {
    assert.throws(() => loadGeoFile(file('{not json')), /geo file .*geo\.json:/);
    assert.throws(() => loadGeoFile(file({})), /expected a JSON array/);
    assert.throws(() => loadGeoFile(file([{ cidr: '10.0.0.0/99', geo: {} }])), /entry 1 needs "cidr"/);
    assert.throws(() => loadGeoFile(file([{ cidr: '10.0.0.0/8', geo: [] }])), /entry 1 needs "geo" as an object/);
    assert.throws(() => loadGeoFile(file([{ cidr: '10.0.0.0/8', geo: { nested: {} } }])), /geo values must be strings or numbers/);
  });
});
