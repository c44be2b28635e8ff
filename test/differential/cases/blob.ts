// Cases of the Blob/File differential suite (see ./outcome.ts). Node follows the File API spec
// except where the "spec, not Node" groups say: those are checked against the spec's values.
import { attempt, defineSuite, show } from './outcome.ts';

interface AnyBlob {
  readonly size: number;
  readonly type: string;
  slice(start?: number, end?: number, contentType?: string): AnyBlob;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
  bytes(): Promise<Uint8Array>;
  stream(): ReadableStream<Uint8Array>;
}
interface AnyFile extends AnyBlob {
  readonly name: string;
  readonly lastModified: number;
  readonly webkitRelativePath?: string;
}
export interface Impl {
  Blob: new (parts?: unknown, options?: unknown) => AnyBlob;
  File: new (parts: unknown, name: unknown, options?: unknown) => AnyFile;
}

/** Blob parts described once and built with each implementation (a Blob part must be its own Blob). */
type PartSpec = string | number | null | ArrayBuffer | ArrayBufferView | { toString(): string } | BlobSpec;
interface BlobSpec {
  blob: PartSpec[];
  type?: string;
  slice?: [number | undefined, number | undefined];
}

const isBlobSpec = (p: PartSpec): p is BlobSpec => typeof p === 'object' && p !== null && 'blob' in p;

function build(impl: Impl, parts: PartSpec[], options?: unknown): AnyBlob {
  const built = parts.map((p): unknown => {
    if (!isBlobSpec(p)) return p;
    const inner = build(impl, p.blob, { type: p.type });
    return p.slice === undefined ? inner : inner.slice(p.slice[0], p.slice[1]);
  });
  return new impl.Blob(built, options);
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

async function describeFile(f: AnyFile): Promise<object> {
  return { ...(await describeBlob(f)), name: f.name, lastModified: f.lastModified };
}

function backing(): ArrayBuffer {
  const buffer = new ArrayBuffer(16);
  new Uint8Array(buffer).forEach((_, i, a) => (a[i] = 0xe0 + i));
  return buffer;
}

const PARTS: Record<string, PartSpec[]> = {
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

const TYPES: unknown[] = ['text/plain', 'Text/HTML', 'TEXT/PLAIN; CHARSET=UTF-8', 'image/svg+xml', '', ' ', '~', 'a\u00e9', 'a\x1fb', 'a\x7fb', 'text/plain\n', 'ünïcode/type', null, 42];

// Node aborts the process on NaN, null, fractional or negative-string indices, so only integers here.
const INDICES: (number | undefined)[] = [undefined, 0, 1, 2, 3, 7, 12, 13, 100, -1, -2, -5, -12, -13, -100, Infinity, -Infinity, 2 ** 53, -(2 ** 53)];

// File API slice(): [Clamp] long long positions, negative ones counted from the end. Node 22 turns
// an infinite position into the wrong end (slice(0, Infinity) is empty there); Node 24 follows this.
function specSlice(whole: Uint8Array, start: number | undefined, end: number | undefined): Uint8Array {
  const clamp = (x: number): number => Math.max(-(2 ** 63), Math.min(2 ** 63 - 1, Math.trunc(x)));
  const relative = (x: number | undefined, fallback: number): number => {
    if (x === undefined) return fallback;
    const c = clamp(x);
    return c < 0 ? Math.max(whole.length + c, 0) : Math.min(c, whole.length);
  };
  const from = relative(start, 0);
  return whole.slice(from, Math.max(relative(end, whole.length), from));
}

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

async function readStream(stream: ReadableStream<Uint8Array>): Promise<unknown> {
  const reader = stream.getReader();
  const out: number[] = [];
  const chunksAreBytes: boolean[] = [];
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    chunksAreBytes.push(r.value instanceof Uint8Array);
    out.push(...r.value);
  }
  return [out, chunksAreBytes.every(Boolean)];
}

/** What Node's own Blob and File make of a scenario (for expected values; called in Node only). */
const nodeImpl = (): Impl => ({ Blob: globalThis.Blob, File: globalThis.File }) as unknown as Impl;

export const suite = defineSuite<Impl>((group) => {
  group('Blob contents match Node', (g) => {
    for (const [name, parts] of Object.entries(PARTS)) g.same(name, (impl) => describeBlob(build(impl, parts)));
    g.same('no arguments', ({ Blob }) => describeBlob(new Blob()));
    g.same('undefined parts with a type', ({ Blob }) => describeBlob(new Blob(undefined, { type: 'A/B' })));
  });

  group('Blob accepts any iterable of parts, like Node', (g) => {
    g.same('Set', ({ Blob }) => describeBlob(new Blob(new Set(['ab', 'c', new Uint8Array([0x64])]))));
    g.same('generator', ({ Blob }) => describeBlob(new Blob((function* () {
      yield 'x';
      yield 'yz';
    })())));
  });

  group('Blob type is lower-cased, or empty when not printable ASCII, like Node', (g) => {
    for (const type of TYPES) {
      g.same(`type ${show(type)}`, ({ Blob }) => new Blob([], { type }).type);
      g.same(`slice type ${show(type)}`, ({ Blob }) => new Blob(['x']).slice(0, 1, type as string).type);
    }
  });

  group('Blob endings: transparent keeps line breaks, native makes them LF, like Node on Linux', (g) => {
    // No lone CR here: Node leaves those alone, the spec converts them (a "spec, not Node" case).
    const text = 'a\r\nb\nc\n\r\nd\r\n\r\n';
    for (const endings of [undefined, 'transparent', 'native']) {
      g.same(`endings ${String(endings)}`, ({ Blob }) => describeBlob(new Blob([text, new Uint8Array([13, 10])], { endings })));
    }
  });

  group('Blob.slice with negative and out-of-range indices matches Node (and the spec for infinities)', (g) => {
    for (const partsName of ['multi-byte', 'mixed', 'sliced blob part']) {
      const parts = PARTS[partsName]!;
      for (const start of INDICES) {
        for (const end of INDICES) {
          const name = `${partsName}: slice(${String(start)}, ${String(end)})`;
          const sliced = async (impl: Impl): Promise<Uint8Array> => new Uint8Array(await build(impl, parts, { type: 'text/plain' }).slice(start, end).arrayBuffer());
          if (Number.isFinite(start ?? 0) && Number.isFinite(end ?? 0)) {
            g.same(name, async (impl) => {
              const s = build(impl, parts, { type: 'text/plain' }).slice(start, end);
              return [s.size, s.type, await sliced(impl)];
            });
          } else {
            g.expect(name, sliced, async () => specSlice(new Uint8Array(await build(nodeImpl(), parts).arrayBuffer()), start, end));
          }
        }
      }
    }
  });

  group('slices of slices match Node', (g) => {
    g.same('six levels', async (impl) => {
      let b = build(impl, ['0123', { blob: ['4567'] }, new Uint8Array([0x38, 0x39]), 'abcdef']);
      const out: unknown[] = [];
      for (const [start, end] of [[1, -1], [2, undefined], [-9, -2], [1, 4], [0, 1], [5, 9]] as [number, number | undefined][]) {
        b = b.slice(start, end, 'X/Y');
        out.push(await describeBlob(b));
      }
      return out;
    });
  });

  group('text() decodes like Node: BOM, invalid and truncated sequences, surrogates', (g) => {
    const samples: number[][] = [
      [0xef, 0xbb, 0xbf, 0x61], [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x61], [0xef, 0xbb], [0xc0, 0x80, 0xc1, 0xbf], [0xe0, 0x80, 0x80],
      [0xe0, 0xa0], [0xed, 0xa0, 0x80, 0xed, 0xbf, 0xbf], [0xf0, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0xf8, 0xfc, 0xfe, 0xff],
      [0xf0, 0x9f, 0x98], [0xf0, 0x9f, 0x98, 0x80, 0x80], [0x80, 0x61, 0xbf], [0xe2, 0x82, 0x61, 0xac],
    ];
    for (const bytes of samples) g.same(`bytes ${bytes.join(',')}`, ({ Blob }) => new Blob([new Uint8Array(bytes)]).text());
  });

  group('text() matches Node on random byte sequences biased towards UTF-8 structure', (g) => {
    const random = prng(1);
    const interesting = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
    for (let round = 0; round < 1500; round++) {
      const bytes = Array.from({ length: Math.floor(random() * 24) }, () =>
        random() < 0.6 ? interesting[Math.floor(random() * interesting.length)]! : Math.floor(random() * 256),
      );
      g.same(`round ${round}: bytes ${bytes.join(',')}`, ({ Blob }) => new Blob([new Uint8Array(bytes)]).text());
    }
  });

  group('string parts encode like Node on random UTF-16 including lone surrogates', (g) => {
    const random = prng(2);
    const units = [0x41, 0x7f, 0x80, 0x7ff, 0x800, 0xfffd, 0xffff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xd83d, 0xde00, 0xfeff];
    for (let round = 0; round < 1500; round++) {
      const codes = Array.from({ length: Math.floor(random() * 16) }, () =>
        random() < 0.7 ? units[Math.floor(random() * units.length)]! : Math.floor(random() * 0x10000),
      );
      g.same(`round ${round}: codes ${codes.join(',')}`, ({ Blob }) => new Blob([String.fromCharCode(...codes)]).bytes());
    }
  });

  group('text() of long strings matches Node across the decoder chunk boundary', (g) => {
    for (const pad of [8190, 8191, 8192, 8193]) {
      const s = `${'a'.repeat(pad)}𝄞é€${'ü'.repeat(9000)}😀`;
      g.both(`pad ${pad}`, ({ Blob }) => new Blob([s]).text(), s);
    }
  });

  group('buffers are copied at construction, like Node', (g) => {
    const make = (impl: Impl): AnyBlob => {
      const u8 = new Uint8Array([1, 2, 3, 4]);
      const b = new impl.Blob([u8, new DataView(u8.buffer, 1, 2), u8.buffer]);
      u8.fill(9);
      return b;
    };
    g.same('contents', (impl) => describeBlob(make(impl)));
    g.both('bytes', async (impl) => [...(await make(impl).bytes())], [1, 2, 3, 4, 2, 3, 1, 2, 3, 4]);
  });

  group('bytes() and arrayBuffer() return fresh copies, like Node', (g) => {
    g.both('mutated results', async ({ Blob }) => {
      const b = new Blob(['abc', new Uint8Array([1])]);
      const first = await b.bytes();
      first[0] = 0;
      new Uint8Array(await b.arrayBuffer())[1] = 0;
      return [[...(await b.bytes())], (await b.bytes()).byteLength === (await b.bytes()).buffer.byteLength];
    }, [[0x61, 0x62, 0x63, 1], true]);
  });

  group('invalid arguments throw TypeError, like Node', (g) => {
    const calls: [string, (r: Impl) => unknown][] = [
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
      ['size of a foreign receiver', (r) => Object.getOwnPropertyDescriptor(r.Blob.prototype, 'size')!.get!.call({})],
    ];
    for (const [label, call] of calls) g.both(label, (impl) => attempt(() => call(impl)), { threw: new TypeError() });
  });

  group('Blob and File string tags match Node', (g) => {
    g.both('tags', ({ Blob, File }) => [
      Object.prototype.toString.call(new Blob()),
      Object.prototype.toString.call(new File([], 'f')),
      Object.prototype.toString.call(new File(['abc'], 'f').slice(1)),
    ], ['[object Blob]', '[object File]', '[object Blob]']);
    g.same('String(file)', ({ File }) => String(new File([], 'f')));
  });

  group('File name, type, lastModified and contents match Node', (g) => {
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
        g.same(`name ${show(name)} options ${show(options)}`, (impl) =>
          describeFile(new impl.File(['x\r\ny', new Uint8Array([0xf0, 0x9f, 0x98, 0x80]), new impl.Blob(['b'])], name, options)),
        );
      }
    }
  });

  group('File lastModified defaults to now, like Node', (g) => {
    g.both('between two readings of the clock', ({ File }) => {
      const before = Date.now();
      const lastModified = new File([], 'f').lastModified;
      return before <= lastModified && lastModified <= Date.now();
    }, true);
  });

  group('a File is a Blob; a File part contributes its bytes only', (g) => {
    g.same('a File part', async ({ Blob, File }) => {
      const file = new File(['inner'], 'in.txt', { type: 'text/plain' });
      // A fixed lastModified: the default is "now", which may tick between the two constructions.
      return [file instanceof Blob, await describeFile(new File([file, '!'], 'out.bin', { lastModified: 7 }))];
    });
  });

  group('stream() yields what Node streams', (g) => {
    g.same('a stream of every part', ({ Blob }) => readStream(new Blob(['héllo', new Uint8Array([0, 255]), new Blob(['tail']).slice(1)]).stream()));
  });

  group('spec, not Node: slice indices are [Clamp] long long (NaN is 0, halves round to even)', (g) => {
    const calls: [unknown, unknown, string][] = [
      [NaN, undefined, '0123456789'], [0, NaN, ''], [1.5, undefined, '23456789'], [2.5, undefined, '23456789'], [0.5, undefined, '0123456789'],
      [-1.5, undefined, '89'], [-2.5, undefined, '89'], ['3', '-2', '34567'], [null, 4, '0123'],
    ];
    for (const [start, end, expected] of calls) {
      g.expect(`slice(${show(start)}, ${show(end)})`, ({ Blob }) => new Blob(['0123456789']).slice(start as number, end as number).text(), expected);
    }
  });

  group('spec, not Node: native endings convert a lone CR too', (g) => {
    g.expect('native', ({ Blob }) => new Blob(['a\rb\r\nc\r\rd\r'], { endings: 'native' }).text(), 'a\nb\nc\n\nd\n');
    g.expect('transparent', ({ Blob }) => new Blob(['a\rb'], { endings: 'transparent' }).text(), 'a\rb');
  });

  group('spec, not Node: File lastModified is a long long (truncated, wrapped modulo 2^64)', (g) => {
    const values: [unknown, number][] = [
      [5.7, 5], [-1.5, -1], ['12', 12], [NaN, 0], [Infinity, 0], [2 ** 64, 0], [2 ** 63, -(2 ** 63)], [2 ** 64 + 2 ** 12, 2 ** 12], [-0.5, 0],
    ];
    for (const [value, expected] of values) {
      g.expect(`lastModified ${show(value)}`, ({ File }) => new File([], 'f', { lastModified: value }).lastModified, expected);
    }
  });

  group('spec, not Node: File requires fileBits and has an empty webkitRelativePath', (g) => {
    g.expect('no fileBits', ({ File }) => attempt(() => new File(undefined, 'x')), { threw: new TypeError() });
    g.expect('webkitRelativePath', ({ File }) => new File([], 'x').webkitRelativePath, '');
  });
});
