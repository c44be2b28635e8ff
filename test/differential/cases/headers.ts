// Cases of the Headers differential suite (see ./outcome.ts), run against the guest and Node.
import { attempt, defineSuite, show, seededRandom } from './outcome.ts';

export interface Impl {
  Headers: typeof globalThis.Headers;
}
type H = InstanceType<Impl['Headers']>;
type Loose = Record<string, (...args: unknown[]) => unknown>;

const snapshot = (h: H): unknown => ({ entries: [...h], keys: [...h.keys()], values: [...h.values()], setCookie: h.getSetCookie() });

/** An init made anew for each implementation (one that is consumed, or one of its own Headers). */
class Fresh {
  constructor(readonly make: (impl: Impl) => unknown) {}
}

/** `ops` on a new Headers(init): its result and the state after (or what the constructor threw). */
function scenario(init: unknown, ops: (h: H) => unknown = snapshot): (impl: Impl) => unknown {
  return (impl) => {
    const h = new impl.Headers((init instanceof Fresh ? init.make(impl) : init) as never);
    return { result: ops(h), after: snapshot(h) };
  };
}

const call = (h: H, method: string, ...args: unknown[]): unknown => attempt(() => (h as unknown as Loose)[method]!.call(h, ...args));

const BAD_NAMES = ['', 'a b', 'a:b', 'é', '(x)', 'a\tb', 'a\nb', 'x\u0100', '"q"', 'a/b', 'a@b', '[x]', '{x}', 'a=b', 'a,b', 'a;b', 'a\\b', '\u007f'];
const GOOD_NAMES = ["!#$%&'*+-.^_`|~", 'X-Custom-HEADER', 'content-type', 'Set-Cookie', '0', 'A'];
const VALUES = [
  '', ' ', 'plain', '  padded  ', '\t\ttabs\t', '\r\n leading crlf', 'trailing crlf\r\n', ' \n\r\t ',
  'inner\ttab', 'inner  spaces', 'ctl\u0001char', 'del\u007f', 'latin1 \u00e9\u00ff', 'a, b', 'x=1; Path=/',
];
const BAD_VALUES = ['a\nb', 'a\rb', 'a\0b', '\0', 'x\u0100', 'snow \u2603', 'emoji \ud83d\ude00', 'a\r\n b'];

const rand = seededRandom(0x2545f491);

export const suite = defineSuite<Impl>((group) => {
  group('constructs from records, pair sequences, Headers and iterables', (g) => {
    g.same('record', scenario({ B: '2', a: '1', 'Set-Cookie': 'c=1' }));
    g.same('pairs', scenario([['B', '2'], ['a', '1'], ['b', '3'], ['set-cookie', 'x=1'], ['Set-Cookie', 'y=2']]));
    g.same('Headers', scenario(new Fresh(({ Headers }) => new Headers([['x', '1'], ['X', '2'], ['set-cookie', 'a'], ['set-cookie', 'b']]))));
    g.same('Map', scenario(new Map([['k', 'v'], ['K', 'w']])));
    g.same('generator', scenario(new Fresh(function* () {
      yield ['gen', '1'];
      yield new Set(['g2', 'v2']);
    })));
    g.same('non-string pairs', scenario([[1, 2], [true, null]]));
    g.same('undefined', scenario(undefined));
    g.same('empty record', scenario({}));
    g.same('empty sequence', scenario([]));
  });

  group('rejects malformed init with TypeError', (g) => {
    const inits = [null, 'a:b', 5, true, [['a']], [['a', 'b', 'c']], ['ab'], [1], [null], { 'a b': 'x' }, { a: 'x\ny' }, { [Symbol('s')]: 'v' }, { [Symbol.iterator]: 5 }];
    inits.forEach((init, i) => g.same(`#${i} ${show(init)}`, scenario(init)));
  });

  group('skips non-enumerable record keys, symbols included (WebIDL record; undici throws here)', (g) => {
    g.expect('record with hidden keys', ({ Headers }) => {
      const init = Object.defineProperty({ a: '1' }, Symbol('hidden'), { value: 'x', enumerable: false });
      Object.defineProperty(init, 'hiddenString', { value: 'y', enumerable: false });
      return [...new Headers(init as never)];
    }, [['a', '1']]);
  });

  group('validates names like Node', (g) => {
    for (const name of [...BAD_NAMES, ...GOOD_NAMES]) {
      g.same(`append ${show(name)}`, scenario(undefined, (h) => attempt(() => h.append(name, 'v'))));
      g.same(`set ${show(name)}`, scenario(undefined, (h) => attempt(() => h.set(name, 'v'))));
      g.same(`get, has, delete ${show(name)}`, scenario([['ok', '1']], (h) => [attempt(() => h.get(name)), attempt(() => h.has(name)), attempt(() => h.delete(name))]));
      g.same(`construct ${show(name)}`, scenario([[name, 'v']]));
    }
  });

  group('normalises and validates values like Node', (g) => {
    for (const value of [...VALUES, ...BAD_VALUES]) {
      g.same(`append ${show(value)}`, scenario(undefined, (h) => [attempt(() => h.append('v', value)), attempt(() => h.get('v'))]));
      g.same(`set ${show(value)}`, scenario(undefined, (h) => [attempt(() => h.set('v', value)), attempt(() => h.get('v'))]));
      g.same(`record ${show(value)}`, scenario({ v: value }));
    }
  });

  group('is case-insensitive and combines values with ", "', (g) => {
    g.same('append in three cases', scenario(undefined, (h) => {
      h.append('Accept', 'a');
      h.append('ACCEPT', 'b');
      h.append('accept', ' c ');
      return [h.get('aCcEpT'), h.has('ACCEPT'), [...h]];
    }));
    g.same('set replaces every value', scenario(undefined, (h) => {
      h.append('x', '1');
      h.append('y', '2');
      h.append('X', '3');
      h.set('x', '4');
      return [...h];
    }));
    g.same('delete removes every value', scenario(undefined, (h) => {
      h.append('x', '1');
      h.append('x', '2');
      h.delete('X');
      return [h.get('x'), h.has('x')];
    }));
  });

  group('keeps set-cookie values separate in iteration and getSetCookie', (g) => {
    g.same('mixed with other headers', scenario(undefined, (h) => {
      h.append('Set-Cookie', 'a=1; Path=/');
      h.append('set-cookie', 'b=2, c=3');
      h.append('Zeta', 'z');
      h.append('alpha', 'a');
      return [h.get('set-cookie'), h.getSetCookie(), [...h.entries()], [...h.keys()], [...h.values()]];
    }));
    g.same('none', scenario(undefined, (h) => h.getSetCookie()));
  });

  group('sorts by lowercased name on iteration', (g) => {
    g.same('names', scenario(undefined, (h) => {
      for (const n of ['b', 'A', 'c', '_u', 'Z', '~', '0', '-', 'a-b', 'a']) h.append(n, n);
      return [...h];
    }));
  });

  group('iterates live like WebIDL pair iterators', (g) => {
    g.same('for-of while deleting and appending', scenario(undefined, (h) => {
      h.append('a', '1');
      h.append('b', '2');
      h.append('c', '3');
      const seen: unknown[] = [];
      for (const [k, v] of h) {
        seen.push([k, v]);
        if (k === 'a') h.delete('b');
        if (k === 'c') h.append('d', '4');
      }
      return seen;
    }));
    g.same('forEach while appending', scenario(undefined, (h) => {
      h.append('a', '1');
      h.append('c', '3');
      const seen: unknown[] = [];
      h.forEach((value, key, target) => {
        seen.push([key, value, target === h]);
        if (key === 'a') h.append('b', '2');
      });
      return seen;
    }));
    g.same('an iterator made before appending', scenario(undefined, (h) => {
      const it = h.entries();
      h.append('late', '1');
      return [...it];
    }));
  });

  group('forEach passes thisArg and rejects non-callables', (g) => {
    g.same('thisArg', scenario([['a', '1']], (h) => {
      const self: unknown[] = [];
      h.forEach(function (this: unknown) {
        self.push(this);
      }, 'ctx');
      return self.map((s) => String(s));
    }));
    g.same('non-callable', scenario(undefined, (h) => attempt(() => h.forEach(5 as never))));
  });

  group('requires arguments like Node', (g) => {
    g.same('missing arguments', scenario(undefined, (h) =>
      ['append', 'set', 'get', 'has', 'delete'].map((m) => call(h, m, 'a')).concat(['get', 'has', 'delete', 'forEach'].map((m) => call(h, m))),
    ));
  });

  group('converts non-string arguments with ToString', (g) => {
    g.same('numbers and objects', scenario(undefined, (h) => {
      h.append(String(12) as never, 34 as never);
      h.append({ toString: () => 'Obj' } as never, { toString: () => ' v ' } as never);
      return [...h];
    }));
    g.same('symbol', scenario(undefined, (h) => attempt(() => h.append(Symbol('x') as never, 'v'))));
  });

  group('matches the shape of the platform object', (g) => {
    g.same('string tags', ({ Headers }) => {
      const h = new Headers([['a', '1']]);
      return [Object.prototype.toString.call(h), Object.prototype.toString.call(h.entries())];
    });
    g.both('@@iterator is entries', ({ Headers }) => Headers.prototype[Symbol.iterator] === Headers.prototype.entries, true);
    g.both('an iterator is its own iterator', ({ Headers }) => {
      const it = new Headers([['a', '1']]).keys() as unknown as { [Symbol.iterator](): unknown };
      return it[Symbol.iterator]() === it;
    }, true);
    g.same('prototype keys', ({ Headers }) => Object.keys(Headers.prototype).sort());
    g.both('calling without new', ({ Headers }) => attempt(() => (Headers as unknown as () => void)()), { threw: new TypeError() });
    g.both('a method on a foreign receiver', ({ Headers }) => attempt(() => Headers.prototype.get.call({} as H, 'a')), { threw: new TypeError() });
  });

  group('agrees with Node on random operation sequences', (g) => {
    const names = ['a', 'A', 'b', 'Set-Cookie', 'set-cookie', 'x-y', 'Content-Type', 'bad name', ''];
    const values = ['1', ' 2 ', 'v\t', 'a, b', '', 'k=v', 'bad\nvalue'];
    for (let round = 0; round < 200; round++) {
      const ops: Array<[string, string, string]> = [];
      for (let i = 0; i < 12; i++) ops.push([['append', 'set', 'delete', 'get', 'has'][rand(5)]!, names[rand(names.length)]!, values[rand(values.length)]!]);
      g.same(`round ${round}`, scenario(undefined, (h) => ops.flatMap(([op, name, value]) => [call(h, op, name, value), snapshot(h)])));
    }
  });
});
