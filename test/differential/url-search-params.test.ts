// Differential tests: the guest URLSearchParams against Node's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  URLSearchParams as GuestParams,
  bindSearchParams,
  resetSearchParams,
} from '../../src/runtime/guest/url-search-params.ts';

const NodeParams = globalThis.URLSearchParams;
type AnyParams = GuestParams | InstanceType<typeof NodeParams>;
type Ctor = new (init?: unknown) => AnyParams;
const Guest = GuestParams as unknown as Ctor;
const Native = NodeParams as unknown as Ctor;

function outcome(fn: () => unknown): unknown {
  try {
    return { value: fn() };
  } catch (err) {
    return { threw: err instanceof Error ? err.name : typeof err };
  }
}

function snapshot(p: AnyParams): unknown {
  return { entries: [...p], string: p.toString(), size: p.size };
}

class Fresh {
  constructor(readonly make: () => unknown) {}
}

function same(init: unknown, ops: (p: AnyParams) => unknown = (p) => snapshot(p)): void {
  const arg = (): unknown => (init instanceof Fresh ? init.make() : init);
  const run = (C: Ctor): unknown =>
    outcome(() => {
      const p = new C(arg());
      return { result: ops(p), after: snapshot(p) };
    });
  assert.deepEqual(run(Guest), run(Native));
}

const QUERIES = [
  '', '?', '??a=b', 'a', 'a=', '=a', '=', '&', '&&a=b&&', 'a=b=c', 'a==b', '+', '+=+', 'a+b=c+d', '%2B=%2b',
  '%zz', '%', '%4', '%41%', '%4g', '%%41', '%e2%82', '%e2%82%ac', '%E2%82%AC', '%C3%28', '%ED%A0%80', '%F0%9F%98',
  '%F0%9F%98%80', '%FF%FE', '%EF%BB%BFbom=1', '\u00e9=\u00e9', '\ud800=\udc00', 'a=\ud83d\ude00', 'k=%00', '%26=%3D',
  'a=1&a=2&b=3&a=4', 'a=%20b+c', 'sp ace=x y', 'semi;colon=1', '#hash=1', 'a\nb=c\td', 'x=%f0%9f%98%80%f0',
];

describe('URLSearchParams (differential against Node)', () => {
  it('parses application/x-www-form-urlencoded input like Node', () => {
    for (const q of QUERIES) same(q);
  });

  it('serialises every code point class like Node', () => {
    const chars: string[] = [];
    for (let c = 0; c < 0x80; c++) chars.push(String.fromCharCode(c));
    chars.push('\u00a0', '\u00e9', '\u20ac', '\ud83d\ude00', '\ud800', '\udfff', '\ud800x', 'x\udc00', '\uffff', '\ufeff');
    same(undefined, (p) => {
      for (const ch of chars) p.append(ch, `v${ch}v`);
      return p.toString();
    });
    same(undefined, (p) => {
      p.append('a b', 'c+d');
      p.append('~*-._', "!'()");
      return p.toString();
    });
  });

  it('constructs from records, sequences, URLSearchParams and other values', () => {
    same({ a: '1', b: '2', '\ud800': 'lone' });
    same([['a', '1'], ['a', '2'], ['b', '\udc00']]);
    same(new NodeParams('x=1&y=2&x=3'));
    same(new GuestParams('x=1&y=2&x=3'));
    same(new Map([['m', '1']]));
    same(new Fresh(function* () {
      yield ['g', '1'];
      yield new Set(['h', '2']);
    }));
    for (const v of [undefined, 0, 12.5, true, '?', { toString: () => 'a=1' }]) same(v);
    same([[1, 2]]);
  });

  it('converts null to the string "null" as WebIDL and browsers do (Node treats it as empty)', () => {
    assert.deepEqual([...new GuestParams(null as never)], [['null', '']]);
  });

  it('rejects malformed sequences with TypeError', () => {
    for (const init of [[['a']], [['a', 'b', 'c']], ['ab'], [1], [null], [[]]]) same(init);
    same({ [Symbol('s')]: 'v' });
  });

  it('append/get/getAll/has/set/delete agree', () => {
    same('a=1&b=2&a=3&c=4&a=5', (p) => {
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
    });
    same(undefined, (p) => {
      p.append(null as never, undefined as never);
      p.append(1 as never, {} as never);
      return p.toString();
    });
  });

  it('sort is stable and compares UTF-16 code units', () => {
    same([
      ['z', '1'], ['a', '2'], ['z', '3'], ['\ufffd', 'r'], ['\ud83d\ude00', 'emoji'], ['\uff5e', 'fw'], ['a', '4'], ['', 'e'],
      ['Z', 'upper'], ['\ud83c\udf00', 'cyclone'], ['z', '5'],
    ], (p) => {
      p.sort();
      return [...p];
    });
    same('c=1&b=2&a=3&b=1&a=2&c=0', (p) => {
      p.sort();
      return p.toString();
    });
  });

  it('iterates live and supports forEach, keys, values, size', () => {
    same('a=1&b=2&c=3', (p) => {
      const seen: unknown[] = [];
      for (const [k, v] of p) {
        seen.push([k, v]);
        if (k === 'a') p.delete('b');
        if (k === 'c') p.append('d', '4');
      }
      return [seen, [...p.keys()], [...p.values()], p.size];
    });
    same('a=1&c=3', (p) => {
      const seen: unknown[] = [];
      p.forEach(function (this: unknown, value, key, target) {
        seen.push([key, value, target === p, String(this)]);
        if (key === 'a') p.append('b', '2');
      }, 'ctx');
      return seen;
    });
    same(undefined, (p) => outcome(() => p.forEach(5 as never)));
  });

  it('requires arguments like Node', () => {
    same('a=1', (p) => {
      const loose = p as unknown as Record<string, (...args: unknown[]) => unknown>;
      const call = (m: string, ...args: unknown[]): unknown => outcome(() => (loose[m] as (...a: unknown[]) => unknown).call(p, ...args));
      return [call('append', 'a'), call('set', 'a'), call('get'), call('getAll'), call('has'), call('delete'), call('forEach')];
    });
  });

  it('matches the shape of the platform object', () => {
    const ours = new GuestParams('a=1');
    const theirs = new NodeParams('a=1');
    assert.equal(Object.prototype.toString.call(ours), Object.prototype.toString.call(theirs));
    assert.equal(Object.prototype.toString.call(ours.entries()), Object.prototype.toString.call(theirs.entries()));
    assert.equal(GuestParams.prototype[Symbol.iterator], GuestParams.prototype.entries);
    assert.deepEqual(Object.keys(GuestParams.prototype).sort(), Object.keys(NodeParams.prototype).sort());
    assert.throws(() => (GuestParams as unknown as () => void)(), TypeError);
    assert.throws(() => GuestParams.prototype.get.call({}, 'a'), TypeError);
  });

  it('agrees with Node on random operation sequences', () => {
    let seed = 0x1234567;
    const rand = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const names = ['a', 'b', 'A', '', ' ', '+', '%', '\u00e9', '\ud800'];
    const values = ['1', '', ' ', '%20', '&', '=', '\ud83d\ude00'];
    const ops = ['append', 'set', 'delete', 'delete2', 'has2', 'get', 'getAll', 'sort'];
    for (let round = 0; round < 200; round++) {
      const seq: Array<[string, string, string]> = [];
      for (let i = 0; i < 12; i++) {
        seq.push([ops[rand(ops.length)] as string, names[rand(names.length)] as string, values[rand(values.length)] as string]);
      }
      same(QUERIES[rand(QUERIES.length)], (p) => {
        const log: unknown[] = [];
        for (const [op, name, value] of seq) {
          const loose = p as unknown as Record<string, (...args: unknown[]) => unknown>;
          const method = op.replace('2', '');
          const args = op.endsWith('2') ? [name, value] : op === 'append' || op === 'set' ? [name, value] : [name];
          log.push(outcome(() => (loose[method] as (...a: unknown[]) => unknown).apply(p, args)));
          log.push(snapshot(p));
        }
        return log;
      });
    }
  });
});

describe('URLSearchParams linked to a URL', () => {
  it('calls onUpdate with the serialization after each mutation, like Node updates url.search', () => {
    const nodeUrl = new URL('https://example.test/p?b=2&a=1&b=3');
    const ours = new GuestParams(nodeUrl.search);
    const updates: string[] = [];
    bindSearchParams(ours, (s) => updates.push(s));
    const steps: Array<(p: AnyParams) => void> = [
      (p) => p.append('c d', 'e+f'),
      (p) => p.set('b', '\u20ac'),
      (p) => p.delete('a'),
      (p) => p.sort(),
      (p) => p.delete('b', '\u20ac'),
      (p) => p.delete('zzz'),
      (p) => p.delete('c d'),
    ];
    for (const step of steps) {
      step(ours);
      step(nodeUrl.searchParams);
      assert.equal(updates.at(-1), nodeUrl.search.replace(/^\?/, ''));
    }
    assert.equal(updates.length, steps.length);
    assert.equal(updates.at(-1), '');
  });

  it('resetSearchParams replaces the list without calling onUpdate and strips one leading "?"', () => {
    const p = new GuestParams('a=1');
    let calls = 0;
    bindSearchParams(p, () => calls++);
    resetSearchParams(p, '?x=%41&y=+');
    assert.equal(calls, 0);
    assert.deepEqual([...p], [...new NodeParams('?x=%41&y=+')]);
    resetSearchParams(p, '??q=1');
    assert.deepEqual([...p], [['?q', '1']]);
    resetSearchParams(p, '');
    assert.equal(p.size, 0);
    assert.equal(calls, 0);
    p.append('k', 'v');
    assert.equal(calls, 1);
  });

  it('reading methods never call onUpdate', () => {
    const p = new GuestParams('a=1&b=2');
    let calls = 0;
    bindSearchParams(p, () => calls++);
    p.get('a');
    p.getAll('a');
    p.has('a');
    p.toString();
    void [...p];
    p.forEach(() => {});
    void p.size;
    assert.equal(calls, 0);
  });
});
