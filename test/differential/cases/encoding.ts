// Cases of the TextEncoder/TextDecoder differential suite (see ./outcome.ts).
import { attempt, defineSuite, show, type Group, seededRandom } from './outcome.ts';

export interface Impl {
  TextEncoder: typeof globalThis.TextEncoder;
  TextDecoder: typeof globalThis.TextDecoder;
}
type Decoder = { decode(input?: unknown, options?: { stream?: boolean }): string; encoding: string; fatal: boolean; ignoreBOM: boolean };
type DecoderCtor = new (label?: unknown, options?: unknown) => Decoder;

/** `use` of a decoder made with (label, options). */
const decoder = (label: unknown, options: unknown, use: (d: Decoder) => unknown) => (impl: Impl): unknown =>
  use(new (impl.TextDecoder as unknown as DecoderCtor)(label, options));

const rand = seededRandom(0x9e3779b9);

export const STRINGS = [
  '', 'hello', '\u0000', '\u007f\u0080', '\u00e9t\u00e9', '\u07ff\u0800', '\uffff', '\ufeffbom', '\u20ac100',
  '\ud83d\ude00', 'a\ud800b', 'a\udc00b', '\ud800', '\udfff', '\ud800\ud800', '\udc00\ud800', 'x\ud83d', '\ude00x',
  '\ud83d\ude00\ud83d', 'mixed \u4e2d\u6587 \ud83c\udf89 text',
];

// Invalid and edge-case UTF-8 sequences (from the Encoding spec and the WPT suite).
export const UTF8_CASES: number[][] = [
  [0xc0], [0xc1, 0x80], [0xc2], [0xc2, 0x41], [0xdf, 0xbf], [0xe0, 0x80, 0x80], [0xe0, 0xa0, 0x80], [0xe0, 0xa0],
  [0xed, 0x9f, 0xbf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xee, 0x80, 0x80], [0xef, 0xbf, 0xbf],
  [0xf0, 0x80, 0x80, 0x80], [0xf0, 0x90, 0x80, 0x80], [0xf0, 0x9f, 0x98], [0xf0, 0x9f, 0x98, 0x80],
  [0xf4, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xfe], [0xff], [0x80], [0xbf, 0x80], [0xe2, 0x82], [0xe2, 0x28, 0xa1], [0xe2, 0x82, 0x28], [0x61, 0xf0, 0x62],
  [0xf0, 0x9f, 0x41, 0x80], [0xef, 0xbb, 0xbf], [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x41], [0xef, 0xbb], [0x41, 0xef, 0xbb, 0xbf],
  [0xc2, 0xc2, 0x80], [0xe1, 0x80, 0xe1, 0x80, 0x80], [0x00, 0x7f, 0xc3, 0xa9],
];

const bytesName = (bytes: ArrayLike<number>): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ') || 'none';

/** A Uint8Array subclass (as Node's Buffer is) over part of a larger buffer. */
class SubclassedBytes extends Uint8Array {}

function encoderCases(g: Group<Impl>): void {
  for (const s of STRINGS) g.same(`encode ${show(s)}`, ({ TextEncoder }) => new TextEncoder().encode(s));
  g.same('encode()', ({ TextEncoder }) => new TextEncoder().encode());
  for (const v of [undefined, null, 12.5]) g.same(`encode(${show(v)})`, ({ TextEncoder }) => new TextEncoder().encode(v as never));
  g.same('encoding', ({ TextEncoder }) => new TextEncoder().encoding);
  g.expect('the result owns exactly its bytes', ({ TextEncoder }) => new TextEncoder().encode('a\u20ac').buffer.byteLength, 4);
}

export const suite = defineSuite<Impl>((group) => {
  group('TextEncoder: encode() matches for BMP, astral and lone-surrogate input', encoderCases);

  group('TextEncoder: encode() matches on random UTF-16 input', (g) => {
    const pool = [0x41, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xfffd, 0xffff];
    for (let round = 0; round < 300; round++) {
      let s = '';
      const len = rand(12);
      for (let i = 0; i < len; i++) s += String.fromCharCode(rand(3) === 0 ? rand(0x10000) : pool[rand(pool.length)]!);
      g.same(`round ${round}`, ({ TextEncoder }) => new TextEncoder().encode(s));
    }
  });

  group('TextEncoder: encodeInto() reports read/written and never splits a code point', (g) => {
    for (const s of STRINGS) {
      for (let size = 0; size <= 12; size++) {
        g.same(`${show(s)} into ${size}`, ({ TextEncoder }) => {
          const dest = new Uint8Array(size).fill(0xaa);
          return [new TextEncoder().encodeInto(s, dest), dest];
        });
      }
    }
    g.same('into a subarray', ({ TextEncoder }) => {
      const buf = new Uint8Array(16);
      return [new TextEncoder().encodeInto('abc', buf.subarray(5, 7)), buf];
    });
  });

  group('TextEncoder: encodeInto() rejects a destination that is not a Uint8Array', (g) => {
    const dests = [new Uint16Array(4), new ArrayBuffer(4), [0, 0], null, new DataView(new ArrayBuffer(4))];
    dests.forEach((dest, i) => g.same(`#${i} ${Object.prototype.toString.call(dest)}`, ({ TextEncoder }) => attempt(() => new TextEncoder().encodeInto('a', dest as never))));
    // Node's Buffer in the original Node-only suite: a Uint8Array subclass, at an offset.
    g.same('a Uint8Array subclass', ({ TextEncoder }) => {
      const dest = new SubclassedBytes(new ArrayBuffer(8), 3, 4);
      return [attempt(() => new TextEncoder().encodeInto('ab', dest)), [...dest]];
    });
  });

  group('TextEncoder: works without new (EdgeOne), keeps instanceof, tags and constructor identity', (g) => {
    g.expect('called as a function', ({ TextEncoder }) => {
      const e = (TextEncoder as unknown as () => InstanceType<Impl['TextEncoder']>)();
      class Sub extends (TextEncoder as unknown as new () => object) {}
      return [
        e instanceof TextEncoder, Object.prototype.toString.call(e), e.constructor === TextEncoder, TextEncoder.name,
        Object.getPrototypeOf(e) === TextEncoder.prototype, [...e.encode('\u00e9')], new Sub() instanceof TextEncoder,
      ];
    }, [true, '[object TextEncoder]', true, 'TextEncoder', true, [0xc3, 0xa9], true]);
    g.same('string tag', ({ TextEncoder }) => Object.prototype.toString.call(new TextEncoder()));
    g.same('prototype keys', ({ TextEncoder }) => Object.keys(TextEncoder.prototype).sort());
  });

  group('TextDecoder: resolves the same labels to the same encodings and rejects unknown ones with RangeError', (g) => {
    const labels = [
      'unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'utf-8', 'utf8', 'x-unicode20utf8', 'UTF-8', ' utf-8\n', '\t\fUtF8 ',
      'csunicode', 'iso-10646-ucs-2', 'ucs-2', 'unicode', 'unicodefeff', 'utf-16', 'utf-16le', 'UTF-16LE',
      'ansi_x3.4-1968', 'ascii', 'cp1252', 'cp819', 'csisolatin1', 'ibm819', 'iso-8859-1', 'iso-ir-100', 'iso8859-1',
      'iso88591', 'iso_8859-1', 'iso_8859-1:1987', 'l1', 'latin1', 'us-ascii', 'windows-1252', 'x-cp1252', 'LATIN1',
      'utf-9', '', 'utf -8', 'utf-8\u00a0', 'replacement', 'bogus', undefined, null,
    ];
    for (const label of labels) g.same(`label ${show(label)}`, decoder(label, undefined, (d) => [d.encoding, d.fatal, d.ignoreBOM]));
    g.same('truthy options', decoder('utf-8', { fatal: 1, ignoreBOM: 'yes' }, (d) => [d.fatal, d.ignoreBOM]));
    g.same('null options', decoder('utf-8', null, (d) => [d.fatal, d.ignoreBOM]));
    g.same('number options', decoder('utf-8', 5, (d) => d.encoding));
  });

  group('TextDecoder: decodes valid, invalid and truncated UTF-8 like Node (replacement mode)', (g) => {
    for (const bytes of UTF8_CASES) {
      g.same(bytesName(bytes), decoder('utf-8', undefined, (d) => d.decode(new Uint8Array(bytes))));
      g.same(`${bytesName(bytes)}, ignoreBOM`, decoder('utf-8', { ignoreBOM: true }, (d) => d.decode(new Uint8Array(bytes))));
    }
  });

  group('TextDecoder: fatal mode throws TypeError on exactly the inputs that need replacement', (g) => {
    for (const bytes of UTF8_CASES) g.same(bytesName(bytes), decoder('utf-8', { fatal: true }, (d) => d.decode(new Uint8Array(bytes))));
    g.same('usable again after a fatal error', decoder('utf-8', { fatal: true }, (d) => [attempt(() => d.decode(new Uint8Array([0xff]))), d.decode(new Uint8Array([0x41]))]));
  });

  group('TextDecoder: matches Node on random byte soup, whole and streamed byte by byte', (g) => {
    const pool = [0x00, 0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x9f, 0xa0, 0x90, 0x8f];
    for (let round = 0; round < 400; round++) {
      const bytes = new Uint8Array(rand(10));
      for (let i = 0; i < bytes.length; i++) bytes[i] = rand(2) === 0 ? rand(256) : pool[rand(pool.length)]!;
      g.same(`round ${round}: ${bytesName(bytes)}`, (impl) => [
        attempt(() => decoder('utf-8', undefined, (d) => d.decode(bytes))(impl)),
        attempt(() => decoder('utf-8', { fatal: true }, (d) => d.decode(bytes))(impl)),
        attempt(() => decoder('utf-8', undefined, (d) => {
          let s = '';
          for (const b of bytes) s += d.decode(new Uint8Array([b]), { stream: true });
          return s + d.decode();
        })(impl)),
      ]);
    }
  });

  group('TextDecoder: streams multi-byte sequences split at every position', (g) => {
    const inputs = ['\u00e9\u20ac\ud83d\ude00z', '\ufeff\ud83d\ude00'].map((s) => new TextEncoder().encode(s));
    inputs.push(new Uint8Array([0xf0, 0x9f, 0x98, 0x41, 0xe2, 0x82, 0xac, 0xe2, 0x82]));
    for (const bytes of inputs) {
      for (let cut = 0; cut <= bytes.length; cut++) {
        for (let cut2 = cut; cut2 <= bytes.length; cut2++) {
          const use = (d: Decoder): unknown => [
            d.decode(bytes.subarray(0, cut), { stream: true }),
            d.decode(bytes.subarray(cut, cut2), { stream: true }),
            d.decode(bytes.subarray(cut2)),
          ];
          const name = `${bytesName(bytes)} cut at ${cut}, ${cut2}`;
          g.same(name, decoder('utf-8', undefined, use));
          g.same(`${name}, fatal`, decoder('utf-8', { fatal: true }, use));
          g.same(`${name}, ignoreBOM`, decoder('utf-8', { ignoreBOM: true }, use));
        }
      }
    }
  });

  group('TextDecoder: handles the BOM: stripped once per stream, kept with ignoreBOM, not stripped mid-stream', (g) => {
    const bom = [0xef, 0xbb, 0xbf];
    g.same('two decodes', decoder('utf-8', undefined, (d) => [d.decode(new Uint8Array([...bom, 0x41])), d.decode(new Uint8Array([...bom, 0x42]))]));
    g.same('mid-stream', decoder('utf-8', undefined, (d) => [
      d.decode(new Uint8Array([0x41]), { stream: true }),
      d.decode(new Uint8Array(bom), { stream: true }),
      d.decode(),
    ]));
    g.same('split BOM', decoder('utf-8', undefined, (d) => [
      d.decode(new Uint8Array(0), { stream: true }),
      d.decode(new Uint8Array([0xef]), { stream: true }),
      d.decode(new Uint8Array([0xbb, 0xbf, 0x43]), { stream: true }),
      d.decode(new Uint8Array(bom)),
      d.decode(new Uint8Array(bom)),
    ]));
    g.same('ignoreBOM', decoder('utf-8', { ignoreBOM: true }, (d) => d.decode(new Uint8Array([...bom, ...bom]))));
    g.same('UTF-16LE', decoder('utf-16le', undefined, (d) => [d.decode(new Uint8Array([0xff, 0xfe, 0x41, 0x00])), d.decode(new Uint8Array([0xff, 0xfe]))]));
    g.same('UTF-16LE, ignoreBOM', decoder('utf-16le', { ignoreBOM: true }, (d) => d.decode(new Uint8Array([0xff, 0xfe, 0x41, 0x00]))));
    g.same('windows-1252', decoder('windows-1252', undefined, (d) => d.decode(new Uint8Array(bom))));
  });

  group('TextDecoder: decodes UTF-16LE like Node, including surrogates, odd lengths and streaming', (g) => {
    const cases: number[][] = [
      [], [0x41], [0x41, 0x00], [0x41, 0x00, 0x42], [0x3d, 0xd8, 0x00, 0xde], [0x3d, 0xd8], [0x00, 0xde], [0x3d, 0xd8, 0x41, 0x00],
      [0x3d, 0xd8, 0x3d, 0xd8, 0x00, 0xde], [0x00, 0xde, 0x3d, 0xd8], [0xac, 0x20, 0x3d, 0xd8, 0x00],
    ];
    for (const bytes of cases) {
      const input = new Uint8Array(bytes);
      g.same(bytesName(bytes), decoder('utf-16le', undefined, (d) => d.decode(input)));
      g.same(`${bytesName(bytes)}, fatal`, decoder('utf-16le', { fatal: true }, (d) => d.decode(input)));
      for (let cut = 0; cut <= input.length; cut++) {
        g.same(`${bytesName(bytes)} cut at ${cut}`, decoder('utf-16le', undefined, (d) => [d.decode(input.subarray(0, cut), { stream: true }), d.decode(input.subarray(cut))]));
      }
    }
    for (let round = 0; round < 200; round++) {
      const bytes = new Uint8Array(rand(9));
      for (let i = 0; i < bytes.length; i++) bytes[i] = i % 2 === 1 && rand(2) === 0 ? 0xd8 + rand(8) : rand(256);
      g.same(`round ${round}: ${bytesName(bytes)}`, decoder('utf-16le', undefined, (d) => d.decode(bytes)));
    }
  });

  group('TextDecoder: decodes windows-1252 (latin1 labels) like Node outside 0x80-0x9F', (g) => {
    const outside = new Uint8Array(224).map((_, i) => (i < 128 ? i : i + 32));
    for (const label of ['windows-1252', 'latin1', 'iso-8859-1', 'ascii', 'us-ascii', 'cp1252', 'l1']) {
      g.same(label, decoder(label, undefined, (d) => d.decode(outside)));
      g.same(`${label}, fatal`, decoder(label, { fatal: true }, (d) => d.decode(outside)));
      g.same(`${label}, streamed`, decoder(label, undefined, (d) => [d.decode(new Uint8Array([0x41, 0xe9]), { stream: true }), d.decode()]));
    }
  });

  group('TextDecoder: decodes 0x80-0x9F with the windows-1252 index (Node 20 wrongly yields C1 controls)', (g) => {
    const expected =
      '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
      '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';
    const c1 = new Uint8Array(32).map((_, i) => 0x80 + i);
    for (const label of ['windows-1252', 'latin1', 'ascii']) {
      g.expect(label, decoder(label, undefined, (d) => d.decode(c1)), expected);
      g.expect(`${label}, fatal`, decoder(label, { fatal: true }, (d) => d.decode(new Uint8Array([0x41, 0x80, 0xff]))), 'A\u20ac\u00ff');
    }
  });

  group('TextDecoder: accepts ArrayBuffer and every ArrayBufferView, respecting offsets', (g) => {
    const bytes = new TextEncoder().encode('xx\u00e9\u20ac\ud83d\ude00yy');
    const buffer = bytes.buffer.slice(0);
    // The original Node-only suite also decoded a Buffer: here a Uint8Array subclass at an offset.
    const subclassed = new SubclassedBytes(new ArrayBuffer(12), 5, 5);
    subclassed.set([0x62, 0x75, 0x66, 0xc3, 0xa9]);
    const inputs: unknown[] = [
      buffer,
      new DataView(buffer, 2, 9),
      new Uint8Array(buffer, 2, 9),
      new Int8Array(buffer, 1),
      new Uint16Array(new ArrayBuffer(4)),
      new Float64Array([1.5]),
      subclassed,
      new Uint8ClampedArray([0x68, 0x69]),
      new SharedArrayBuffer(2),
      undefined,
      'str', 5, null, {}, [0x41],
    ];
    inputs.forEach((input, i) => g.same(`#${i} ${Object.prototype.toString.call(input)}`, decoder('utf-8', undefined, (d) => d.decode(input))));
  });

  group('TextDecoder: rejects a non-object decode options argument (WebIDL dictionary; Node ignores it)', (g) => {
    g.expect('number options', decoder(undefined, undefined, (d) => attempt(() => d.decode(new Uint8Array([0x41]), 5 as never))), { threw: new TypeError() });
    g.expect('null options', decoder(undefined, undefined, (d) => d.decode(new Uint8Array([0x41]), null as never)), 'A');
  });

  group('TextDecoder: works without new, keeps instanceof, tags and constructor identity', (g) => {
    g.expect('called as a function', ({ TextDecoder }) => {
      const callable = TextDecoder as unknown as (label?: string) => InstanceType<Impl['TextDecoder']>;
      const d = callable('latin1');
      return [d instanceof TextDecoder, d.encoding, d.constructor === TextDecoder, TextDecoder.name, attempt(() => callable('nope'))];
    }, [true, 'windows-1252', true, 'TextDecoder', { threw: new RangeError() }]);
    g.same('string tag', ({ TextDecoder }) => Object.prototype.toString.call(new TextDecoder('latin1')));
    g.same('prototype keys', ({ TextDecoder }) => Object.keys(TextDecoder.prototype).sort());
  });
});
