// Differential tests: the guest Headers against Node's (undici) Headers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Headers as GuestHeaders,
  headersFromFlatList,
  headersToFlatList,
  setHeadersGuard,
} from '../../src/runtime/guest/headers.ts';

const NodeHeaders = globalThis.Headers;
type AnyHeaders = GuestHeaders | InstanceType<typeof NodeHeaders>;
type Ctor = new (init?: unknown) => AnyHeaders;
const Guest = GuestHeaders as unknown as Ctor;
const Native = NodeHeaders as unknown as Ctor;

/** Result of fn, or the thrown error's constructor name. */
function outcome(fn: () => unknown): unknown {
  try {
    return { value: fn() };
  } catch (err) {
    return { threw: err instanceof Error ? err.name : typeof err };
  }
}

function snapshot(h: AnyHeaders): unknown {
  return {
    entries: [...h],
    keys: [...h.keys()],
    values: [...h.values()],
    setCookie: h.getSetCookie(),
  };
}

/** Wraps an init that can be consumed only once (e.g. a generator): each side gets its own. */
class Fresh {
  constructor(readonly make: () => unknown) {}
}

/** Runs `ops` on a fresh instance of each implementation and compares every step. */
function same(init: unknown, ops: (h: AnyHeaders) => unknown = (h) => snapshot(h)): void {
  const arg = (): unknown => (init instanceof Fresh ? init.make() : init);
  const ours = outcome(() => {
    const h = new Guest(arg());
    return { result: ops(h), after: snapshot(h) };
  });
  const theirs = outcome(() => {
    const h = new Native(arg());
    return { result: ops(h), after: snapshot(h) };
  });
  assert.deepEqual(ours, theirs);
}

const BAD_NAMES = ['', 'a b', 'a:b', 'é', '(x)', 'a\tb', 'a\nb', 'x\u0100', '"q"', 'a/b', 'a@b', '[x]', '{x}', 'a=b', 'a,b', 'a;b', 'a\\b', '\u007f'];
const GOOD_NAMES = ["!#$%&'*+-.^_`|~", 'X-Custom-HEADER', 'content-type', 'Set-Cookie', '0', 'A'];
const VALUES = [
  '', ' ', 'plain', '  padded  ', '\t\ttabs\t', '\r\n leading crlf', 'trailing crlf\r\n', ' \n\r\t ',
  'inner\ttab', 'inner  spaces', 'ctl\u0001char', 'del\u007f', 'latin1 \u00e9\u00ff', 'a, b', 'x=1; Path=/',
];
const BAD_VALUES = ['a\nb', 'a\rb', 'a\0b', '\0', 'x\u0100', 'snow \u2603', 'emoji \ud83d\ude00', 'a\r\n b'];

describe('Headers (differential against Node)', () => {
  it('constructs from records, pair sequences, Headers and iterables', () => {
    same({ B: '2', a: '1', 'Set-Cookie': 'c=1' });
    same([['B', '2'], ['a', '1'], ['b', '3'], ['set-cookie', 'x=1'], ['Set-Cookie', 'y=2']]);
    same(new Native([['x', '1'], ['X', '2'], ['set-cookie', 'a'], ['set-cookie', 'b']]));
    same(new Guest([['x', '1'], ['X', '2'], ['set-cookie', 'a'], ['set-cookie', 'b']]));
    same(new Map([['k', 'v'], ['K', 'w']]));
    same(new Fresh(function* () {
      yield ['gen', '1'];
      yield new Set(['g2', 'v2']);
    }));
    same([[1, 2], [true, null]]);
    same(undefined);
    same({});
    same([]);
  });

  it('rejects malformed init with TypeError', () => {
    for (const init of [null, 'a:b', 5, true, [['a']], [['a', 'b', 'c']], ['ab'], [1], [null], { 'a b': 'x' }, { a: 'x\ny' }]) {
      same(init);
    }
    same({ [Symbol('s')]: 'v' });
    same({ [Symbol.iterator]: 5 });
  });

  it('validates names like Node', () => {
    for (const name of [...BAD_NAMES, ...GOOD_NAMES]) {
      same(undefined, (h) => outcome(() => h.append(name, 'v')));
      same(undefined, (h) => outcome(() => h.set(name, 'v')));
      same([['ok', '1']], (h) => [outcome(() => h.get(name)), outcome(() => h.has(name)), outcome(() => h.delete(name))]);
      same([[name, 'v']]);
    }
  });

  it('normalises and validates values like Node', () => {
    for (const value of [...VALUES, ...BAD_VALUES]) {
      same(undefined, (h) => [outcome(() => h.append('v', value)), outcome(() => h.get('v'))]);
      same(undefined, (h) => [outcome(() => h.set('v', value)), outcome(() => h.get('v'))]);
      same({ v: value });
    }
  });

  it('is case-insensitive and combines values with ", "', () => {
    same(undefined, (h) => {
      h.append('Accept', 'a');
      h.append('ACCEPT', 'b');
      h.append('accept', ' c ');
      return [h.get('aCcEpT'), h.has('ACCEPT'), [...h]];
    });
    same(undefined, (h) => {
      h.append('x', '1');
      h.append('y', '2');
      h.append('X', '3');
      h.set('x', '4');
      return [...h];
    });
    same(undefined, (h) => {
      h.append('x', '1');
      h.append('x', '2');
      h.delete('X');
      return [h.get('x'), h.has('x')];
    });
  });

  it('keeps set-cookie values separate in iteration and getSetCookie', () => {
    same(undefined, (h) => {
      h.append('Set-Cookie', 'a=1; Path=/');
      h.append('set-cookie', 'b=2, c=3');
      h.append('Zeta', 'z');
      h.append('alpha', 'a');
      return [h.get('set-cookie'), h.getSetCookie(), [...h.entries()], [...h.keys()], [...h.values()]];
    });
    same(undefined, (h) => h.getSetCookie());
  });

  it('sorts by lowercased name on iteration', () => {
    same(undefined, (h) => {
      for (const n of ['b', 'A', 'c', '_u', 'Z', '~', '0', '-', 'a-b', 'a']) h.append(n, n);
      return [...h];
    });
  });

  it('iterates live like WebIDL pair iterators', () => {
    same(undefined, (h) => {
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
    });
    same(undefined, (h) => {
      h.append('a', '1');
      h.append('c', '3');
      const seen: unknown[] = [];
      h.forEach((value, key, target) => {
        seen.push([key, value, target === h]);
        if (key === 'a') h.append('b', '2');
      });
      return seen;
    });
    same(undefined, (h) => {
      const it = h.entries();
      h.append('late', '1');
      return [...it];
    });
  });

  it('forEach passes thisArg and rejects non-callables', () => {
    same([['a', '1']], (h) => {
      const self: unknown[] = [];
      h.forEach(function (this: unknown) {
        self.push(this);
      }, 'ctx');
      return self.map((s) => String(s));
    });
    same(undefined, (h) => outcome(() => h.forEach(5 as never)));
  });

  it('requires arguments like Node', () => {
    same(undefined, (h) => {
      const loose = h as unknown as Record<string, (...args: unknown[]) => unknown>;
      return ['append', 'set', 'get', 'has', 'delete'].map((m) => outcome(() => (loose[m] as (...a: unknown[]) => unknown).call(h, 'a')))
        .concat(['get', 'has', 'delete', 'forEach'].map((m) => outcome(() => (loose[m] as (...a: unknown[]) => unknown).call(h))));
    });
  });

  it('converts non-string arguments with ToString', () => {
    same(undefined, (h) => {
      h.append(String(12) as never, 34 as never);
      h.append({ toString: () => 'Obj' } as never, { toString: () => ' v ' } as never);
      return [...h];
    });
    same(undefined, (h) => outcome(() => h.append(Symbol('x') as never, 'v')));
  });

  it('matches the shape of the platform object', () => {
    const ours = new GuestHeaders([['a', '1']]);
    const theirs = new NodeHeaders([['a', '1']]);
    assert.equal(Object.prototype.toString.call(ours), Object.prototype.toString.call(theirs));
    assert.equal(Object.prototype.toString.call(ours.entries()), Object.prototype.toString.call(theirs.entries()));
    assert.equal(GuestHeaders.prototype[Symbol.iterator], GuestHeaders.prototype.entries);
    assert.equal(NodeHeaders.prototype[Symbol.iterator], NodeHeaders.prototype.entries);
    const it = ours.keys() as unknown as { [Symbol.iterator](): unknown };
    assert.equal(it[Symbol.iterator](), it);
    assert.deepEqual(Object.keys(GuestHeaders.prototype).sort(), Object.keys(NodeHeaders.prototype).sort());
    assert.throws(() => (GuestHeaders as unknown as () => void)(), TypeError);
    assert.throws(() => GuestHeaders.prototype.get.call({}, 'a'), TypeError);
  });

  it('agrees with Node on random operation sequences', () => {
    let seed = 0x2545f491;
    const rand = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const names = ['a', 'A', 'b', 'Set-Cookie', 'set-cookie', 'x-y', 'Content-Type', 'bad name', ''];
    const values = ['1', ' 2 ', 'v\t', 'a, b', '', 'k=v', 'bad\nvalue'];
    for (let round = 0; round < 200; round++) {
      const ops: Array<[string, string, string]> = [];
      for (let i = 0; i < 12; i++) {
        ops.push([['append', 'set', 'delete', 'get', 'has'][rand(5)] as string, names[rand(names.length)] as string, values[rand(values.length)] as string]);
      }
      same(undefined, (h) => {
        const log: unknown[] = [];
        for (const [op, name, value] of ops) {
          const loose = h as unknown as Record<string, (...args: unknown[]) => unknown>;
          log.push(outcome(() => (loose[op] as (...a: unknown[]) => unknown).call(h, name, value)));
          log.push(snapshot(h));
        }
        return log;
      });
    }
  });
});

describe('Headers guards and runtime helpers', () => {
  it('immutable guard makes mutators throw and leaves readers working', () => {
    const h = new GuestHeaders([['a', '1']]);
    setHeadersGuard(h, 'immutable');
    for (const mutate of [() => h.append('b', '2'), () => h.set('a', '2'), () => h.delete('a'), () => h.delete('absent')]) {
      assert.throws(mutate, (err: unknown) => err instanceof TypeError && err.message === 'Headers are immutable');
    }
    assert.equal(h.get('a'), '1');
    assert.deepEqual([...h], [['a', '1']]);
    // Invalid names are still reported first, as TypeErrors about the name.
    assert.throws(() => h.append('bad name', 'x'), (err: unknown) => err instanceof TypeError && /invalid header name/.test(err.message));
    setHeadersGuard(h, 'none');
    h.append('b', '2');
    assert.equal(h.get('b'), '2');
  });

  it('skips non-enumerable record keys, symbols included (WebIDL record; undici throws here)', () => {
    const init = Object.defineProperty({ a: '1' }, Symbol('hidden'), { value: 'x', enumerable: false });
    Object.defineProperty(init, 'hiddenString', { value: 'y', enumerable: false });
    assert.deepEqual([...new GuestHeaders(init)], [['a', '1']]);
  });

  it('copying an immutable Headers gives a mutable one', () => {
    const h = new GuestHeaders([['a', '1']]);
    setHeadersGuard(h, 'immutable');
    const copy = new GuestHeaders(h);
    copy.append('a', '2');
    assert.equal(copy.get('a'), '1, 2');
    assert.equal(h.get('a'), '1');
  });

  it('headersFromFlatList lowercases names, skips validation and copies the list', () => {
    const list = ['Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'X-Multi', '1', 'x-multi', '2'];
    const h = headersFromFlatList(list);
    list[1] = 'mutated';
    assert.equal(h.get('content-type'), 'text/plain');
    assert.deepEqual(h.getSetCookie(), ['a=1', 'b=2']);
    assert.equal(h.get('X-MULTI'), '1, 2');
    const pairs = [['Content-Type', 'text/plain'], ['Set-Cookie', 'a=1'], ['set-cookie', 'b=2'], ['X-Multi', '1'], ['x-multi', '2']];
    assert.deepEqual([...h], [...new NodeHeaders(pairs as Array<[string, string]>)]);
    // Trusted input is not re-validated or normalised.
    assert.equal([...headersFromFlatList(['X', ' raw '])][0]?.[1], ' raw ');
  });

  it('headersToFlatList keeps insertion order, lowercases names and separates cookies', () => {
    const h = new GuestHeaders();
    h.append('Zed', '1');
    h.append('Set-Cookie', 'a=1');
    h.append('alpha', '2');
    h.append('SET-COOKIE', 'b=2');
    h.append('zed', '3');
    assert.deepEqual(headersToFlatList(h), ['zed', '1', 'set-cookie', 'a=1', 'alpha', '2', 'set-cookie', 'b=2', 'zed', '3']);
    h.set('ZED', '9');
    assert.deepEqual(headersToFlatList(h), ['zed', '9', 'set-cookie', 'a=1', 'alpha', '2', 'set-cookie', 'b=2']);
    const out = headersToFlatList(h);
    out.length = 0;
    assert.equal(headersToFlatList(h).length, 8);
    assert.deepEqual(headersToFlatList(headersFromFlatList(['A', '1', 'b', '2'])), ['a', '1', 'b', '2']);
  });
});
