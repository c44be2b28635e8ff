// Differential tests: the guest Blob and File against Node's own, which follow the File API spec.
// Where Node deviates from the spec (see the "spec, not Node" tests) the expected values are the spec's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Blob as GuestBlob,
  File as GuestFile,
  blobBytes,
  blobChunks,
  isBlob,
  isFile,
  setBlobStreamFactory,
} from '../../src/runtime/guest/blob.ts';

interface AnyBlob {
  readonly size: number;
  readonly type: string;
  slice(start?: number, end?: number, contentType?: string): AnyBlob;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
  bytes(): Promise<Uint8Array>;
}
interface AnyFile extends AnyBlob {
  readonly name: string;
  readonly lastModified: number;
}
interface Realm {
  Blob: new (parts?: unknown, options?: unknown) => AnyBlob;
  File: new (parts: unknown, name: unknown, options?: unknown) => AnyFile;
}

const node: Realm = { Blob: globalThis.Blob as unknown as Realm['Blob'], File: globalThis.File as unknown as Realm['File'] };
const guest: Realm = { Blob: GuestBlob as unknown as Realm['Blob'], File: GuestFile as unknown as Realm['File'] };

/** Blob parts described once and built in each realm (a Blob part must be that realm's Blob). */
type PartSpec = string | number | null | ArrayBuffer | ArrayBufferView | { toString(): string } | BlobSpec;
interface BlobSpec {
  blob: PartSpec[];
  type?: string;
  slice?: [number | undefined, number | undefined];
}

const isBlobSpec = (p: PartSpec): p is BlobSpec => typeof p === 'object' && p !== null && 'blob' in p;

function build(realm: Realm, parts: PartSpec[], options?: unknown): AnyBlob {
  const built = parts.map((p): unknown => {
    if (!isBlobSpec(p)) return p;
    const inner = build(realm, p.blob, { type: p.type });
    return p.slice === undefined ? inner : inner.slice(p.slice[0], p.slice[1]);
  });
  return new realm.Blob(built, options);
}

async function describeBlob(b: AnyBlob): Promise<{ size: number; type: string; bytes: number[]; text: string; tag: string }> {
  return {
    size: b.size,
    type: b.type,
    bytes: [...new Uint8Array(await b.arrayBuffer())],
    text: await b.text(),
    tag: Object.prototype.toString.call(b),
  };
}

function backing(): ArrayBuffer {
  const buffer = new ArrayBuffer(16);
  new Uint8Array(buffer).forEach((_, i, a) => (a[i] = 0xe0 + i));
  return buffer;
}

const cases: Record<string, PartSpec[]> = {
  empty: [],
  'empty string': [''],
  ascii: ['hello', ' ', 'world'],
  'multi-byte': ['héllo wörld € 𝄞 日本語', '🎉'],
  'lone surrogates': ['a\ud800b', '\udc00', 'x\ud83d', '\ud83d\ude00'],
  'Uint8Array': [new Uint8Array([0, 1, 2, 255, 128])],
  'Uint8Array subarray': [new Uint8Array(backing()).subarray(3, 9)],
  'Uint16Array with offset': [new Uint16Array(backing(), 4, 3)],
  'DataView with offset and length': [new DataView(backing(), 5, 7)],
  'DataView over the whole buffer': [new DataView(backing())],
  ArrayBuffer: [backing()],
  'Float64Array': [new Float64Array([1.5, -0, NaN])],
  'non-strings': [123, null, { toString: () => 'obj' }, true as unknown as PartSpec],
  'nested blobs': ['<', { blob: ['inner ', new Uint8Array([0xc3, 0xa9])], type: 'text/x' }, '>'],
  'sliced blob part': [{ blob: ['0123456789'], slice: [2, -3] }, { blob: ['abc', 'def'], slice: [-4, undefined] }],
  'bytes splitting a character': [new Uint8Array([0x61, 0xe2, 0x82]), new Uint8Array([0xac, 0x62])],
  mixed: ['a', new Uint8Array([0x62]), { blob: ['c', { blob: ['d'] }] }, new DataView(new Uint8Array([0x65, 0x66]).buffer, 1), backing()],
};

for (const [name, parts] of Object.entries(cases)) {
  test(`Blob matches Node: ${name}`, async () => {
    assert.deepEqual(await describeBlob(build(guest, parts)), await describeBlob(build(node, parts)));
  });
}

test('Blob with no arguments and with undefined parts matches Node', async () => {
  assert.deepEqual(await describeBlob(new guest.Blob()), await describeBlob(new node.Blob()));
  assert.deepEqual(await describeBlob(new guest.Blob(undefined, { type: 'A/B' })), await describeBlob(new node.Blob(undefined, { type: 'A/B' })));
});

test('Blob accepts any iterable of parts, like Node', async () => {
  const parts = (): Iterable<unknown> => new Set(['ab', 'c', new Uint8Array([0x64])]);
  function* gen(): Generator<string> {
    yield 'x';
    yield 'yz';
  }
  assert.deepEqual(await describeBlob(new guest.Blob(parts())), await describeBlob(new node.Blob(parts())));
  assert.deepEqual(await describeBlob(new guest.Blob(gen())), await describeBlob(new node.Blob(gen())));
});

const types: unknown[] = [
  'text/plain',
  'Text/HTML',
  'TEXT/PLAIN; CHARSET=UTF-8',
  'image/svg+xml',
  '',
  ' ',
  '~',
  'a\u00e9',
  'a\x1fb',
  'a\x7fb',
  'text/plain\n',
  'ünïcode/type',
  null,
  42,
];

test('Blob type is lower-cased, or empty when not printable ASCII, like Node', () => {
  for (const type of types) {
    assert.equal(new guest.Blob([], { type }).type, new node.Blob([], { type }).type, `type ${JSON.stringify(type)}`);
    assert.equal(new guest.Blob(['x']).slice(0, 1, type as string).type, new node.Blob(['x']).slice(0, 1, type as string).type, `slice type ${JSON.stringify(type)}`);
  }
});

test('Blob endings: transparent keeps line breaks, native makes them LF, like Node on Linux', async () => {
  // No lone CR here: Node leaves those alone, the spec converts them (tested below).
  const text = 'a\r\nb\nc\n\r\nd\r\n\r\n';
  for (const endings of [undefined, 'transparent', 'native']) {
    const g = await describeBlob(new guest.Blob([text, new Uint8Array([13, 10])], { endings }));
    const n = await describeBlob(new node.Blob([text, new Uint8Array([13, 10])], { endings }));
    assert.deepEqual(g, n, `endings ${String(endings)}`);
  }
});

// Node aborts the process on NaN, null, fractional or negative-string indices, so only integers here.
const indices: (number | undefined)[] = [undefined, 0, 1, 2, 3, 7, 12, 13, 100, -1, -2, -5, -12, -13, -100, Infinity, -Infinity, 2 ** 53, -(2 ** 53)];

// File API slice(): [Clamp] long long positions, negative ones counted from the end. Node 22 turns
// an infinite position into the wrong end (slice(0, Infinity) is empty there); Node 24 follows this.
function specSlice(whole: Uint8Array, start: number | undefined, end: number | undefined): Uint8Array {
  const clamp = (x: number) => Math.max(-(2 ** 63), Math.min(2 ** 63 - 1, Math.trunc(x)));
  const relative = (x: number | undefined, fallback: number) => {
    if (x === undefined) return fallback;
    const c = clamp(x);
    return c < 0 ? Math.max(whole.length + c, 0) : Math.min(c, whole.length);
  };
  const from = relative(start, 0);
  return whole.slice(from, Math.max(relative(end, whole.length), from));
}

test('Blob.slice with negative and out-of-range indices matches Node (and the spec for infinities)', async () => {
  for (const parts of [cases['multi-byte']!, cases.mixed!, cases['sliced blob part']!]) {
    const g = build(guest, parts, { type: 'text/plain' });
    const n = build(node, parts, { type: 'text/plain' });
    const whole = new Uint8Array(await n.arrayBuffer());
    for (const start of indices) {
      for (const end of indices) {
        const label = `slice(${String(start)}, ${String(end)})`;
        const gs = g.slice(start, end);
        if (!Number.isFinite(start ?? 0) || !Number.isFinite(end ?? 0)) {
          assert.deepEqual(new Uint8Array(await gs.arrayBuffer()), specSlice(whole, start, end), label);
          continue;
        }
        const ns = n.slice(start, end);
        assert.equal(gs.size, ns.size, label);
        assert.equal(gs.type, '', label);
        assert.deepEqual(new Uint8Array(await gs.arrayBuffer()), new Uint8Array(await ns.arrayBuffer()), label);
      }
    }
  }
});

test('slices of slices match Node', async () => {
  const parts: PartSpec[] = ['0123', { blob: ['4567'] }, new Uint8Array([0x38, 0x39]), 'abcdef'];
  let g = build(guest, parts);
  let n = build(node, parts);
  for (const [start, end] of [[1, -1], [2, undefined], [-9, -2], [1, 4], [0, 1], [5, 9]] as [number, number | undefined][]) {
    g = g.slice(start, end, 'X/Y');
    n = n.slice(start, end, 'X/Y');
    assert.deepEqual(await describeBlob(g), await describeBlob(n));
  }
});

test('text() decodes like Node: BOM, invalid and truncated sequences, surrogates', async () => {
  const samples: number[][] = [
    [0xef, 0xbb, 0xbf, 0x61],
    [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x61],
    [0xef, 0xbb],
    [0xc0, 0x80, 0xc1, 0xbf],
    [0xe0, 0x80, 0x80],
    [0xe0, 0xa0],
    [0xed, 0xa0, 0x80, 0xed, 0xbf, 0xbf],
    [0xf0, 0x8f, 0xbf, 0xbf],
    [0xf4, 0x90, 0x80, 0x80],
    [0xf5, 0xf8, 0xfc, 0xfe, 0xff],
    [0xf0, 0x9f, 0x98],
    [0xf0, 0x9f, 0x98, 0x80, 0x80],
    [0x80, 0x61, 0xbf],
    [0xe2, 0x82, 0x61, 0xac],
  ];
  for (const bytes of samples) {
    const u8 = new Uint8Array(bytes);
    assert.equal(await new guest.Blob([u8]).text(), await new node.Blob([u8]).text(), `bytes ${bytes.join(',')}`);
  }
});

/** A small deterministic PRNG so that failures can be reproduced. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('text() matches Node on random byte sequences biased towards UTF-8 structure', async () => {
  const random = prng(1);
  const interesting = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
  for (let round = 0; round < 1500; round++) {
    const bytes = Array.from({ length: Math.floor(random() * 24) }, () =>
      random() < 0.6 ? interesting[Math.floor(random() * interesting.length)]! : Math.floor(random() * 256),
    );
    const u8 = new Uint8Array(bytes);
    assert.equal(await new guest.Blob([u8]).text(), await new node.Blob([u8]).text(), `bytes ${bytes.join(',')}`);
  }
});

test('string parts encode like Node on random UTF-16 including lone surrogates', async () => {
  const random = prng(2);
  const units = [0x41, 0x7f, 0x80, 0x7ff, 0x800, 0xfffd, 0xffff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xd83d, 0xde00, 0xfeff];
  for (let round = 0; round < 1500; round++) {
    const codes = Array.from({ length: Math.floor(random() * 16) }, () =>
      random() < 0.7 ? units[Math.floor(random() * units.length)]! : Math.floor(random() * 0x10000),
    );
    const s = String.fromCharCode(...codes);
    assert.deepEqual(await new guest.Blob([s]).bytes(), await new node.Blob([s]).bytes(), `codes ${codes.join(',')}`);
  }
});

test('text() of long strings matches Node across the decoder chunk boundary', async () => {
  for (const pad of [8190, 8191, 8192, 8193]) {
    const s = `${'a'.repeat(pad)}𝄞é€${'ü'.repeat(9000)}😀`;
    const g = await new guest.Blob([s]).text();
    assert.equal(g, await new node.Blob([s]).text(), `pad ${pad}`);
    assert.equal(g, s);
  }
});

test('buffers are copied at construction, like Node', async () => {
  const u8 = new Uint8Array([1, 2, 3, 4]);
  const view = new DataView(u8.buffer, 1, 2);
  const g = new guest.Blob([u8, view, u8.buffer]);
  const n = new node.Blob([u8, view, u8.buffer]);
  u8.fill(9);
  assert.deepEqual(await describeBlob(g), await describeBlob(n));
  assert.deepEqual([...(await g.bytes())], [1, 2, 3, 4, 2, 3, 1, 2, 3, 4]);
});

test('bytes() and arrayBuffer() return fresh copies, like Node', async () => {
  for (const realm of [guest, node]) {
    const b = new realm.Blob(['abc', new Uint8Array([1])]);
    const first = await b.bytes();
    first[0] = 0;
    new Uint8Array(await b.arrayBuffer())[1] = 0;
    assert.deepEqual([...(await b.bytes())], [0x61, 0x62, 0x63, 1]);
    assert.equal((await b.bytes()).byteLength, (await b.bytes()).buffer.byteLength);
  }
});

test('invalid arguments throw TypeError, like Node', () => {
  const calls: [string, (r: Realm) => unknown][] = [
    ['string as parts', (r) => new r.Blob('abc')],
    ['plain object as parts', (r) => new r.Blob({})],
    ['null as parts', (r) => new r.Blob(null)],
    ['number as parts', (r) => new r.Blob(5)],
    ['string as options', (r) => new r.Blob([], 'text/plain')],
    ['number as options', (r) => new r.Blob([], 5)],
    ['bad endings', (r) => new r.Blob(['a'], { endings: 'bogus' })],
    ['symbol part', (r) => new r.Blob([Symbol('s')])],
    ['File without name', (r) => new (r.File as unknown as new (p: unknown) => unknown)(['a'])],
    ['File with string options', (r) => new r.File(['a'], 'x', 'str')],
  ];
  for (const [label, call] of calls) {
    assert.throws(() => call(node), TypeError, `node: ${label}`);
    assert.throws(() => call(guest), TypeError, `guest: ${label}`);
  }
});

test('Blob and File string tags match Node', () => {
  for (const realm of [guest, node]) {
    assert.equal(Object.prototype.toString.call(new realm.Blob()), '[object Blob]');
    assert.equal(Object.prototype.toString.call(new realm.File([], 'f')), '[object File]');
    assert.equal(Object.prototype.toString.call(new realm.File(['abc'], 'f').slice(1)), '[object Blob]');
  }
  assert.equal(String(new GuestFile([], 'f')), String(new File([], 'f')));
});

async function describeFile(f: AnyFile): Promise<object> {
  return { ...(await describeBlob(f)), name: f.name, lastModified: f.lastModified };
}

test('File name, type, lastModified and contents match Node', async () => {
  const names: unknown[] = ['a.txt', '', 'dir/x.bin', 'ünï "quoted"\r\n.txt', 123, null];
  const optionSets: unknown[] = [
    { type: 'Text/Plain', lastModified: 0 },
    { lastModified: -1 },
    { lastModified: 1_700_000_000_123 },
    { type: 'image/PNG', lastModified: 42, endings: 'native' },
    { lastModified: 2 ** 52 },
  ];
  for (const name of names) {
    for (const options of optionSets) {
      const parts = (r: Realm): unknown[] => ['x\r\ny', new Uint8Array([0xf0, 0x9f, 0x98, 0x80]), new r.Blob(['b'])];
      const g = await describeFile(new guest.File(parts(guest), name, options));
      const n = await describeFile(new node.File(parts(node), name, options));
      assert.deepEqual(g, n, `name ${JSON.stringify(name)} options ${JSON.stringify(options)}`);
    }
  }
});

test('File lastModified defaults to now, like Node', () => {
  const before = Date.now();
  const g = new guest.File([], 'f');
  const n = new node.File([], 'f');
  const after = Date.now();
  assert.ok(g.lastModified >= before && g.lastModified <= after, `${g.lastModified} not in [${before}, ${after}]`);
  assert.ok(Math.abs(g.lastModified - n.lastModified) <= after - before);
});

test('a File is a Blob; a File part contributes its bytes only', async () => {
  const file = new GuestFile(['inner'], 'in.txt', { type: 'text/plain' });
  assert.ok(file instanceof GuestBlob);
  // A fixed lastModified: the default is "now", which may tick between the two constructions.
  const outer = new GuestFile([file, '!'], 'out.bin', { lastModified: 7 });
  const nodeOuter = new File([new File(['inner'], 'in.txt', { type: 'text/plain' }), '!'], 'out.bin', { lastModified: 7 });
  assert.deepEqual(await describeFile(outer as unknown as AnyFile), await describeFile(nodeOuter as unknown as AnyFile));
});

test('stream() throws TypeError until a factory is installed', () => {
  assert.throws(() => new GuestBlob(['x']).stream(), TypeError);
});

test('stream() hands the bytes to the factory and yields what Node streams', async () => {
  setBlobStreamFactory((bytes) => new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  }));
  const read = async (stream: ReadableStream<Uint8Array>): Promise<number[]> => {
    const out: number[] = [];
    for await (const chunk of stream) {
      assert.ok(chunk instanceof Uint8Array);
      out.push(...chunk);
    }
    return out;
  };
  const parts = (r: Realm): unknown[] => ['héllo', new Uint8Array([0, 255]), new r.Blob(['tail']).slice(1)];
  const g = read(new GuestBlob(parts(guest) as string[]).stream() as ReadableStream<Uint8Array>);
  const n = read(new Blob(parts(node) as string[]).stream() as ReadableStream<Uint8Array>);
  assert.deepEqual(await g, await n);
});

// The tests below check the spec where Node deviates from it, so they have no Node counterpart.

test('spec, not Node: slice indices are [Clamp] long long (NaN is 0, halves round to even)', async () => {
  const b = new GuestBlob(['0123456789']);
  const slice = (start?: unknown, end?: unknown): Promise<string> => b.slice(start as number, end as number).text();
  assert.equal(await slice(NaN), '0123456789');
  assert.equal(await slice(0, NaN), '');
  assert.equal(await slice(1.5), '23456789');
  assert.equal(await slice(2.5), '23456789');
  assert.equal(await slice(0.5), '0123456789');
  assert.equal(await slice(-1.5), '89');
  assert.equal(await slice(-2.5), '89');
  assert.equal(await slice('3', '-2'), '34567');
  assert.equal(await slice(null, 4), '0123');
});

test('spec, not Node: native endings convert a lone CR too', async () => {
  assert.equal(await new GuestBlob(['a\rb\r\nc\r\rd\r'], { endings: 'native' }).text(), 'a\nb\nc\n\nd\n');
  assert.equal(await new GuestBlob(['a\rb'], { endings: 'transparent' }).text(), 'a\rb');
});

test('spec, not Node: File lastModified is a long long (truncated, wrapped modulo 2^64)', () => {
  const lm = (value: unknown): number => new GuestFile([], 'f', { lastModified: value as number }).lastModified;
  assert.equal(lm(5.7), 5);
  assert.equal(lm(-1.5), -1);
  assert.equal(lm('12'), 12);
  assert.equal(lm(NaN), 0);
  assert.equal(lm(Infinity), 0);
  assert.equal(lm(2 ** 64), 0);
  assert.equal(lm(2 ** 63), -(2 ** 63));
  assert.equal(lm(2 ** 64 + 2 ** 12), 2 ** 12);
  assert.ok(Object.is(lm(-0.5), 0));
});

test('spec, not Node: File requires fileBits and has an empty webkitRelativePath', () => {
  assert.throws(() => new GuestFile(undefined as unknown as string[], 'x'), TypeError);
  assert.equal(new GuestFile([], 'x').webkitRelativePath, '');
});

test('blobBytes returns a fresh copy; blobChunks shares memory without copying', () => {
  const source = new Uint8Array([1, 2, 3, 4, 5, 6]);
  const base = new GuestBlob([source, 'ab']);
  const slice = new GuestBlob([base.slice(2, 7), base]);
  const chunks = blobChunks(slice);
  assert.deepEqual(chunks.map((c) => [...c]), [[3, 4, 5, 6], [0x61], [1, 2, 3, 4, 5, 6], [0x61, 0x62]]);
  assert.equal(chunks[0]!.buffer, blobChunks(base)[0]!.buffer);
  const bytes = blobBytes(slice);
  assert.deepEqual([...bytes], [3, 4, 5, 6, 0x61, 1, 2, 3, 4, 5, 6, 0x61, 0x62]);
  bytes.fill(0);
  assert.deepEqual([...blobBytes(base)], [1, 2, 3, 4, 5, 6, 0x61, 0x62]);
  const single = new GuestBlob([source]);
  assert.notEqual(blobBytes(single).buffer, blobChunks(single)[0]!.buffer);
});

test('isBlob and isFile are brand checks that prototypes cannot fake', () => {
  class MyBlob extends GuestBlob {}
  assert.equal(isBlob(new GuestBlob()), true);
  assert.equal(isBlob(new GuestFile([], 'f')), true);
  assert.equal(isBlob(new MyBlob()), true);
  assert.equal(isBlob(Object.create(GuestBlob.prototype)), false);
  assert.equal(isBlob(new Blob([])), false);
  assert.equal(isBlob(null), false);
  assert.equal(isFile(new GuestFile([], 'f')), true);
  assert.equal(isFile(new GuestBlob()), false);
  assert.equal(isFile(Object.create(GuestFile.prototype)), false);
  assert.throws(() => Object.getOwnPropertyDescriptor(GuestBlob.prototype, 'size')!.get!.call({}), TypeError);
});
