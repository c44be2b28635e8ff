import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultDomain, generateRandomId, newFunctionId, newRuleId, newVersionId, newZoneId, parseDefaultDomain } from './ids.ts';

describe('ids', () => {
  const shapes: [string, () => string, RegExp][] = [
    ['zone', newZoneId, /^zone-[a-z0-9]{12}$/],
    ['function', newFunctionId, /^ef-[a-z0-9]{8}$/],
    ['rule', newRuleId, /^rule-[a-z0-9]{8}$/],
    ['version', newVersionId, /^ver-[a-z0-9]{10}$/],
  ];
  for (const [kind, make, shape] of shapes) {
    it(`${kind} ids have EdgeOne's shape and do not repeat`, () => {
      const seen = new Set<string>();
      for (let i = 0; i < 1000; i++) {
        const id = make();
        assert.match(id, shape);
        seen.add(id);
      }
      assert.equal(seen.size, 1000);
    });
  }

  it('uses every character of a-z0-9 and roughly evenly', () => {
    const counts = new Map<string, number>();
    const sample = generateRandomId(360_000);
    assert.equal(sample.length, 360_000);
    for (const ch of sample) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    assert.equal(counts.size, 36);
    // Expected 10000 each (σ ≈ 98, so ±500 is over 5σ); a plain `byte % 36` would give a-d 8/256
    // of the draws, about 11250 each.
    for (const [ch, count] of counts) assert.ok(count > 9500 && count < 10500, `${ch}: ${count}`);
  });

  it('makes ids of any length', () => {
    assert.equal(generateRandomId(0), '');
    assert.equal(generateRandomId(1).length, 1);
    assert.equal(generateRandomId(300).length, 300);
  });
});

describe('defaultDomain', () => {
  it('joins function name and zone id part', () => {
    assert.equal(defaultDomain('test', 'zone-2xkazsasyf6k', 'edgefn.localhost'), 'test-2xkazsasyf6k.edgefn.localhost');
    assert.equal(defaultDomain('my-fn', 'zone-abc123def456', '.example.net'), 'my-fn-abc123def456.example.net');
  });

  it('reads back through parseDefaultDomain', () => {
    for (const name of ['test', 'my-long-function-name', 'a1']) {
      const zoneId = newZoneId();
      const host = defaultDomain(name, zoneId, 'edgefn.localhost');
      assert.deepEqual(parseDefaultDomain(host, 'edgefn.localhost'), { functionName: name, zoneId });
      assert.deepEqual(parseDefaultDomain(host.toUpperCase(), '.edgefn.localhost'), { functionName: name, zoneId });
    }
  });

  it('parseDefaultDomain refuses other hosts', () => {
    const suffix = 'edgefn.localhost';
    for (const host of ['edgefn.localhost', 'test.edgefn.localhost', '-abc.edgefn.localhost', 'test-abc.other.com', 'a.b-abc.edgefn.localhost', '1x-abc.edgefn.localhost', 'test-.edgefn.localhost', 'xedgefn.localhost']) {
      assert.equal(parseDefaultDomain(host, suffix), undefined, host);
    }
  });
});
