// Tests of EdgeOne's Cookies global: there is no reference implementation to diff against, so the
// expected values are RFC 6265's parsing rules and the Set-Cookie syntax written out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cookies, type Cookie, type CookieOptions } from '../../src/runtime/guest/cookies.ts';

const pairs = (c: Cookies): [string, string][] => c.getAll().map(({ name, value }) => [name, value]);

test('parses a Cookie header into name/value pairs in order', () => {
  const c = new Cookies('a=1; b=2;c=3');
  assert.deepEqual(pairs(c), [['a', '1'], ['b', '2'], ['c', '3']]);
  assert.deepEqual(c.get('b'), { name: 'b', value: '2' });
  assert.equal(c.has('c'), true);
  assert.equal(c.has('d'), false);
  assert.equal(c.get('d'), undefined);
});

test('no header, null, undefined and empty strings give an empty jar', () => {
  for (const header of [undefined, null, '', ' ', ';', ' ; ;']) {
    const c = new Cookies(header);
    assert.deepEqual(c.getAll(), [], `header ${JSON.stringify(header)}`);
    assert.equal(c.toCookieHeader(), '');
  }
  assert.deepEqual(new Cookies().getAll(), []);
});

test('trims spaces and tabs around pairs, names and values, but not inside them', () => {
  const c = new Cookies(' \ta = 1 2 ;\tb\t=\tx\t;  c=  ;d =e f');
  assert.deepEqual(pairs(c), [['a', '1 2'], ['b', 'x'], ['c', ''], ['d', 'e f']]);
});

test('skips pairs without "=" and with an empty name', () => {
  const c = new Cookies('flag; a=1; =novalue; = ; b=2; justtext');
  assert.deepEqual(pairs(c), [['a', '1'], ['b', '2']]);
});

test('splits at the first "=" only', () => {
  const c = new Cookies('token=abc==; q=a=b=c');
  assert.deepEqual(pairs(c), [['token', 'abc=='], ['q', 'a=b=c']]);
});

test('a value in double quotes loses the quotes; a lone or inner quote stays', () => {
  const c = new Cookies('a="quoted"; b=""; c="; d=x"y; e="open; f=close"; g= "spaced" ');
  assert.deepEqual(pairs(c), [['a', 'quoted'], ['b', ''], ['c', '"'], ['d', 'x"y'], ['e', '"open'], ['f', 'close"'], ['g', 'spaced']]);
});

test('when a name repeats, the first one wins', () => {
  const c = new Cookies('id=first; other=1; id=second; id=third');
  assert.equal(c.get('id')?.value, 'first');
  assert.deepEqual(pairs(c), [['id', 'first'], ['other', '1']]);
});

test('names are case-sensitive and values are not percent-decoded', () => {
  const c = new Cookies('ID=upper; id=lower; enc=a%20b%3D');
  assert.equal(c.get('ID')?.value, 'upper');
  assert.equal(c.get('id')?.value, 'lower');
  assert.equal(c.get('enc')?.value, 'a%20b%3D');
});

test('get returns copies: mutating them does not change the jar', () => {
  const c = new Cookies('a=1');
  const cookie = c.get('a')!;
  cookie.value = 'changed';
  c.getAll()[0]!.value = 'changed too';
  assert.equal(c.get('a')?.value, '1');
});

test('set adds or replaces a cookie and returns true', () => {
  const c = new Cookies('a=1; b=2');
  assert.equal(c.set('a', 'one'), true);
  assert.equal(c.set('n', 'new'), true);
  assert.deepEqual(pairs(c), [['a', 'one'], ['b', '2'], ['n', 'new']]);
  assert.equal(c.toCookieHeader(), 'a=one; b=2; n=new');
});

test('set keeps the attributes it was given and get returns them', () => {
  const c = new Cookies();
  const expires = new Date(Date.UTC(2030, 0, 2, 3, 4, 5));
  assert.equal(c.set('s', 'v', { path: '/p', domain: 'example.com', max_age: 60, expires, secure: true, http_only: true, same_site: 'lax' }), true);
  const expected: Cookie = {
    name: 's',
    value: 'v',
    path: '/p',
    domain: 'example.com',
    max_age: 60,
    expires: 'Wed, 02 Jan 2030 03:04:05 GMT',
    secure: true,
    http_only: true,
    same_site: 'Lax',
  };
  assert.deepEqual(c.get('s'), expected);
});

test('serialize writes all attributes in order, and only those given', () => {
  const c = new Cookies();
  c.set('full', 'v', {
    same_site: 'STRICT',
    http_only: true,
    secure: true,
    expires: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)),
    max_age: 60,
    domain: 'example.com',
    path: '/p',
  });
  assert.equal(c.serialize('full'), 'full=v; Path=/p; Domain=example.com; Max-Age=60; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Secure; HttpOnly; SameSite=Strict');
  c.set('bare', 'x');
  assert.equal(c.serialize('bare'), 'bare=x');
  c.set('some', 'y', { path: '/', same_site: 'none', secure: false, http_only: false });
  assert.equal(c.serialize('some'), 'some=y; Path=/; SameSite=None');
  assert.equal(c.serialize('missing'), undefined);
});

test('serialize works for received cookies too', () => {
  const c = new Cookies('a=1; q="x"');
  assert.equal(c.serialize('a'), 'a=1');
  assert.equal(c.serialize('q'), 'q=x');
});

test('expires accepts a parseable string, written as an IMF-fixdate', () => {
  const c = new Cookies();
  assert.equal(c.set('a', '1', { expires: '2030-01-02T03:04:05Z' }), true);
  assert.equal(c.get('a')?.expires, 'Wed, 02 Jan 2030 03:04:05 GMT');
  assert.equal(c.set('b', '1', { expires: 'Wed, 02 Jan 2030 03:04:05 GMT' }), true);
  assert.equal(c.serialize('b'), 'b=1; Expires=Wed, 02 Jan 2030 03:04:05 GMT');
});

test('max_age is truncated to whole seconds; zero and negative values are kept', () => {
  const c = new Cookies();
  c.set('a', '1', { max_age: 90.9 });
  c.set('b', '1', { max_age: 0 });
  c.set('c', '1', { max_age: -5 });
  c.set('d', '1', { max_age: -0.5 });
  assert.deepEqual(c.toSetCookieHeaders(), ['a=1; Max-Age=90', 'b=1; Max-Age=0', 'c=1; Max-Age=-5', 'd=1; Max-Age=0']);
  assert.ok(Object.is(c.get('d')?.max_age, 0));
});

test('set rejects names that are not RFC 6265 tokens and changes nothing', () => {
  const c = new Cookies('keep=1');
  for (const name of ['', 'a b', 'a;b', 'a=b', 'a,b', 'a"b', 'a(b)', 'a/b', 'a\tb', 'ü', 'a\r\nSet-Cookie: x', '{x}', 'a@b', 'a[0]', 'a?b', 'a:b', 'a\\b']) {
    assert.equal(c.set(name, 'v'), false, `name ${JSON.stringify(name)}`);
  }
  assert.deepEqual(pairs(c), [['keep', '1']]);
  assert.deepEqual(c.toSetCookieHeaders(), []);
  for (const name of ['a', 'A-Z_0.9', "!#$%&'*+-.^_`|~"]) assert.equal(c.set(name, 'v'), true, `name ${name}`);
});

test('set accepts cookie-octets, optionally quoted, and rejects other values', () => {
  const c = new Cookies();
  for (const value of ['', 'abc', 'a!#$%&\'()*+-./:<=>?@[]^_`{|}~', '"quoted"', '""', 'base64+/==']) {
    assert.equal(c.set('ok', value), true, `value ${JSON.stringify(value)}`);
  }
  for (const value of ['a b', 'a;b', 'a,b', 'a\\b', 'a"b', '"open', 'close"', '"a b"', 'ü', 'a\tb', 'a\r\nb', '\x7f']) {
    assert.equal(c.set('bad', value), false, `value ${JSON.stringify(value)}`);
  }
  assert.equal(c.has('bad'), false);
  assert.equal(c.set('q', '"v"'), true);
  assert.equal(c.get('q')?.value, '"v"');
  assert.equal(c.serialize('q'), 'q="v"');
});

test('set rejects invalid options and changes nothing', () => {
  const c = new Cookies('a=1');
  const invalid: unknown[] = [
    { path: '/a;b' },
    { path: '/a\nb' },
    { path: '/ü' },
    { domain: 'example.com; Secure' },
    { domain: 'a\r\nb' },
    { max_age: NaN },
    { max_age: Infinity },
    { max_age: '60' },
    { expires: new Date(NaN) },
    { expires: 'not a date' },
    { expires: 12345 },
    { same_site: 'sometimes' },
    { same_site: 'constructor' },
    { same_site: '__proto__' },
    { same_site: 1 },
    'path=/',
  ];
  for (const options of invalid) {
    assert.equal(c.set('a', '2', options as CookieOptions), false, JSON.stringify(options));
  }
  assert.equal(c.get('a')?.value, '1');
  assert.deepEqual(c.toSetCookieHeaders(), []);
});

test('same_site is case-insensitive and written capitalised', () => {
  const c = new Cookies();
  const cases: [string, string][] = [['strict', 'Strict'], ['LAX', 'Lax'], ['nOnE', 'None'], ['Strict', 'Strict']];
  for (const [input, output] of cases) {
    assert.equal(c.set('s', 'v', { same_site: input }), true);
    assert.equal(c.serialize('s'), `s=v; SameSite=${output}`);
  }
});

test('delete removes a cookie, returns whether it was there and emits an expiring Set-Cookie', () => {
  const c = new Cookies('a=1; b=2');
  assert.equal(c.delete('a'), true);
  assert.equal(c.delete('a'), false);
  assert.equal(c.delete('missing'), false);
  assert.equal(c.has('a'), false);
  assert.equal(c.get('a'), undefined);
  assert.deepEqual(pairs(c), [['b', '2']]);
  assert.equal(c.toCookieHeader(), 'b=2');
  assert.deepEqual(c.toSetCookieHeaders(), ['a=; Max-Age=0']);
  assert.equal(c.serialize('a'), 'a=; Max-Age=0');
});

test('deleting a cookie that was set keeps its Path and Domain', () => {
  const c = new Cookies();
  c.set('s', 'v', { path: '/app', domain: 'example.com', secure: true, max_age: 10 });
  assert.equal(c.delete('s'), true);
  assert.deepEqual(c.toSetCookieHeaders(), ['s=; Max-Age=0; Path=/app; Domain=example.com']);
});

test('a received cookie with a name that is not a token cannot be deleted', () => {
  const c = new Cookies('a b=1; ok=2');
  assert.equal(c.get('a b')?.value, '1');
  assert.equal(c.delete('a b'), false);
  assert.equal(c.has('a b'), true);
  assert.deepEqual(c.toSetCookieHeaders(), []);
});

test('toSetCookieHeaders lists each cookie set or deleted once, in first-change order', () => {
  const c = new Cookies('keep=1; gone=2; reset=3');
  c.set('x', '1');
  c.delete('gone');
  c.set('reset', 'new', { path: '/' });
  c.set('x', '2', { http_only: true });
  c.delete('reset');
  c.set('gone', 'back');
  assert.deepEqual(c.toSetCookieHeaders(), ['x=2; HttpOnly', 'gone=back', 'reset=; Max-Age=0; Path=/']);
  assert.equal(c.toCookieHeader(), 'keep=1; x=2; gone=back');
});

test('non-string names and values are converted with String()', () => {
  const c = new Cookies();
  assert.equal(c.set(1 as unknown as string, 2 as unknown as string), true);
  assert.equal(c.get(1 as unknown as string)?.value, '2');
  assert.equal(c.has('1'), true);
});

test('the string tag is Cookies', () => {
  assert.equal(Object.prototype.toString.call(new Cookies()), '[object Cookies]');
});
