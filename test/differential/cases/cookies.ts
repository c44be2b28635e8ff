// Cases of EdgeOne's Cookies global (see ./outcome.ts). There is no reference implementation to
// diff against, so every case has an expected value: RFC 6265's parsing rules and the Set-Cookie
// syntax written out by hand.
import { defineSuite, show } from './outcome.ts';

interface Cookie {
  name: string;
  value: string;
  path?: string;
  domain?: string;
  max_age?: number;
  expires?: string;
  secure?: boolean;
  http_only?: boolean;
  same_site?: string;
}
interface Jar {
  get(name: string): Cookie | undefined;
  getAll(): Cookie[];
  has(name: string): boolean;
  set(name: string, value: string, options?: unknown): boolean;
  delete(name: string): boolean;
  serialize(name: string): string | undefined;
  toCookieHeader(): string;
  toSetCookieHeaders(): string[];
}
export interface Impl {
  Cookies: new (header?: string | null) => Jar;
}

const pairs = (c: Jar): [string, string][] => c.getAll().map(({ name, value }) => [name, value]);
const EXPIRES = 'Wed, 02 Jan 2030 03:04:05 GMT';
const date = (): Date => new Date(Date.UTC(2030, 0, 2, 3, 4, 5));

export const suite = defineSuite<Impl>((group) => {
  group('parsing a Cookie header', (g) => {
    g.expect('name/value pairs in order', ({ Cookies }) => {
      const c = new Cookies('a=1; b=2;c=3');
      return [pairs(c), c.get('b'), c.has('c'), c.has('d'), c.get('d')];
    }, [[['a', '1'], ['b', '2'], ['c', '3']], { name: 'b', value: '2' }, true, false, undefined]);
    for (const header of [undefined, null, '', ' ', ';', ' ; ;']) {
      g.expect(`an empty jar from ${show(header)}`, ({ Cookies }) => {
        const c = new Cookies(header);
        return [c.getAll(), c.toCookieHeader()];
      }, [[], '']);
    }
    g.expect('an empty jar from no argument', ({ Cookies }) => new Cookies().getAll(), []);
    g.expect('trims spaces and tabs around pairs, names and values, but not inside them', ({ Cookies }) => pairs(new Cookies(' \ta = 1 2 ;\tb\t=\tx\t;  c=  ;d =e f')), [
      ['a', '1 2'], ['b', 'x'], ['c', ''], ['d', 'e f'],
    ]);
    g.expect('skips pairs without "=" and with an empty name', ({ Cookies }) => pairs(new Cookies('flag; a=1; =novalue; = ; b=2; justtext')), [['a', '1'], ['b', '2']]);
    g.expect('splits at the first "=" only', ({ Cookies }) => pairs(new Cookies('token=abc==; q=a=b=c')), [['token', 'abc=='], ['q', 'a=b=c']]);
    g.expect('a value in double quotes loses the quotes; a lone or inner quote stays', ({ Cookies }) => pairs(new Cookies('a="quoted"; b=""; c="; d=x"y; e="open; f=close"; g= "spaced" ')), [
      ['a', 'quoted'], ['b', ''], ['c', '"'], ['d', 'x"y'], ['e', '"open'], ['f', 'close"'], ['g', 'spaced'],
    ]);
    g.expect('when a name repeats, the first one wins', ({ Cookies }) => {
      const c = new Cookies('id=first; other=1; id=second; id=third');
      return [c.get('id')?.value, pairs(c)];
    }, ['first', [['id', 'first'], ['other', '1']]]);
    g.expect('names are case-sensitive and values are not percent-decoded', ({ Cookies }) => {
      const c = new Cookies('ID=upper; id=lower; enc=a%20b%3D');
      return [c.get('ID')?.value, c.get('id')?.value, c.get('enc')?.value];
    }, ['upper', 'lower', 'a%20b%3D']);
    g.expect('get returns copies: mutating them does not change the jar', ({ Cookies }) => {
      const c = new Cookies('a=1');
      c.get('a')!.value = 'changed';
      c.getAll()[0]!.value = 'changed too';
      return c.get('a')?.value;
    }, '1');
  });

  group('set', (g) => {
    g.expect('adds or replaces a cookie and returns true', ({ Cookies }) => {
      const c = new Cookies('a=1; b=2');
      return [c.set('a', 'one'), c.set('n', 'new'), pairs(c), c.toCookieHeader()];
    }, [true, true, [['a', 'one'], ['b', '2'], ['n', 'new']], 'a=one; b=2; n=new']);
    g.expect('keeps the attributes it was given and get returns them', ({ Cookies }) => {
      const c = new Cookies();
      const set = c.set('s', 'v', { path: '/p', domain: 'example.com', max_age: 60, expires: date(), secure: true, http_only: true, same_site: 'lax' });
      return [set, c.get('s')];
    }, [true, { name: 's', value: 'v', path: '/p', domain: 'example.com', max_age: 60, expires: EXPIRES, secure: true, http_only: true, same_site: 'Lax' }]);
    g.expect('expires accepts a parseable string, written as an IMF-fixdate', ({ Cookies }) => {
      const c = new Cookies();
      return [c.set('a', '1', { expires: '2030-01-02T03:04:05Z' }), c.get('a')?.expires, c.set('b', '1', { expires: EXPIRES }), c.serialize('b')];
    }, [true, EXPIRES, true, `b=1; Expires=${EXPIRES}`]);
    g.expect('max_age is truncated to whole seconds; zero and negative values are kept', ({ Cookies }) => {
      const c = new Cookies();
      c.set('a', '1', { max_age: 90.9 });
      c.set('b', '1', { max_age: 0 });
      c.set('c', '1', { max_age: -5 });
      c.set('d', '1', { max_age: -0.5 });
      return [c.toSetCookieHeaders(), c.get('d')?.max_age];
    }, [['a=1; Max-Age=90', 'b=1; Max-Age=0', 'c=1; Max-Age=-5', 'd=1; Max-Age=0'], 0]);
    g.expect('rejects names that are not RFC 6265 tokens and changes nothing', ({ Cookies }) => {
      const c = new Cookies('keep=1');
      const bad = ['', 'a b', 'a;b', 'a=b', 'a,b', 'a"b', 'a(b)', 'a/b', 'a\tb', 'ü', 'a\r\nSet-Cookie: x', '{x}', 'a@b', 'a[0]', 'a?b', 'a:b', 'a\\b'];
      const rejected = Object.fromEntries(bad.map((name) => [name, c.set(name, 'v')]));
      const after = [pairs(c), c.toSetCookieHeaders()];
      return [rejected, after, ['a', 'A-Z_0.9', "!#$%&'*+-.^_`|~"].map((name) => c.set(name, 'v'))];
    }, [
      Object.fromEntries(['', 'a b', 'a;b', 'a=b', 'a,b', 'a"b', 'a(b)', 'a/b', 'a\tb', 'ü', 'a\r\nSet-Cookie: x', '{x}', 'a@b', 'a[0]', 'a?b', 'a:b', 'a\\b'].map((name) => [name, false])),
      [[['keep', '1']], []],
      [true, true, true],
    ]);
    g.expect('accepts cookie-octets, optionally quoted, and rejects other values', ({ Cookies }) => {
      const c = new Cookies();
      const good = ['', 'abc', 'a!#$%&\'()*+-./:<=>?@[]^_`{|}~', '"quoted"', '""', 'base64+/=='].map((value) => c.set('ok', value));
      const bad = ['a b', 'a;b', 'a,b', 'a\\b', 'a"b', '"open', 'close"', '"a b"', 'ü', 'a\tb', 'a\r\nb', '\x7f'].map((value) => c.set('bad', value));
      return [good, bad, c.has('bad'), c.set('q', '"v"'), c.get('q')?.value, c.serialize('q')];
    }, [[true, true, true, true, true, true], new Array(12).fill(false), false, true, '"v"', 'q="v"']);
    g.expect('rejects invalid options and changes nothing', ({ Cookies }) => {
      const c = new Cookies('a=1');
      const invalid: unknown[] = [
        { path: '/a;b' }, { path: '/a\nb' }, { path: '/ü' }, { domain: 'example.com; Secure' }, { domain: 'a\r\nb' },
        { max_age: NaN }, { max_age: Infinity }, { max_age: '60' }, { expires: new Date(NaN) }, { expires: 'not a date' },
        { expires: 12345 }, { same_site: 'sometimes' }, { same_site: 'constructor' }, { same_site: '__proto__' }, { same_site: 1 }, 'path=/',
      ];
      return [invalid.map((options) => c.set('a', '2', options)), c.get('a')?.value, c.toSetCookieHeaders()];
    }, [new Array(16).fill(false), '1', []]);
    g.expect('non-string names and values are converted with String()', ({ Cookies }) => {
      const c = new Cookies();
      return [c.set(1 as unknown as string, 2 as unknown as string), c.get(1 as unknown as string)?.value, c.has('1')];
    }, [true, '2', true]);
  });

  group('serialize', (g) => {
    g.expect('writes all attributes in order, and only those given', ({ Cookies }) => {
      const c = new Cookies();
      c.set('full', 'v', { same_site: 'STRICT', http_only: true, secure: true, expires: date(), max_age: 60, domain: 'example.com', path: '/p' });
      c.set('bare', 'x');
      c.set('some', 'y', { path: '/', same_site: 'none', secure: false, http_only: false });
      return ['full', 'bare', 'some', 'missing'].map((name) => c.serialize(name));
    }, [`full=v; Path=/p; Domain=example.com; Max-Age=60; Expires=${EXPIRES}; Secure; HttpOnly; SameSite=Strict`, 'bare=x', 'some=y; Path=/; SameSite=None', undefined]);
    g.expect('works for received cookies too', ({ Cookies }) => {
      const c = new Cookies('a=1; q="x"');
      return [c.serialize('a'), c.serialize('q')];
    }, ['a=1', 'q=x']);
    g.expect('same_site is case-insensitive and written capitalised', ({ Cookies }) => {
      const c = new Cookies();
      return ['strict', 'LAX', 'nOnE', 'Strict'].map((input) => [c.set('s', 'v', { same_site: input }), c.serialize('s')]);
    }, [[true, 's=v; SameSite=Strict'], [true, 's=v; SameSite=Lax'], [true, 's=v; SameSite=None'], [true, 's=v; SameSite=Strict']]);
  });

  group('delete', (g) => {
    g.expect('removes a cookie, returns whether it was there and emits an expiring Set-Cookie', ({ Cookies }) => {
      const c = new Cookies('a=1; b=2');
      const results = [c.delete('a'), c.delete('a'), c.delete('missing')];
      return [results, c.has('a'), c.get('a'), pairs(c), c.toCookieHeader(), c.toSetCookieHeaders(), c.serialize('a')];
    }, [[true, false, false], false, undefined, [['b', '2']], 'b=2', ['a=; Max-Age=0'], 'a=; Max-Age=0']);
    g.expect('deleting a cookie that was set keeps its Path and Domain', ({ Cookies }) => {
      const c = new Cookies();
      c.set('s', 'v', { path: '/app', domain: 'example.com', secure: true, max_age: 10 });
      return [c.delete('s'), c.toSetCookieHeaders()];
    }, [true, ['s=; Max-Age=0; Path=/app; Domain=example.com']]);
    g.expect('a received cookie with a name that is not a token cannot be deleted', ({ Cookies }) => {
      const c = new Cookies('a b=1; ok=2');
      return [c.get('a b')?.value, c.delete('a b'), c.has('a b'), c.toSetCookieHeaders()];
    }, ['1', false, true, []]);
    g.expect('toSetCookieHeaders lists each cookie set or deleted once, in first-change order', ({ Cookies }) => {
      const c = new Cookies('keep=1; gone=2; reset=3');
      c.set('x', '1');
      c.delete('gone');
      c.set('reset', 'new', { path: '/' });
      c.set('x', '2', { http_only: true });
      c.delete('reset');
      c.set('gone', 'back');
      return [c.toSetCookieHeaders(), c.toCookieHeader()];
    }, [['x=2; HttpOnly', 'gone=back', 'reset=; Max-Age=0; Path=/'], 'keep=1; x=2; gone=back']);
  });

  group('shape', (g) => {
    g.expect('the string tag is Cookies', ({ Cookies }) => Object.prototype.toString.call(new Cookies()), '[object Cookies]');
  });
});
