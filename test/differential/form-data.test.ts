// Differential tests: the guest FormData against Node's (undici's), including the multipart body
// undici sends for it, byte for byte, and undici's parse of the body we produce.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Blob as GuestBlob, File as GuestFile } from '../../src/runtime/guest/blob.ts';
import {
  FormData as GuestFormData,
  appendParsedEntry,
  encodeMultipart,
  makeBoundary,
} from '../../src/runtime/guest/form-data.ts';

interface AnyFile {
  readonly name: string;
  readonly type: string;
  readonly size: number;
  readonly lastModified: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}
type Value = string | AnyFile;
interface AnyFormData {
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
interface Realm {
  name: string;
  FormData: new (form?: unknown) => AnyFormData;
  Blob: new (parts?: unknown[], options?: { type?: string }) => object;
  File: new (parts: unknown[], name: string, options?: { type?: string; lastModified?: number }) => AnyFile;
}

const node: Realm = {
  name: 'node',
  FormData: globalThis.FormData as unknown as Realm['FormData'],
  Blob: globalThis.Blob as unknown as Realm['Blob'],
  File: globalThis.File as unknown as Realm['File'],
};
const guest: Realm = {
  name: 'guest',
  FormData: GuestFormData as unknown as Realm['FormData'],
  Blob: GuestBlob as unknown as Realm['Blob'],
  File: GuestFile as unknown as Realm['File'],
};

type Snapshot = [string, string | { name: string; type: string; size: number; bytes: number[]; lastModified?: number; tag: string }][];

/** Entries with files described by value; lastModified only when asked (it is "now" for converted Blobs). */
async function snapshot(fd: AnyFormData, withLastModified = true): Promise<Snapshot> {
  const out: Snapshot = [];
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

async function same(build: (r: Realm) => AnyFormData | Promise<AnyFormData>, withLastModified = true): Promise<Snapshot> {
  const g = await snapshot(await build(guest), withLastModified);
  const n = await snapshot(await build(node), withLastModified);
  assert.deepEqual(g, n);
  return g;
}

test('append: strings, Blobs become Files named "blob", Files keep their name unless one is given', async () => {
  const result = await same((r) => {
    const fd = new r.FormData();
    fd.append('s', 'value');
    fd.append('blob', new r.Blob(['abc'], { type: 'Text/Plain' }));
    fd.append('blob named', new r.Blob([new Uint8Array([0, 1, 255])]), 'data.bin');
    fd.append('file', new r.File(['x'], 'orig.txt', { type: 'text/x', lastModified: 42 }));
    fd.append('file renamed', new r.File(['y'], 'orig.txt', { type: 'text/y', lastModified: 43 }), 'renamed.txt');
    fd.append('empty name file', new r.File([], ''));
    fd.append('s', 'second');
    return fd;
  }, false);
  assert.equal(result.length, 7);
});

test('a File keeps its identity and lastModified; a renamed File keeps lastModified', () => {
  for (const r of [guest, node]) {
    const fd = new r.FormData();
    const file = new r.File(['x'], 'a.txt', { lastModified: 1234 });
    fd.append('same', file);
    fd.append('renamed', file, 'b.txt');
    fd.set('set', file);
    assert.equal(fd.get('same'), file, r.name);
    assert.equal(fd.get('set'), file, r.name);
    const renamed = fd.get('renamed') as AnyFile;
    assert.notEqual(renamed, file, r.name);
    assert.equal(renamed.name, 'b.txt', r.name);
    assert.equal(renamed.lastModified, 1234, r.name);
  }
});

test('a converted Blob gets lastModified of now in both', () => {
  const before = Date.now();
  const g = new guest.FormData();
  g.append('b', new guest.Blob(['x']));
  const n = new node.FormData();
  n.append('b', new node.Blob(['x']));
  const after = Date.now();
  const gl = (g.get('b') as AnyFile).lastModified;
  const nl = (n.get('b') as AnyFile).lastModified;
  assert.ok(gl >= before && gl <= after);
  assert.ok(nl >= before && nl <= after);
});

test('names and values are converted to strings like Node', async () => {
  await same((r) => {
    const fd = new r.FormData();
    fd.append(123, 456);
    fd.append(null, undefined);
    fd.append({ toString: () => 'obj' }, { toString: () => 'val' });
    fd.append(true, false);
    fd.append('ünï 😀', 'wörld €');
    fd.append('', '');
    fd.append('b', new r.Blob(['z']), 7 as unknown as string);
    return fd;
  }, false);
});

test('set replaces the first entry, removes the rest, or appends', async () => {
  const result = await same((r) => {
    const fd = new r.FormData();
    for (const [k, v] of [['a', '1'], ['b', '2'], ['a', '3'], ['c', '4'], ['a', '5'], ['b', '6']]) fd.append(k, v);
    fd.set('a', 'z');
    fd.set('d', 'new');
    fd.set('b', new r.Blob(['blob']), 'b.txt');
    return fd;
  }, false);
  assert.deepEqual(result.map(([k]) => k), ['a', 'b', 'c', 'd']);
});

test('get, getAll, has and delete match Node', () => {
  const ops = (r: Realm): unknown[] => {
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
  };
  assert.deepEqual(ops(guest), ops(node));
});

test('keys, values, entries, forEach and the default iterator agree with Node', () => {
  const ops = (r: Realm): unknown[] => {
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
  };
  assert.deepEqual(ops(guest), ops(node));
});

test('iterators and forEach see entries added and removed while iterating, like Node', () => {
  const ops = (r: Realm): unknown[] => {
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
  };
  assert.deepEqual(ops(guest), ops(node));
});

test('string tags and iterator prototypes match Node', () => {
  for (const r of [guest, node]) {
    const fd = new r.FormData();
    const it = fd.entries();
    assert.equal(Object.prototype.toString.call(fd), '[object FormData]', r.name);
    assert.equal(Object.prototype.toString.call(it), '[object FormData Iterator]', r.name);
    assert.equal(it[Symbol.iterator](), it, r.name);
    const iteratorPrototype: unknown = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
    assert.equal(Object.getPrototypeOf(Object.getPrototypeOf(it)), iteratorPrototype, r.name);
    assert.equal(r.FormData.prototype[Symbol.iterator], r.FormData.prototype.entries, r.name);
    assert.deepEqual(it.next(), { value: undefined, done: true }, r.name);
  }
});

test('invalid calls throw TypeError in both', () => {
  const calls: [string, (r: Realm) => unknown][] = [
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
  for (const [label, call] of calls) {
    assert.throws(() => call(node), TypeError, `node: ${label}`);
    assert.throws(() => call(guest), TypeError, `guest: ${label}`);
  }
  assert.doesNotThrow(() => new GuestFormData(undefined));
  // undici duck-types Blobs; the guest checks the brand, so only its own Blobs become Files.
  assert.throws(() => new GuestFormData().append('a', new Blob(['x']) as unknown as GuestBlob, 'f'), TypeError);
  const fd = new GuestFormData();
  fd.append('a', new Blob(['x']) as unknown as GuestBlob);
  assert.equal(fd.get('a'), '[object Blob]');
});

/** The same entries, built in one realm. */
type Build = (r: Realm) => AnyFormData;

/** Node's body and boundary for a FormData, as undici sends it. */
async function undiciBody(fd: AnyFormData): Promise<{ body: Uint8Array; boundary: string }> {
  const response = new Response(fd as unknown as FormData);
  const contentType = response.headers.get('content-type') ?? '';
  const match = /^multipart\/form-data; boundary=(.+)$/.exec(contentType);
  assert.ok(match, `unexpected content-type ${contentType}`);
  return { body: new Uint8Array(await response.arrayBuffer()), boundary: match[1]! };
}

async function sameMultipart(build: Build): Promise<{ body: Uint8Array; boundary: string }> {
  const expected = await undiciBody(build(node));
  const actual = encodeMultipart(build(guest) as unknown as GuestFormData, expected.boundary);
  assert.deepEqual(Buffer.from(actual).toString('latin1'), Buffer.from(expected.body).toString('latin1'));
  assert.deepEqual(actual, expected.body);
  return expected;
}

const multipartCases: Record<string, Build> = {
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

for (const [name, build] of Object.entries(multipartCases)) {
  test(`encodeMultipart matches undici byte for byte: ${name}`, async () => {
    await sameMultipart(build);
  });
}

test('encodeMultipart output parses back (by undici) into the same entries', async () => {
  const build: Build = (r) => {
    const fd = new r.FormData();
    fd.append('text', 'hello wörld');
    fd.append('file', new r.File([new Uint8Array([0, 13, 10, 45, 45, 255])], 'bin.dat', { type: 'application/x-thing' }));
    fd.append('blob', new r.Blob(['{"a":1}'], { type: 'application/json' }));
    fd.append('text', 'second € 😀');
    fd.append('untyped', new r.File(['u'], 'u.txt'));
    return fd;
  };
  const fd = build(guest) as unknown as GuestFormData;
  const boundary = makeBoundary(Math.random);
  const response = new Response(encodeMultipart(fd, boundary), {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
  const parsed = await snapshot((await response.formData()) as unknown as AnyFormData, false);
  const original = await snapshot(build(node), false);
  const untyped = original[4]![1];
  assert.ok(typeof untyped !== 'string');
  untyped.type = 'application/octet-stream';
  assert.deepEqual(parsed, original);
});

test('encodeMultipart line-break normalisation survives a parse by undici', async () => {
  const fd = new GuestFormData();
  fd.append('v', 'a\nb\rc\r\nd');
  const boundary = makeBoundary(() => 0.5);
  const parsed = await new Response(encodeMultipart(fd, boundary), {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  }).formData();
  assert.deepEqual([...parsed], [['v', 'a\r\nb\r\nc\r\nd']]);
});

test('makeBoundary: prefix and 22 digits taken from the random source', () => {
  assert.equal(makeBoundary(() => 0), `----formdata-edgefn-${'0'.repeat(22)}`);
  assert.equal(makeBoundary(() => 0.999999999999), `----formdata-edgefn-${'9'.repeat(22)}`);
  assert.equal(makeBoundary(() => 1), `----formdata-edgefn-${'9'.repeat(22)}`);
  const values = [0.123456789012, 0.5];
  assert.equal(makeBoundary(() => values.shift()!), '----formdata-edgefn-1234567890150000000000');
  for (let i = 0; i < 100; i++) assert.match(makeBoundary(Math.random), /^----formdata-edgefn-\d{22}$/);
  assert.notEqual(makeBoundary(Math.random), makeBoundary(Math.random));
});

test('appendParsedEntry appends strings and Files as given, and they encode like undici', async () => {
  const fd = new GuestFormData();
  appendParsedEntry(fd, 'text', 'value\r\n');
  appendParsedEntry(fd, 'file', { bytes: new Uint8Array([1, 2, 3]), filename: 'f.bin', type: 'Application/Octet-Stream' });
  appendParsedEntry(fd, 'nameless', { bytes: new Uint8Array([]), filename: '', type: '' });
  const entries = [...fd];
  assert.equal(entries.length, 3);
  assert.deepEqual(entries[0], ['text', 'value\r\n']);
  const file = entries[1]![1];
  assert.ok(file instanceof GuestFile);
  assert.equal(file.name, 'f.bin');
  assert.equal(file.type, 'application/octet-stream');
  assert.deepEqual([...(await file.bytes())], [1, 2, 3]);
  const nameless = entries[2]![1];
  assert.ok(nameless instanceof GuestFile);
  assert.equal(nameless.name, '');

  const expected = new FormData();
  expected.append('text', 'value\r\n');
  expected.append('file', new File([new Uint8Array([1, 2, 3])], 'f.bin', { type: 'application/octet-stream' }));
  expected.append('nameless', new File([], ''));
  const { body, boundary } = await undiciBody(expected as unknown as AnyFormData);
  assert.deepEqual(encodeMultipart(fd, boundary), body);
});
