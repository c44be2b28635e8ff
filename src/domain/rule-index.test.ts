import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileCondition, compileRules, parseConditions, type MatchRequest, type RuleDefinition } from './rules.ts';
import { buildRuleIndex, segmentOfPath } from './rule-index.ts';

/** A small deterministic PRNG so failures reproduce. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

const request = (host: string, path: string): MatchRequest => ({
  host,
  path,
  query: '',
  method: 'GET',
  protocol: 'https',
  headers: (name) => (name === 'x-flag' ? '1' : undefined),
  clientIp: '192.0.2.1',
});

describe('rule index', () => {
  it('files rules under the host or first path segment they require', () => {
    const groups = (input: unknown) => parseConditions(input);
    const index = buildRuleIndex([
      groups([[{ target: 'host', operator: 'equal', values: ['A.example.com'] }]]),
      groups([[{ target: 'url', operator: 'equal', values: ['/pic/*', '/img'] }]]),
      groups([[{ target: 'url', operator: 'equal', values: ['/p*'] }]]),
      groups([[{ target: 'url', operator: 'equal', values: ['/pic/*'] }], [{ target: 'request_method', operator: 'equal', values: ['GET'] }]]),
    ]);
    assert.deepEqual(index.byHost.get('a.example.com'), [0]);
    assert.deepEqual(index.bySegment.get('pic'), [1]);
    assert.deepEqual(index.bySegment.get('img'), [1]);
    assert.deepEqual(index.always, [2, 3], 'an open prefix or an unguarded group makes a rule always a candidate');
    assert.equal(segmentOfPath('/'), '');
    assert.equal(segmentOfPath('/a/b'), 'a');
  });

  it('picks the same rule as evaluating every rule in order', () => {
    const next = random(7);
    const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)]!;
    const hosts = ['a.test', 'b.test', 'c.test'];
    const paths = ['/', '/a', '/a/b', '/b/c/d', '/pic', '/pic/1.png', '/x'];
    const conditionPool = [
      { target: 'host', operator: 'equal', values: ['a.test'] },
      { target: 'host', operator: 'equal', values: ['b.test', 'c.test'] },
      { target: 'url', operator: 'equal', values: ['/a/*'] },
      { target: 'url', operator: 'equal', values: ['/pic', '/x'] },
      { target: 'url', operator: 'equal', values: ['/p*'] },
      { target: 'url', operator: 'equal', values: ['/'] },
      { target: 'url', operator: 'notequal', values: ['/a'] },
      { target: 'request_header', name: 'x-flag', operator: 'exist', values: [] },
      { target: 'url', operator: 'equal', values: ['all'] },
    ];
    for (let trial = 0; trial < 200; trial++) {
      const rules: RuleDefinition[] = [];
      for (let r = 0; r < 12; r++) {
        const groups = Array.from({ length: 1 + Math.floor(next() * 2) }, () => Array.from({ length: 1 + Math.floor(next() * 2) }, () => pick(conditionPool)));
        rules.push({ id: `r${r}`, conditions: parseConditions(groups), action: { type: 'direct', functionId: `f${r}` } });
      }
      const matcher = compileRules(rules);
      for (const host of hosts) {
        for (const path of paths) {
          const req = request(host, path);
          const expected = rules.find((rule) => rule.conditions.some((g) => g.length > 0 && g.every((c) => compileCondition(c)(req))));
          assert.equal(matcher.match(req)?.id, expected?.id, `trial ${trial}, ${host}${path}`);
        }
      }
    }
  });
});
