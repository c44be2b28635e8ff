import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EdgefnError } from './errors.ts';
import {
  compileCondition,
  compileRules,
  findQueryParam,
  parseConditions,
  parseRuleAction,
  selectFunctionId,
  type Condition,
  type ConditionGroup,
  type MatchRequest,
  type RuleAction,
} from './rules.ts';

// Micro-benchmark, run by hand (no timed assertions in tests). Save as /tmp/bench.ts and run
// `node --import tsx /tmp/bench.ts` from the repository root:
//
//   import { compileRules, parseConditions, type MatchRequest } from '/work/main/src/domain/rules.ts';
//   const rules = Array.from({ length: 200 }, (_, i) => ({
//     id: `rule-${i}`,
//     action: { type: 'direct' as const, functionId: `ef-${i}` },
//     conditions: parseConditions([
//       [{ target: 'host', operator: 'equal', values: [`site${i}.example.com`, `www.site${i}.example.com`] },
//        { target: 'url', operator: 'equal', values: [`/app${i}/*`, '*.php'] },
//        { target: 'client_ip', operator: 'notequal', values: ['10.0.0.0/8', '2001:db8::/32'] }],
//       [{ target: 'request_header', operator: 'equal', values: [`v${i}`], name: 'x-version' }],
//       [{ target: 'query_string', operator: 'equal', values: [`q${i}`], name: 'k' },
//        { target: 'extension', operator: 'equal', values: ['js'], ignoreCase: true }],
//       [{ target: 'url', operator: 'regex', values: [`^/r${i}/[0-9]+$`] }],
//     ]),
//   }));
//   const matcher = compileRules(rules);
//   const req: MatchRequest = { host: 'www.nomatch.com', path: '/static/app/main.js', query: 'a=1&k=zz',
//     method: 'GET', protocol: 'https', headers: () => undefined, clientIp: '203.0.113.9' };
//   for (let round = 0; round < 3; round++) {
//     const n = 20_000, start = process.hrtime.bigint();
//     for (let i = 0; i < n; i++) matcher.match(req);
//     console.log(Number(process.hrtime.bigint() - start) / n / 1000, 'µs per request');
//   }
//
// On the 2-core dev box (Node 20): about 27-35 µs per request for this worst case (200 rules ×
// 4 groups, nothing matches, 800 condition checks incl. 200 regexes); about 2.5 µs for 200 rules
// of `host` + `url` wildcard; 13-70 ns per condition depending on the target.

interface RequestInit {
  url?: string;
  method?: string;
  headers?: Record<string, string>;
  clientIp?: string;
  country?: string;
}

/** Builds a MatchRequest the way the gateway would, from a full URL. */
function makeRequest(init: RequestInit = {}): MatchRequest {
  const url = new URL(init.url ?? 'https://www.example.com/');
  const headers = new Map(Object.entries(init.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const request: MatchRequest = {
    host: url.hostname,
    path: url.pathname,
    query: url.search.slice(1),
    method: init.method ?? 'GET',
    protocol: url.protocol === 'http:' ? 'http' : 'https',
    headers: (name) => headers.get(name),
    clientIp: init.clientIp ?? '203.0.113.7',
  };
  if (init.country !== undefined) request.country = init.country;
  return request;
}

function condition(partial: Partial<Condition> & Pick<Condition, 'target' | 'operator'>): Condition {
  return { values: [], ignoreCase: false, ...partial };
}

function matches(c: Condition, init: RequestInit): boolean {
  return compileCondition(c)(makeRequest(init));
}

function assertInvalid(input: unknown, message: RegExp): void {
  assert.throws(
    () => parseConditions(input),
    (error: unknown) => {
      assert.ok(error instanceof EdgefnError);
      assert.equal(error.code, 'InvalidParameter.InvalidConditions');
      assert.match(error.message, message);
      return true;
    },
  );
}

describe('parseConditions', () => {
  it('accepts a valid OR of AND groups and fills defaults', () => {
    const parsed = parseConditions([
      [
        { target: 'host', operator: 'equal', values: ['www.example.com'] },
        { target: 'url', operator: 'regex', values: ['^/api/'], ignoreCase: true },
      ],
      [{ target: 'request_header', operator: 'exist', name: 'X-Canary' }],
      [{ target: 'query_string', operator: 'notexist', name: 'debug', values: [] }],
    ]);
    assert.deepEqual(parsed, [
      [
        { target: 'host', operator: 'equal', values: ['www.example.com'], ignoreCase: false },
        { target: 'url', operator: 'regex', values: ['^/api/'], ignoreCase: true },
      ],
      [{ target: 'request_header', operator: 'exist', values: [], ignoreCase: false, name: 'X-Canary' }],
      [{ target: 'query_string', operator: 'notexist', values: [], ignoreCase: false, name: 'debug' }],
    ]);
  });

  it('accepts every target with equal', () => {
    const values: Record<string, string> = {
      host: 'a.com',
      url: '/a/*',
      full_url: 'https://a.com/*',
      filename: 'index.html',
      extension: 'js',
      query_string: 'v',
      request_header: 'v',
      request_method: 'POST',
      request_protocol: 'https',
      client_ip: '10.0.0.0/8',
      client_country: 'CN',
    };
    for (const [target, value] of Object.entries(values)) {
      const name = target === 'query_string' || target === 'request_header' ? { name: 'n' } : {};
      assert.equal(parseConditions([[{ target, operator: 'equal', values: [value], ...name }]]).length, 1);
    }
  });

  const invalid: [string, unknown, RegExp][] = [
    ['a non-array', { target: 'host' }, /expected an array of condition groups/],
    ['null', null, /expected an array/],
    ['no groups', [], /at least one condition group/],
    ['a group that is not an array', [{ target: 'host' }], /group 1 must be an array/],
    ['an empty group', [[{ target: 'host', operator: 'exist' }], []], /group 2 is empty/],
    ['a condition that is not an object', [['host']], /group 1, condition 1: expected an object/],
    ['an unknown target', [[{ target: 'path', operator: 'equal', values: ['/'] }]], /group 1, condition 1: unknown target "path"/],
    ['a missing target', [[{ operator: 'equal', values: ['/'] }]], /unknown target undefined/],
    ['an unknown operator', [[{ target: 'url', operator: 'contains', values: ['/'] }]], /unknown operator "contains"/],
    ['an unknown field', [[{ target: 'url', operator: 'equal', values: ['/'], Target: 'x' }]], /unknown field "Target"/],
    ['a non-boolean ignoreCase', [[{ target: 'url', operator: 'equal', values: ['/'], ignoreCase: 'yes' }]], /ignoreCase must be a boolean/],
    ['a header without name', [[{ target: 'request_header', operator: 'exist' }]], /needs a name \(the header/],
    ['a query parameter without name', [[{ target: 'query_string', operator: 'equal', values: ['1'] }]], /needs a name \(the query parameter/],
    ['an empty name', [[{ target: 'query_string', operator: 'exist', name: '' }]], /name must be a non-empty string/],
    ['a bad header name', [[{ target: 'request_header', operator: 'exist', name: 'a b' }]], /not a valid header name/],
    ['a name on host', [[{ target: 'host', operator: 'exist', name: 'x' }]], /target host takes no name/],
    ['equal without values', [[{ target: 'host', operator: 'equal' }]], /operator equal needs at least one value/],
    ['notequal with empty values', [[{ target: 'host', operator: 'notequal', values: [] }]], /operator notequal needs at least one value/],
    ['regex with empty values', [[{ target: 'url', operator: 'regex', values: [] }]], /operator regex needs at least one value/],
    ['exist with values', [[{ target: 'host', operator: 'exist', values: ['a'] }]], /operator exist takes no values/],
    ['values not an array', [[{ target: 'host', operator: 'equal', values: 'a.com' }]], /values must be an array/],
    ['a non-string value', [[{ target: 'host', operator: 'equal', values: [1] }]], /value 1 must be a string/],
    ['an empty value', [[{ target: 'host', operator: 'equal', values: ['a.com', ''] }]], /value 2 is empty/],
    ['a bad regex', [[{ target: 'url', operator: 'regex', values: ['/(a'] }]], /invalid regex "\/\(a"/],
    ['an over-long regex', [[{ target: 'url', operator: 'regex', values: ['a'.repeat(1025)] }]], /at most 1024/],
    ['regex on host', [[{ target: 'host', operator: 'regex', values: ['.*'] }]], /regex is only allowed on url and full_url, not on host/],
    ['regex on a header', [[{ target: 'request_header', operator: 'regex', values: ['.*'], name: 'a' }]], /not on request_header/],
    ['a bad IP', [[{ target: 'client_ip', operator: 'equal', values: ['10.0.0.256'] }]], /"10.0.0.256" is not an IP address or CIDR/],
    ['a bad CIDR prefix', [[{ target: 'client_ip', operator: 'equal', values: ['10.0.0.0/33'] }]], /not an IP address or CIDR/],
    ['a bad IPv6 CIDR prefix', [[{ target: 'client_ip', operator: 'equal', values: ['2001:db8::/129'] }]], /not an IP address or CIDR/],
    ['a bad IPv6 address', [[{ target: 'client_ip', operator: 'notequal', values: ['2001:db8:::1'] }]], /not an IP address or CIDR/],
    ['a leading-zero IPv4', [[{ target: 'client_ip', operator: 'equal', values: ['010.0.0.1'] }]], /not an IP address/],
    ['a path without slash', [[{ target: 'url', operator: 'equal', values: ['api/*'] }]], /must start with '\/'/],
    ['a full URL without scheme', [[{ target: 'full_url', operator: 'equal', values: ['www.a.com/'] }]], /must start with http/],
    ['an unknown protocol', [[{ target: 'request_protocol', operator: 'equal', values: ['ftp'] }]], /must be http or https/],
    ['a bad method', [[{ target: 'request_method', operator: 'equal', values: ['GET /'] }]], /HTTP method/],
    ['a bad country', [[{ target: 'client_country', operator: 'equal', values: ['CHN'] }]], /two-letter/],
  ];
  for (const [what, input, message] of invalid) {
    it(`refuses ${what}`, () => assertInvalid(input, message));
  }

  it('names the group and condition at fault', () => {
    const ok = { target: 'host', operator: 'exist' };
    assertInvalid([[ok], [ok, ok, { target: 'url', operator: 'regex', values: ['['] }]], /^Invalid conditions: group 2, condition 3: invalid regex/);
  });

  it('caps groups and conditions at 10', () => {
    const ok = { target: 'host', operator: 'exist' };
    assert.equal(parseConditions(Array.from({ length: 10 }, () => Array.from({ length: 10 }, () => ok))).length, 10);
    assertInvalid(Array.from({ length: 11 }, () => [ok]), /at most 10 condition groups/);
    assertInvalid([Array.from({ length: 11 }, () => ok)], /group 1 has 11 conditions; at most 10/);
  });
});

describe('condition targets', () => {
  it('host compares case-insensitively', () => {
    const c = condition({ target: 'host', operator: 'equal', values: ['WWW.Example.com', 'b.com'] });
    assert.equal(matches(c, { url: 'https://www.example.com/' }), true);
    assert.equal(matches(c, { url: 'https://b.com/' }), true);
    assert.equal(matches(c, { url: 'https://c.com/' }), false);
  });

  it('url matches the path, with * spanning any characters including /', () => {
    const c = condition({ target: 'url', operator: 'equal', values: ['/foo/*/bar'] });
    assert.equal(matches(c, { url: 'https://a.com/foo/x/bar' }), true);
    assert.equal(matches(c, { url: 'https://a.com/foo/x/y/bar' }), true);
    assert.equal(matches(c, { url: 'https://a.com/foo//bar' }), true);
    assert.equal(matches(c, { url: 'https://a.com/foo/bar' }), false);
    assert.equal(matches(c, { url: 'https://a.com/foo/x/bar/baz' }), false);
    assert.equal(matches(c, { url: 'https://a.com/foo/x/bar?q=1' }), true, 'the query is not part of url');
  });

  it('url wildcards: prefix, suffix, several stars, no regex meaning', () => {
    const cases: [string, string, boolean][] = [
      ['/api/*', '/api/', true],
      ['/api/*', '/api/v1/users', true],
      ['/api/*', '/apix', false],
      ['*.png', '/img/a.png', true],
      ['*.png', '/img/a.pngx', false],
      ['/a*b*c', '/abc', true],
      ['/a*b*c', '/aXbYc', true],
      ['/a*b*c', '/aXcYb', false],
      ['/a*bb*bbc', '/abbbc', false],
      ['/a*bb*bbc', '/abbbbc', true],
      ['*', '/anything', true],
      ['/a.b', '/aXb', false],
      ['/a+(b)', '/a+(b)', true],
      ['/exact', '/exact', true],
      ['/exact', '/Exact', false],
    ];
    for (const [pattern, path, expected] of cases) {
      const c = condition({ target: 'url', operator: 'equal', values: [pattern] });
      assert.equal(matches(c, { url: `https://a.com${path}` }), expected, `${pattern} vs ${path}`);
    }
  });

  it('ignoreCase folds values and wildcards', () => {
    const c = condition({ target: 'url', operator: 'equal', values: ['/API/*', '/Exact'], ignoreCase: true });
    assert.equal(matches(c, { url: 'https://a.com/api/x' }), true);
    assert.equal(matches(c, { url: 'https://a.com/EXACT' }), true);
    assert.equal(matches(c, { url: 'https://a.com/other' }), false);
  });

  it('full_url covers scheme, host, path and query', () => {
    const c = condition({ target: 'full_url', operator: 'equal', values: ['https://www.example.com/pic?x=1'] });
    assert.equal(matches(c, { url: 'https://www.example.com/pic?x=1' }), true);
    assert.equal(matches(c, { url: 'http://www.example.com/pic?x=1' }), false);
    assert.equal(matches(c, { url: 'https://www.example.com/pic' }), false);
    const wild = condition({ target: 'full_url', operator: 'equal', values: ['https://*.example.com/*'] });
    assert.equal(matches(wild, { url: 'https://img.example.com/a/b?c' }), true);
    assert.equal(matches(wild, { url: 'https://example.org/a' }), false);
  });

  it('filename and extension come from the last path segment', () => {
    const file = condition({ target: 'filename', operator: 'equal', values: ['index.html'] });
    assert.equal(matches(file, { url: 'https://a.com/docs/index.html?x' }), true);
    assert.equal(matches(file, { url: 'https://a.com/index.html/' }), false);
    const ext = condition({ target: 'extension', operator: 'equal', values: ['gz', 'JS'], ignoreCase: true });
    assert.equal(matches(ext, { url: 'https://a.com/a.tar.gz' }), true);
    assert.equal(matches(ext, { url: 'https://a.com/app.js' }), true);
    assert.equal(matches(ext, { url: 'https://a.com/app.jsx' }), false);
    const noExt = condition({ target: 'extension', operator: 'notexist' });
    for (const path of ['/', '/README', '/.htaccess', '/file.', '/dir.d/']) {
      assert.equal(matches(noExt, { url: `https://a.com${path}` }), true, path);
    }
    assert.equal(matches(noExt, { url: 'https://a.com/a.txt' }), false);
  });

  it('query_string reads one decoded parameter by name', () => {
    const c = condition({ target: 'query_string', operator: 'equal', values: ['a b', 'é'], name: 'q' });
    assert.equal(matches(c, { url: 'https://a.com/?x=1&q=a+b' }), true);
    assert.equal(matches(c, { url: 'https://a.com/?q=%C3%A9' }), true);
    assert.equal(matches(c, { url: 'https://a.com/?Q=a+b' }), false, 'parameter names are case-sensitive');
    assert.equal(matches(c, { url: 'https://a.com/?q=ab' }), false);
    assert.equal(matches(c, { url: 'https://a.com/?qq=a+b' }), false);
    const exist = condition({ target: 'query_string', operator: 'exist', name: 'debug' });
    assert.equal(matches(exist, { url: 'https://a.com/?debug' }), true, 'present with no value still exists');
    assert.equal(matches(exist, { url: 'https://a.com/?debug=' }), true);
    assert.equal(matches(exist, { url: 'https://a.com/?debugger=1' }), false);
    assert.equal(matches(exist, { url: 'https://a.com/' }), false);
  });

  it('findQueryParam agrees with URLSearchParams', () => {
    const queries = ['', 'a=1', 'a=1&a=2', '&&a=1&', 'a', 'a=', 'b=1&a=x%20y', 'a%62=1&b=2', 'a=%ZZ', 'a=1=2', 'c+d=e+f', '=x&a=3'];
    for (const query of queries) {
      for (const name of ['a', 'b', 'c d', '']) {
        const expected = new URLSearchParams(query).get(name) ?? undefined;
        assert.equal(findQueryParam(query, name), expected, `${query} / ${name}`);
      }
    }
    assert.equal(findQueryParam('a=%ZZ+1', 'a'), '%ZZ 1');
  });

  it('request_header looks the name up case-insensitively; ignoreCase applies to the value', () => {
    const c = condition({ target: 'request_header', operator: 'equal', values: ['Beta'], name: 'X-Channel' });
    assert.equal(matches(c, { headers: { 'x-channel': 'Beta' } }), true);
    assert.equal(matches(c, { headers: { 'x-channel': 'beta' } }), false);
    const folded = { ...c, ignoreCase: true };
    assert.equal(matches(folded, { headers: { 'x-channel': 'BETA' } }), true);
    const exist = condition({ target: 'request_header', operator: 'exist', name: 'X-Empty' });
    assert.equal(matches(exist, { headers: { 'x-empty': '' } }), true);
    assert.equal(matches(exist, { headers: {} }), false);
  });

  it('request_method and request_protocol', () => {
    const post = condition({ target: 'request_method', operator: 'equal', values: ['post', 'PUT'] });
    assert.equal(matches(post, { method: 'POST' }), true);
    assert.equal(matches(post, { method: 'PUT' }), true);
    assert.equal(matches(post, { method: 'GET' }), false);
    const http = condition({ target: 'request_protocol', operator: 'equal', values: ['HTTP'] });
    assert.equal(matches(http, { url: 'http://a.com/' }), true);
    assert.equal(matches(http, { url: 'https://a.com/' }), false);
  });

  it('client_ip matches addresses and CIDR blocks, IPv4 and IPv6', () => {
    const c = condition({ target: 'client_ip', operator: 'equal', values: ['10.0.0.0/8', '192.168.1.7', '2001:db8::/32', '::1', '172.16.5.9/12'] });
    const cases: [string, boolean][] = [
      ['10.1.2.3', true],
      ['11.0.0.0', false],
      ['192.168.1.7', true],
      ['192.168.1.8', false],
      ['172.31.255.255', true],
      ['172.32.0.0', false],
      ['2001:db8:1234::1', true],
      ['2001:DB8::', true],
      ['2001:db9::1', false],
      ['::1', true],
      ['::2', false],
      ['::ffff:10.9.8.7', true],
      ['::ffff:a09:807', true],
      ['fe80::1%eth0', false],
      ['not an ip', false],
      ['', false],
    ];
    for (const [ip, expected] of cases) assert.equal(matches(c, { clientIp: ip }), expected, ip);
    const zero = condition({ target: 'client_ip', operator: 'equal', values: ['0.0.0.0/0'] });
    assert.equal(matches(zero, { clientIp: '8.8.8.8' }), true);
    assert.equal(matches(zero, { clientIp: '2001:db8::1' }), false, 'an IPv4 block never holds IPv6 clients');
    const all6 = condition({ target: 'client_ip', operator: 'equal', values: ['::/0'] });
    assert.equal(matches(all6, { clientIp: '2001:db8::1' }), true);
    const mapped = condition({ target: 'client_ip', operator: 'equal', values: ['::ffff:10.0.0.0/104'] });
    assert.equal(matches(mapped, { clientIp: '10.200.0.1' }), true);
    const odd = condition({ target: 'client_ip', operator: 'equal', values: ['2001:db8:8000::/33', '1.2.3.128/25'] });
    assert.equal(matches(odd, { clientIp: '2001:db8:ffff::1' }), true);
    assert.equal(matches(odd, { clientIp: '2001:db8:7fff::1' }), false);
    assert.equal(matches(odd, { clientIp: '1.2.3.200' }), true);
    assert.equal(matches(odd, { clientIp: '1.2.3.127' }), false);
    const embedded = condition({ target: 'client_ip', operator: 'equal', values: ['64:ff9b::192.0.2.33'] });
    assert.equal(matches(embedded, { clientIp: '64:ff9b::c000:221' }), true);
    const not = condition({ target: 'client_ip', operator: 'notequal', values: ['10.0.0.0/8'] });
    assert.equal(matches(not, { clientIp: '10.0.0.1' }), false);
    assert.equal(matches(not, { clientIp: '8.8.8.8' }), true);
  });

  it('client_country compares the ISO code, case-insensitively', () => {
    const c = condition({ target: 'client_country', operator: 'equal', values: ['cn', 'US'] });
    assert.equal(matches(c, { country: 'CN' }), true);
    assert.equal(matches(c, { country: 'us' }), true);
    assert.equal(matches(c, { country: 'DE' }), false);
    assert.equal(matches(c, {}), false);
    assert.equal(matches(condition({ target: 'client_country', operator: 'notexist' }), {}), true);
  });
});

describe('operators', () => {
  it('equal matches any of the values; notequal none of them', () => {
    const eq = condition({ target: 'url', operator: 'equal', values: ['/a', '/b'] });
    const ne = { ...eq, operator: 'notequal' as const };
    for (const [path, inSet] of [['/a', true], ['/b', true], ['/c', false]] as const) {
      assert.equal(matches(eq, { url: `https://x.com${path}` }), inSet);
      assert.equal(matches(ne, { url: `https://x.com${path}` }), !inSet);
    }
  });

  it('notequal holds when the value is missing', () => {
    const ne = condition({ target: 'request_header', operator: 'notequal', values: ['1'], name: 'x-a' });
    assert.equal(matches(ne, { headers: {} }), true);
    assert.equal(matches(ne, { headers: { 'x-a': '1' } }), false);
  });

  it("'all' with equal matches any request, with notequal none", () => {
    for (const target of ['host', 'url', 'client_ip', 'extension', 'request_header'] as const) {
      const name = target === 'request_header' ? { name: 'x-missing' } : {};
      const eq = condition({ target, operator: 'equal', values: ['all'], ...name });
      assert.equal(matches(eq, {}), true, target);
      assert.equal(matches({ ...eq, operator: 'notequal' }, {}), false, target);
    }
  });

  it('exist means a non-empty value for unnamed targets', () => {
    const ext = condition({ target: 'extension', operator: 'exist' });
    assert.equal(matches(ext, { url: 'https://a.com/a.js' }), true);
    assert.equal(matches(ext, { url: 'https://a.com/a' }), false);
    assert.equal(matches(condition({ target: 'host', operator: 'exist' }), {}), true);
  });

  it('regex searches the value, honours ignoreCase, any value may match', () => {
    const c = condition({ target: 'url', operator: 'regex', values: ['^/v[0-9]+/', '\\.php$'] });
    assert.equal(matches(c, { url: 'https://a.com/v2/users' }), true);
    assert.equal(matches(c, { url: 'https://a.com/x/index.php' }), true);
    assert.equal(matches(c, { url: 'https://a.com/x/V2/' }), false);
    assert.equal(matches(c, { url: 'https://a.com/INDEX.PHP' }), false);
    const folded = { ...c, ignoreCase: true };
    assert.equal(matches(folded, { url: 'https://a.com/INDEX.PHP' }), true);
    const full = condition({ target: 'full_url', operator: 'regex', values: ['^https://[^/]+/pic\\?x=\\d+$'] });
    assert.equal(matches(full, { url: 'https://a.com/pic?x=12' }), true);
    assert.equal(matches(full, { url: 'http://a.com/pic?x=12' }), false);
  });

  it('regex has no state between requests', () => {
    const matcher = compileCondition(condition({ target: 'url', operator: 'regex', values: ['a'] }));
    for (let i = 0; i < 5; i++) assert.equal(matcher(makeRequest({ url: 'https://x.com/a' })), true);
  });
});

describe('compileRules', () => {
  const direct = (functionId: string): RuleAction => ({ type: 'direct', functionId });
  const groups = (input: unknown): ConditionGroup[] => parseConditions(input);

  it('ORs groups, ANDs conditions and returns the first matching rule in order', () => {
    const matcher = compileRules([
      {
        id: 'rule-api-post',
        conditions: groups([
          [
            { target: 'url', operator: 'equal', values: ['/api/*'] },
            { target: 'request_method', operator: 'equal', values: ['POST'] },
          ],
          [{ target: 'request_header', operator: 'equal', values: ['1'], name: 'x-force' }],
        ]),
        action: direct('ef-post'),
      },
      { id: 'rule-api', conditions: groups([[{ target: 'url', operator: 'equal', values: ['/api/*'] }]]), action: direct('ef-api') },
      { id: 'rule-all', conditions: groups([[{ target: 'host', operator: 'equal', values: ['all'] }]]), action: direct('ef-all') },
    ]);
    assert.equal(matcher.size, 3);
    assert.equal(matcher.match(makeRequest({ url: 'https://a.com/api/x', method: 'POST' }))?.id, 'rule-api-post');
    assert.equal(matcher.match(makeRequest({ url: 'https://a.com/api/x', method: 'GET' }))?.id, 'rule-api');
    assert.equal(matcher.match(makeRequest({ url: 'https://a.com/x', headers: { 'x-force': '1' } }))?.id, 'rule-api-post');
    const last = matcher.match(makeRequest({ url: 'https://a.com/other' }));
    assert.deepEqual(last, { id: 'rule-all', action: direct('ef-all') });
    assert.equal(matcher.match(makeRequest({ url: 'https://a.com/other' })), last, 'the same object each time');
  });

  it('returns undefined when nothing matches, and for no rules', () => {
    assert.equal(compileRules([]).match(makeRequest()), undefined);
    const matcher = compileRules([{ id: 'r', conditions: groups([[{ target: 'host', operator: 'equal', values: ['b.com'] }]]), action: direct('f') }]);
    assert.equal(matcher.match(makeRequest({ url: 'https://a.com/' })), undefined);
  });

  it('never matches on empty condition lists or empty groups', () => {
    const matcher = compileRules([
      { id: 'none', conditions: [], action: direct('f') },
      { id: 'empty-group', conditions: [[]], action: direct('f') },
    ]);
    assert.equal(matcher.match(makeRequest()), undefined);
  });

  it('names the rule when stored conditions cannot compile', () => {
    const bad: Condition = { target: 'url', operator: 'regex', values: ['('], ignoreCase: false };
    assert.throws(
      () => compileRules([{ id: 'rule-bad', conditions: [[bad]], action: direct('f') }]),
      (error: unknown) => error instanceof EdgefnError && error.code === 'InvalidParameter.InvalidConditions' && /rule rule-bad: group 1, condition 1/.test(error.message),
    );
  });

  it('evaluates 200 rules and returns the last one', () => {
    const rules = Array.from({ length: 200 }, (_, i) => ({
      id: `rule-${i}`,
      conditions: groups([
        [
          { target: 'host', operator: 'equal', values: [`site${i}.example.com`] },
          { target: 'url', operator: 'equal', values: [`/app${i}/*`] },
        ],
        [{ target: 'request_header', operator: 'equal', values: [`v${i}`], name: 'x-version' }],
      ]),
      action: direct(`ef-${i}`),
    }));
    const matcher = compileRules(rules);
    assert.equal(matcher.match(makeRequest({ url: 'https://site199.example.com/app199/x' }))?.id, 'rule-199');
    assert.equal(matcher.match(makeRequest({ headers: { 'x-version': 'v150' } }))?.id, 'rule-150');
    assert.equal(matcher.match(makeRequest({ url: 'https://site1.example.com/app2/x' })), undefined);
  });
});

describe('parseRuleAction', () => {
  const fails = (input: unknown, message: RegExp): void => {
    assert.throws(
      () => parseRuleAction(input),
      (error: unknown) => error instanceof EdgefnError && error.code === 'InvalidParameter.InvalidParameter' && message.test(error.message),
    );
  };

  it('parses direct actions', () => {
    assert.deepEqual(parseRuleAction({ type: 'direct', functionId: 'ef-12345678' }), { type: 'direct', functionId: 'ef-12345678' });
    fails({ type: 'direct' }, /needs a functionId/);
    fails({ type: 'direct', functionId: 'f', extra: 1 }, /unknown field "extra"/);
    fails({ type: 'random' }, /unknown type "random"/);
    fails('direct', /expected an object/);
  });

  it('parses weight actions: 0-100, summing to 100, at most 5 distinct functions', () => {
    const action = { type: 'weight', targets: [{ functionId: 'a', weight: 90 }, { functionId: 'b', weight: 10 }, { functionId: 'c', weight: 0 }] };
    assert.deepEqual(parseRuleAction(action), action);
    fails({ type: 'weight', targets: [{ functionId: 'a', weight: 90 }] }, /add up to 100, they add up to 90/);
    fails({ type: 'weight', targets: [{ functionId: 'a', weight: 101 }] }, /integer weight from 0 to 100/);
    fails({ type: 'weight', targets: [{ functionId: 'a', weight: 50.5 }, { functionId: 'b', weight: 49.5 }] }, /integer weight/);
    fails({ type: 'weight', targets: [{ functionId: 'a', weight: 50 }, { functionId: 'a', weight: 50 }] }, /listed twice/);
    fails({ type: 'weight', targets: Array.from({ length: 6 }, (_, i) => ({ functionId: `f${i}`, weight: i === 0 ? 100 : 0 })) }, /at most 5 targets/);
    fails({ type: 'weight', targets: [] }, /non-empty targets/);
  });

  it('parses region actions: one Default, no overlap', () => {
    const parsed = parseRuleAction({ type: 'region', targets: [{ functionId: 'a', regions: ['cn.gd', 'US'] }, { functionId: 'b', regions: ['Default'] }] });
    assert.deepEqual(parsed, { type: 'region', targets: [{ functionId: 'a', regions: ['CN.GD', 'US'] }, { functionId: 'b', regions: ['Default'] }] });
    fails({ type: 'region', targets: [{ functionId: 'a', regions: ['CN'] }] }, /Default/);
    fails({ type: 'region', targets: [{ functionId: 'a', regions: ['Default'] }, { functionId: 'b', regions: ['Default'] }] }, /Default is listed more than once/);
    fails({ type: 'region', targets: [{ functionId: 'a', regions: ['CN', 'Default'] }, { functionId: 'b', regions: ['cn'] }] }, /CN is listed more than once/);
    // A country and its subdivision may both be listed: the subdivision is more specific and wins.
    assert.doesNotThrow(() => parseRuleAction({ type: 'region', targets: [{ functionId: 'a', regions: ['CN', 'Default'] }, { functionId: 'b', regions: ['CN.GD'] }] }));
    fails({ type: 'region', targets: [{ functionId: 'a', regions: ['China', 'Default'] }] }, /not a region code/);
    fails({ type: 'region', targets: [{ functionId: 'a', regions: [] }] }, /non-empty regions/);
  });
});

describe('parseRuleAction: sticky weights', () => {
  const targets = [{ functionId: 'a', weight: 50 }, { functionId: 'b', weight: 50 }];
  it('takes a cookie, a header (name folded to lowercase) or the client address', () => {
    assert.deepEqual(parseRuleAction({ type: 'weight', targets, sticky: { by: 'cookie', name: 'uid' } }), { type: 'weight', targets, sticky: { by: 'cookie', name: 'uid' } });
    assert.deepEqual(parseRuleAction({ type: 'weight', targets, sticky: { by: 'header', name: 'X-User' } }), { type: 'weight', targets, sticky: { by: 'header', name: 'x-user' } });
    assert.deepEqual(parseRuleAction({ type: 'weight', targets, sticky: { by: 'client_ip' } }), { type: 'weight', targets, sticky: { by: 'client_ip' } });
  });
  for (const bad of [{ by: 'ip' }, { by: 'cookie' }, { by: 'cookie', name: 'a b' }, { by: 'header', name: '' }, { by: 'client_ip', name: 'x' }, 'cookie', null]) {
    it(`refuses sticky ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseRuleAction({ type: 'weight', targets, sticky: bad }), (e: EdgefnError) => e.code === 'InvalidParameter.InvalidParameter');
    });
  }
  it('refuses sticky on a region action', () => {
    assert.throws(() => parseRuleAction({ type: 'region', targets: [{ functionId: 'a', regions: ['Default'] }], sticky: { by: 'client_ip' } }));
  });
});

describe('selectFunctionId', () => {
  it('direct', () => assert.equal(selectFunctionId({ type: 'direct', functionId: 'f' }, { random: () => 0.5 }), 'f'));

  it('weight follows the cumulative weights and skips zero weights', () => {
    const action: RuleAction = { type: 'weight', targets: [{ functionId: 'a', weight: 0 }, { functionId: 'b', weight: 30 }, { functionId: 'c', weight: 70 }] };
    assert.equal(selectFunctionId(action, { random: () => 0 }), 'b');
    assert.equal(selectFunctionId(action, { random: () => 0.2999 }), 'b');
    assert.equal(selectFunctionId(action, { random: () => 0.3 }), 'c');
    assert.equal(selectFunctionId(action, { random: () => 0.99999 }), 'c');
    const last: RuleAction = { type: 'weight', targets: [{ functionId: 'a', weight: 100 }, { functionId: 'z', weight: 0 }] };
    assert.equal(selectFunctionId(last, { random: () => 0.99999 }), 'a');
  });

  it('weight holds within 2 percentage points over 10,000 draws', () => {
    const action: RuleAction = { type: 'weight', targets: [{ functionId: 'old', weight: 70 }, { functionId: 'new', weight: 30 }] };
    let chosen = 0;
    for (let i = 0; i < 10_000; i++) if (selectFunctionId(action, { random: Math.random }) === 'new') chosen++;
    assert.ok(Math.abs(chosen / 100 - 30) <= 2, `${chosen / 100}% new`);
  });

  const sticky = (newWeight: number): RuleAction => ({
    type: 'weight',
    targets: [{ functionId: 'ef-old00000', weight: 100 - newWeight }, { functionId: 'ef-new00000', weight: newWeight }],
    sticky: { by: 'cookie', name: 'uid' },
  });
  const clients = Array.from({ length: 10_000 }, (_, i) => `client-${i}-${(i * 7919) % 104729}`);

  it('sticky: the same key always gets the same function, and the shares hold within 2 points', () => {
    const action = sticky(30);
    let onNew = 0;
    for (const key of clients) {
      const first = selectFunctionId(action, { random: Math.random, stickyKey: key });
      for (let call = 0; call < 4; call++) assert.equal(selectFunctionId(action, { random: Math.random, stickyKey: key }), first);
      if (first === 'ef-new00000') onNew++;
    }
    assert.ok(Math.abs(onNew / 100 - 30) <= 2, `${onNew / 100}% on new`);
  });

  it('sticky: raising the new side from 10% to 30% moves no client from new to old', () => {
    let moved = 0;
    let gained = 0;
    for (const key of clients) {
      const before = selectFunctionId(sticky(10), { random: Math.random, stickyKey: key });
      const after = selectFunctionId(sticky(30), { random: Math.random, stickyKey: key });
      if (before === 'ef-new00000' && after === 'ef-old00000') moved++;
      if (before === 'ef-old00000' && after === 'ef-new00000') gained++;
    }
    assert.equal(moved, 0);
    assert.ok(Math.abs(gained / 100 - 20) <= 2, `${gained / 100}% moved to new`);
  });

  it('sticky with three targets: growing one (the others shrinking in proportion) only moves clients to it', () => {
    const three = (a: number, b: number, c: number): RuleAction => ({ type: 'weight', targets: [{ functionId: 'a', weight: a }, { functionId: 'b', weight: b }, { functionId: 'c', weight: c }], sticky: { by: 'client_ip' } });
    for (const key of clients.slice(0, 3000)) {
      const before = selectFunctionId(three(50, 40, 10), { random: Math.random, stickyKey: key });
      const after = selectFunctionId(three(40, 32, 28), { random: Math.random, stickyKey: key });
      assert.ok(after === before || after === 'c', `${key}: ${before} -> ${after}`);
    }
  });

  it('region prefers the subdivision, then the country, then Default', () => {
    const action: RuleAction = {
      type: 'region',
      targets: [
        { functionId: 'gd', regions: ['CN.GD'] },
        { functionId: 'us', regions: ['US'] },
        { functionId: 'rest', regions: ['Default'] },
      ],
    };
    assert.equal(selectFunctionId(action, { random: Math.random, region: 'CN.GD' }), 'gd');
    assert.equal(selectFunctionId(action, { random: Math.random, region: 'CN.BJ' }), 'rest');
    assert.equal(selectFunctionId(action, { random: Math.random, region: 'US.CA' }), 'us');
    assert.equal(selectFunctionId(action, { random: Math.random, region: 'us' }), 'us');
    assert.equal(selectFunctionId(action, { random: Math.random }), 'rest');
  });
});
