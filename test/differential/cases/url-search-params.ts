// Cases of the URLSearchParams differential suite (see ./outcome.ts).
import { attempt, defineSuite, show, seededRandom } from './outcome.ts';

export interface Impl {
  URLSearchParams: typeof globalThis.URLSearchParams;
}
type P = InstanceType<Impl['URLSearchParams']>;
type Loose = Record<string, (...args: unknown[]) => unknown>;

const snapshot = (p: P): unknown => ({ entries: [...p], string: p.toString(), size: p.size });

/** An init made anew for each implementation (one that is consumed, or one of its own). */
class Fresh {
  constructor(readonly make: (impl: Impl) => unknown) {}
}

/** `ops` on a new URLSearchParams(init): its result and the state after (or what the constructor threw). */
function scenario(init: unknown, ops: (p: P) => unknown = snapshot): (impl: Impl) => unknown {
  return (impl) => {
    const p = new impl.URLSearchParams((init instanceof Fresh ? init.make(impl) : init) as never);
    return { result: ops(p), after: snapshot(p) };
  };
}

const call = (p: P, method: string, ...args: unknown[]): unknown => attempt(() => (p as unknown as Loose)[method]!.apply(p, args));

export const QUERIES = [
  '', '?', '??a=b', 'a', 'a=', '=a', '=', '&', '&&a=b&&', 'a=b=c', 'a==b', '+', '+=+', 'a+b=c+d', '%2B=%2b',
  '%zz', '%', '%4', '%41%', '%4g', '%%41', '%e2%82', '%e2%82%ac', '%E2%82%AC', '%C3%28', '%ED%A0%80', '%F0%9F%98',
  '%F0%9F%98%80', '%FF%FE', '%EF%BB%BFbom=1', '\u00e9=\u00e9', '\ud800=\udc00', 'a=\ud83d\ude00', 'k=%00', '%26=%3D',
  'a=1&a=2&b=3&a=4', 'a=%20b+c', 'sp ace=x y', 'semi;colon=1', '#hash=1', 'a\nb=c\td', 'x=%f0%9f%98%80%f0',
];

const rand = seededRandom(0x1234567);

export const suite = defineSuite<Impl>((group) => {
  group('parses application/x-www-form-urlencoded input like Node', (g) => {
    for (const q of QUERIES) g.same(show(q), scenario(q));
  });

  group('serialises every code point class like Node', (g) => {
    const chars: string[] = [];
    for (let c = 0; c < 0x80; c++) chars.push(String.fromCharCode(c));
    chars.push('\u00a0', '\u00e9', '\u20ac', '\ud83d\ude00', '\ud800', '\udfff', '\ud800x', 'x\udc00', '\uffff', '\ufeff');
    g.same('every class', scenario(undefined, (p) => {
      for (const ch of chars) p.append(ch, `v${ch}v`);
      return p.toString();
    }));
    g.same('reserved and unreserved', scenario(undefined, (p) => {
      p.append('a b', 'c+d');
      p.append('~*-._', "!'()");
      return p.toString();
    }));
  });

  group('constructs from records, sequences, URLSearchParams and other values', (g) => {
    g.same('record', scenario({ a: '1', b: '2', '\ud800': 'lone' }));
    g.same('sequence', scenario([['a', '1'], ['a', '2'], ['b', '\udc00']]));
    g.same('URLSearchParams', scenario(new Fresh(({ URLSearchParams }) => new URLSearchParams('x=1&y=2&x=3'))));
    g.same('Map', scenario(new Map([['m', '1']])));
    g.same('generator', scenario(new Fresh(function* () {
      yield ['g', '1'];
      yield new Set(['h', '2']);
    })));
    // An object is a record: its toString is a value, stringified; the same text in every build.
    const toString = Object.assign(() => 'a=1', { toString: () => 'source' });
    [undefined, 0, 12.5, true, '?', { toString }].forEach((v, i) => g.same(`#${i} ${show(v)}`, scenario(v)));
    g.same('non-string pairs', scenario([[1, 2]]));
  });

  group('converts null to the string "null" as WebIDL and browsers do (Node treats it as empty)', (g) => {
    g.expect('null', ({ URLSearchParams }) => [...new URLSearchParams(null as never)], [['null', '']]);
  });

  group('rejects malformed sequences with TypeError', (g) => {
    [[['a']], [['a', 'b', 'c']], ['ab'], [1], [null], [[]]].forEach((init, i) => g.same(`#${i} ${show(init)}`, scenario(init)));
    g.same('symbol key', scenario({ [Symbol('s')]: 'v' }));
  });

  group('append/get/getAll/has/set/delete agree', (g) => {
    g.same('a mixed sequence', scenario('a=1&b=2&a=3&c=4&a=5', (p) => {
      const out: unknown[] = [p.get('a'), p.get('z'), p.getAll('a'), p.getAll('z'), p.has('a'), p.has('z')];
      out.push(p.has('a', '3'), p.has('a', '9'), p.has('a', undefined as never));
      p.set('a', 'x');
      out.push(p.toString());
      p.append('a', 'y');
      p.delete('a', 'x');
      out.push(p.toString());
      p.delete('b', undefined as never);
      out.push(p.toString());
      p.set('new', 'n');
      p.delete('c');
      out.push(p.toString());
      return out;
    }));
    g.same('non-string arguments', scenario(undefined, (p) => {
      p.append(null as never, undefined as never);
      p.append(1 as never, {} as never);
      return p.toString();
    }));
  });

  group('sort is stable and compares UTF-16 code units', (g) => {
    g.same('pairs', scenario([
      ['z', '1'], ['a', '2'], ['z', '3'], ['\ufffd', 'r'], ['\ud83d\ude00', 'emoji'], ['\uff5e', 'fw'], ['a', '4'], ['', 'e'],
      ['Z', 'upper'], ['\ud83c\udf00', 'cyclone'], ['z', '5'],
    ], (p) => {
      p.sort();
      return [...p];
    }));
    g.same('query', scenario('c=1&b=2&a=3&b=1&a=2&c=0', (p) => {
      p.sort();
      return p.toString();
    }));
  });

  group('iterates live and supports forEach, keys, values, size', (g) => {
    g.same('for-of while deleting and appending', scenario('a=1&b=2&c=3', (p) => {
      const seen: unknown[] = [];
      for (const [k, v] of p) {
        seen.push([k, v]);
        if (k === 'a') p.delete('b');
        if (k === 'c') p.append('d', '4');
      }
      return [seen, [...p.keys()], [...p.values()], p.size];
    }));
    g.same('forEach with thisArg while appending', scenario('a=1&c=3', (p) => {
      const seen: unknown[] = [];
      p.forEach(function (this: unknown, value, key, target) {
        seen.push([key, value, target === p, String(this)]);
        if (key === 'a') p.append('b', '2');
      }, 'ctx');
      return seen;
    }));
    g.same('forEach with a non-callable', scenario(undefined, (p) => attempt(() => p.forEach(5 as never))));
  });

  group('requires arguments like Node', (g) => {
    g.same('missing arguments', scenario('a=1', (p) => [
      call(p, 'append', 'a'), call(p, 'set', 'a'), call(p, 'get'), call(p, 'getAll'), call(p, 'has'), call(p, 'delete'), call(p, 'forEach'),
    ]));
  });

  group('matches the shape of the platform object', (g) => {
    g.same('string tags', ({ URLSearchParams }) => {
      const p = new URLSearchParams('a=1');
      return [Object.prototype.toString.call(p), Object.prototype.toString.call(p.entries())];
    });
    g.both('@@iterator is entries', ({ URLSearchParams }) => URLSearchParams.prototype[Symbol.iterator] === URLSearchParams.prototype.entries, true);
    g.same('prototype keys', ({ URLSearchParams }) => Object.keys(URLSearchParams.prototype).sort());
    g.both('calling without new', ({ URLSearchParams }) => attempt(() => (URLSearchParams as unknown as () => void)()), { threw: new TypeError() });
    g.both('a method on a foreign receiver', ({ URLSearchParams }) => attempt(() => URLSearchParams.prototype.get.call({} as P, 'a')), { threw: new TypeError() });
  });

  group('agrees with Node on random operation sequences', (g) => {
    const names = ['a', 'b', 'A', '', ' ', '+', '%', '\u00e9', '\ud800'];
    const values = ['1', '', ' ', '%20', '&', '=', '\ud83d\ude00'];
    const ops = ['append', 'set', 'delete', 'delete2', 'has2', 'get', 'getAll', 'sort'];
    for (let round = 0; round < 200; round++) {
      const seq: Array<[string, string, string]> = [];
      for (let i = 0; i < 12; i++) seq.push([ops[rand(ops.length)]!, names[rand(names.length)]!, values[rand(values.length)]!]);
      const query = QUERIES[rand(QUERIES.length)];
      g.same(`round ${round}`, scenario(query, (p) => seq.flatMap(([op, name, value]) => {
        const args = op.endsWith('2') || op === 'append' || op === 'set' ? [name, value] : [name];
        return [call(p, op.replace('2', ''), ...args), snapshot(p)];
      })));
    }
  });
});
