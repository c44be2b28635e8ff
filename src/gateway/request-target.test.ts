import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { atOrigin, parseRequestTarget } from './request-target.ts';

describe('request targets', () => {
  it('accepts host[:port] with a name, an IPv4 address or a bracketed IPv6 address', () => {
    assert.deepEqual(parseRequestTarget('Shop.Example.com', '/a?b=1'), { host: 'shop.example.com', hostname: 'shop.example.com', path: '/a?b=1' });
    assert.deepEqual(parseRequestTarget('shop.example.com:8080', '/'), { host: 'shop.example.com:8080', hostname: 'shop.example.com', path: '/' });
    assert.deepEqual(parseRequestTarget('127.0.0.1:9', '/'), { host: '127.0.0.1:9', hostname: '127.0.0.1', path: '/' });
    assert.deepEqual(parseRequestTarget('[::1]:8080', '/x'), { host: '[::1]:8080', hostname: '[::1]', path: '/x' });
    assert.deepEqual(parseRequestTarget('fn-abc_1.edgefunctions.localhost.', '/'), { host: 'fn-abc_1.edgefunctions.localhost.', hostname: 'fn-abc_1.edgefunctions.localhost.', path: '/' });
  });

  it('refuses anything else in Host: userinfo, paths, queries, bad ports, stray brackets', () => {
    for (const host of ['www.shop.com:/admin?', 'shop.test:1@localhost', 'user@shop.test', 'shop.test/admin', 'shop.test?x', 'shop.test#x', 'shop test', '',
      'shop.test:', 'shop.test:99999', 'shop.test:80:80', '[::1', '[shop.test]', '::1', '[::1]x', '-shop.test', 'shop..test', 'shop.test\\x', undefined]) {
      assert.deepEqual(parseRequestTarget(host, '/'), { error: 'host' }, String(host));
    }
    assert.deepEqual(parseRequestTarget(['a.test', 'b.test'], '/'), { error: 'host' });
  });

  it('keeps the port as a URL would: no default port, no leading zeros', () => {
    assert.deepEqual(parseRequestTarget('shop.test:80', '/'), { host: 'shop.test', hostname: 'shop.test', path: '/' });
    assert.deepEqual(parseRequestTarget('shop.test:0080', '/'), { host: 'shop.test', hostname: 'shop.test', path: '/' });
    assert.deepEqual(parseRequestTarget('[::1]:08080', '/'), { host: '[::1]:8080', hostname: '[::1]', path: '/' });
    for (const host of ['shop.test:80', 'shop.test:08080', '[::1]:80']) {
      const target = parseRequestTarget(host, '/');
      assert.ok(!('error' in target));
      assert.equal(target.host, new URL(`http://${host}/`).host, host);
    }
  });

  it('refuses targets a URL parser would change in meaning: fragments, backslashes, dot segments', () => {
    for (const target of ['/a#b', '/#', '/a\\b', '/a/../admin', '/a/./b', '/..', '/.', '/a/%2e%2e/admin', '/a/%2E./b', '/a/.%2e', '/%2e', '/a/..?x=1']) {
      assert.deepEqual(parseRequestTarget('shop.test', target), { error: 'target' }, target);
    }
    // Dots that are not whole segments, and anything in the query, are fine.
    for (const target of ['/a..b/', '/.well-known/x', '/a/...', '/x?p=../a', '/x?p=a\\b', '/%2e%2e%2fa']) {
      const parsed = parseRequestTarget('shop.test', target);
      assert.ok(!('error' in parsed), target);
      assert.equal(parsed.path, target);
    }
  });

  it('refuses request targets that are not origin-form', () => {
    for (const target of ['http://other.test/', '*', 'x', '', undefined]) assert.deepEqual(parseRequestTarget('shop.test', target), { error: 'target' }, String(target));
  });

  it('keeps a path that starts with // a path at the origin', () => {
    const origin = new URL('http://127.0.0.1:9000/base');
    assert.equal(atOrigin(origin, '//abtest/index-a.html?x=1').href, 'http://127.0.0.1:9000//abtest/index-a.html?x=1');
    assert.equal(atOrigin(origin, '/\\evil.test/x').host, '127.0.0.1:9000');
  });
});
