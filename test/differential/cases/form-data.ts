// Cases of the FormData differential suite (see ./outcome.ts), including the multipart body a
// Response makes of a FormData, byte for byte (the boundary, random on both sides, set aside).
import { attempt, defineSuite } from './outcome.ts';

interface AnyFile {
  readonly name: string;
  readonly type: string;
  readonly size: number;
  readonly lastModified: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}
type Value = string | AnyFile;
export interface AnyFormData {
  append(name: unknown, value: unknown, filename?: unknown): void;
  set(name: unknown, value: unknown, filename?: unknown): void;
  get(name: unknown): Value | null;
  getAll(name: unknown): Value[];
  has(name: unknown): boolean;
  delete(name: unknown): void;
  entries(): IterableIterator<[string, Value]>;
  keys(): IterableIterator<string>;
  values(): IterableIterator<Value>;
  forEach(callback: (value: Value, name: string, parent: AnyFormData) => void, thisArg?: unknown): void;
  [Symbol.iterator](): IterableIterator<[string, Value]>;
}
export interface Impl {
  FormData: new (form?: unknown) => AnyFormData;
  Blob: new (parts?: unknown[], options?: { type?: string }) => object;
  File: new (parts: unknown[], name: string, options?: { type?: string; lastModified?: number }) => AnyFile;
  /** Only its FormData body is used: the content type and the bytes. */
  Response: new (body: AnyFormData) => { headers: { get(name: string): string | null }; arrayBuffer(): Promise<ArrayBuffer> };
}

/** Entries with files described by value; lastModified only when asked (it is "now" for converted Blobs). */
export async function snapshot(fd: AnyFormData, withLastModified = true): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const [name, value] of fd) {
    if (typeof value === 'string') {
      out.push([name, value]);
      continue;
    }
    const described = {
      name: value.name,
      type: value.type,
      size: value.size,
      bytes: [...new Uint8Array(await value.arrayBuffer())],
      tag: Object.prototype.toString.call(value),
    };
    out.push([name, withLastModified ? { ...described, lastModified: value.lastModified } : described]);
  }
  return out;
}

/** The multipart body and content type a Response makes of `fd`, with the boundary set aside. */
async function multipart(impl: Impl, fd: AnyFormData): Promise<unknown> {
  const response = new impl.Response(fd);
  const contentType = response.headers.get('content-type') ?? '';
  const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(contentType)?.[1];
  if (boundary === undefined) return { unexpectedContentType: contentType };
  const bytes = new Uint8Array(await response.arrayBuffer());
  let latin1 = '';
  for (const b of bytes) latin1 += String.fromCharCode(b);
  return { contentType: contentType.replace(boundary, 'BOUNDARY'), body: latin1.split(boundary).join('BOUNDARY') };
}

const MULTIPART: Record<string, (r: Impl) => AnyFormData> = {
  empty: (r) => new r.FormData(),
  strings: (r) => {
    const fd = new r.FormData();
    fd.append('a', '1');
    fd.append('b', '');
    fd.append('', 'empty name');
    return fd;
  },
  'multi-byte names and values': (r) => {
    const fd = new r.FormData();
    fd.append('ünï 😀', 'wörld € 𝄞');
    fd.append('日本', '語');
    return fd;
  },
  'line breaks and quotes in names and values': (r) => {
    const fd = new r.FormData();
    fd.append('a"b', 'x\ny');
    fd.append('c\rd', 'x\ry');
    fd.append('e\nf', 'x\r\ny');
    fd.append('g\r\nh', 'x\n\ry\n');
    fd.append('%22 %0A', '\r\r\n\n');
    return fd;
  },
  'lone surrogates': (r) => {
    const fd = new r.FormData();
    fd.append('a\ud800', 'b\udc00c');
    fd.append('f\udbff', new r.File(['\ud83d'], 'x\udc00.txt'));
    return fd;
  },
  files: (r) => {
    const fd = new r.FormData();
    fd.append('typed', new r.File(['hello'], 'hello.txt', { type: 'Text/Plain;Charset=UTF-8' }));
    fd.append('untyped', new r.File([new Uint8Array(256).map((_, i) => i)], 'all-bytes.bin'));
    fd.append('empty', new r.File([], 'empty.txt', { type: 'text/plain' }));
    fd.append('no filename', new r.File(['data'], ''));
    fd.append('blob', new r.Blob(['blob body'], { type: 'application/json' }));
    fd.append('blob named', new r.Blob(['b']), 'named.bin');
    fd.append('quoted', new r.File(['q'], 'a "quoted"\r\nname\n.txt'));
    fd.append('unicode', new r.File(['u'], 'ünï 😀.txt'));
    fd.append('crlf body', new r.File(['keep\nthese\r\nbytes\r'], 'raw.txt'));
    return fd;
  },
  'mixed order': (r) => {
    const fd = new r.FormData();
    fd.append('f1', new r.File(['1'], '1.txt'));
    fd.append('f2', new r.File(['2'], '2.txt'));
    fd.append('s1', 'one');
    fd.append('f3', new r.Blob([]));
    fd.append('s2', 'two');
    fd.append('s3', 'three');
    fd.append('f4', new r.File(['4'], '4.txt'));
    return fd;
  },
  'after set and delete': (r) => {
    const fd = new r.FormData();
    fd.append('a', '1');
    fd.append('b', new r.File(['b'], 'b.txt'));
    fd.append('a', '2');
    fd.set('a', new r.Blob(['x']), 'x.bin');
    fd.delete('b');
    fd.append('c', '3');
    return fd;
  },
};

export const suite = defineSuite<Impl>((group) => {
  group('append: strings, Blobs become Files named "blob", Files keep their name unless one is given', (g) => {
    g.same('entries', (r) => {
      const fd = new r.FormData();
      fd.append('s', 'value');
      fd.append('blob', new r.Blob(['abc'], { type: 'Text/Plain' }));
      fd.append('blob named', new r.Blob([new Uint8Array([0, 1, 255])]), 'data.bin');
      fd.append('file', new r.File(['x'], 'orig.txt', { type: 'text/x', lastModified: 42 }));
      fd.append('file renamed', new r.File(['y'], 'orig.txt', { type: 'text/y', lastModified: 43 }), 'renamed.txt');
      fd.append('empty name file', new r.File([], ''));
      fd.append('s', 'second');
      return snapshot(fd, false);
    });
  });

  group('a File keeps its identity and lastModified; a renamed File keeps lastModified', (g) => {
    g.both('identity', (r) => {
      const fd = new r.FormData();
      const file = new r.File(['x'], 'a.txt', { lastModified: 1234 });
      fd.append('same', file);
      fd.append('renamed', file, 'b.txt');
      fd.set('set', file);
      const renamed = fd.get('renamed') as AnyFile;
      return [fd.get('same') === file, fd.get('set') === file, renamed !== file, renamed.name, renamed.lastModified];
    }, [true, true, true, 'b.txt', 1234]);
  });

  group('a converted Blob gets lastModified of now', (g) => {
    g.both('between two readings of the clock', (r) => {
      const before = Date.now();
      const fd = new r.FormData();
      fd.append('b', new r.Blob(['x']));
      const lastModified = (fd.get('b') as AnyFile).lastModified;
      return before <= lastModified && lastModified <= Date.now();
    }, true);
  });

  group('names and values are converted to strings like Node', (g) => {
    g.same('entries', (r) => {
      const fd = new r.FormData();
      fd.append(123, 456);
      fd.append(null, undefined);
      fd.append({ toString: () => 'obj' }, { toString: () => 'val' });
      fd.append(true, false);
      fd.append('ünï 😀', 'wörld €');
      fd.append('', '');
      fd.append('b', new r.Blob(['z']), 7 as unknown as string);
      return snapshot(fd, false);
    });
  });

  group('set replaces the first entry, removes the rest, or appends', (g) => {
    const build = (r: Impl): AnyFormData => {
      const fd = new r.FormData();
      for (const [k, v] of [['a', '1'], ['b', '2'], ['a', '3'], ['c', '4'], ['a', '5'], ['b', '6']]) fd.append(k, v);
      fd.set('a', 'z');
      fd.set('d', 'new');
      fd.set('b', new r.Blob(['blob']), 'b.txt');
      return fd;
    };
    g.same('entries', (r) => snapshot(build(r), false));
    g.both('names', (r) => [...build(r).keys()], ['a', 'b', 'c', 'd']);
  });

  group('get, getAll, has and delete match Node', (g) => {
    g.same('calls', (r) => {
      const fd = new r.FormData();
      fd.append('a', '1');
      fd.append('b', '2');
      fd.append('a', '3');
      const out: unknown[] = [fd.get('a'), fd.get('missing'), fd.getAll('a'), fd.getAll('missing'), fd.has('b'), fd.has('missing')];
      fd.delete('a');
      fd.delete('missing');
      out.push(fd.has('a'), fd.get('a'), [...fd.keys()], fd.get(null), fd.has(undefined));
      fd.append('null', 'n');
      out.push(fd.get(null), fd.getAll(null));
      return out;
    });
  });

  group('keys, values, entries, forEach and the default iterator agree with Node', (g) => {
    g.same('iteration', (r) => {
      const fd = new r.FormData();
      fd.append('x', '1');
      fd.append('y', '2');
      fd.append('x', '3');
      const calls: unknown[] = [];
      const thisArg = { tag: 'this' };
      fd.forEach(function (this: unknown, value, name, parent) {
        calls.push([value, name, parent === fd, this === thisArg]);
      }, thisArg);
      return [[...fd.keys()], [...fd.values()], [...fd.entries()], [...fd], calls, Array.from(fd.entries(), ([k]) => k)];
    });
  });

  group('iterators and forEach see entries added and removed while iterating, like Node', (g) => {
    g.same('live iteration', (r) => {
      const fd = new r.FormData();
      fd.append('a', '1');
      fd.append('b', '2');
      fd.append('c', '3');
      const seen: string[] = [];
      for (const [name] of fd) {
        seen.push(name);
        if (name === 'a') fd.append('d', '4');
        if (name === 'b') fd.delete('a');
      }
      const it = fd.keys();
      const first = it.next();
      fd.set('b', 'x');
      const rest = [...it];
      const visited: string[] = [];
      fd.forEach((_, name) => {
        visited.push(name);
        if (visited.length === 1) fd.append('e', '5');
      });
      return [seen, first, rest, visited, it.next()];
    });
  });

  group('string tags and iterator prototypes match Node', (g) => {
    g.both('shape', (r) => {
      const fd = new r.FormData();
      const it = fd.entries();
      const iteratorPrototype: unknown = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
      return [
        Object.prototype.toString.call(fd),
        Object.prototype.toString.call(it),
        it[Symbol.iterator]() === it,
        Object.getPrototypeOf(Object.getPrototypeOf(it)) === iteratorPrototype,
        r.FormData.prototype[Symbol.iterator] === r.FormData.prototype.entries,
        it.next(),
      ];
    }, ['[object FormData]', '[object FormData Iterator]', true, true, true, { value: undefined, done: true }]);
  });

  group('invalid calls throw TypeError', (g) => {
    const calls: [string, (r: Impl) => unknown][] = [
      ['constructor with a form', (r) => new r.FormData({})],
      ['constructor with null', (r) => new r.FormData(null)],
      ['append with one argument', (r) => (new r.FormData().append as (n: string) => void)('a')],
      ['append string with a filename', (r) => new r.FormData().append('a', 'b', 'c')],
      ['append string with undefined filename', (r) => new r.FormData().append('a', 'b', undefined)],
      ['set string with a filename', (r) => new r.FormData().set('a', 'b', 'c')],
      ['forEach without a function', (r) => new r.FormData().forEach(null as unknown as () => void)],
      ['get without arguments', (r) => (new r.FormData().get as () => unknown)()],
      ['method on a foreign receiver', (r) => r.FormData.prototype.get.call({}, 'a')],
    ];
    for (const [label, call] of calls) g.both(label, (r) => attempt(() => call(r)), { threw: new TypeError() });
    g.both('constructor with undefined does not throw', (r) => 'value' in attempt(() => new r.FormData(undefined)), true);
  });

  group('guest: only its own Blobs become Files (undici duck-types them)', (g) => {
    const fake = { size: 1, type: '', arrayBuffer: async () => new ArrayBuffer(1), [Symbol.toStringTag]: 'Blob' };
    g.expect('a Blob-like with a filename', (r) => attempt(() => new r.FormData().append('a', fake, 'f')), { threw: new TypeError() });
    g.expect('a Blob-like is a string', (r) => {
      const fd = new r.FormData();
      fd.append('a', fake);
      return fd.get('a');
    }, '[object Blob]');
  });

  group('a Response encodes a FormData as multipart like undici, byte for byte', (g) => {
    for (const [name, build] of Object.entries(MULTIPART)) g.same(name, (r) => multipart(r, build(r)));
  });
});
