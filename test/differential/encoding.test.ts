// Differential tests: the guest TextEncoder/TextDecoder against Node's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  TextDecoder as GuestDecoder,
  TextEncoder as GuestEncoder,
  utf8Decode,
  utf8DecodeWithoutBOM,
  utf8Encode,
} from '../../src/runtime/guest/encoding.ts';

const NodeEncoder = globalThis.TextEncoder;
const NodeDecoder = globalThis.TextDecoder;
type DecoderLike = { decode(input?: unknown, options?: { stream?: boolean }): string; encoding: string; fatal: boolean; ignoreBOM: boolean };
type DecoderCtor = new (label?: unknown, options?: unknown) => DecoderLike;
const GuestD = GuestDecoder as unknown as DecoderCtor;
const NodeD = NodeDecoder as unknown as DecoderCtor;

function outcome(fn: () => unknown): unknown {
  try {
    return { value: fn() };
  } catch (err) {
    return { threw: err instanceof Error ? err.name : typeof err };
  }
}

/** Constructs a decoder with each implementation and compares what `use` returns. */
function sameDecoder(label: unknown, options: unknown, use: (d: DecoderLike) => unknown): void {
  const run = (C: DecoderCtor): unknown => outcome(() => use(new C(label, options)));
  assert.deepEqual(run(GuestD), run(NodeD));
}

let seed = 0x9e3779b9;
function rand(n: number): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
}

const STRINGS = [
  '', 'hello', '\u0000', '\u007f\u0080', '\u00e9t\u00e9', '\u07ff\u0800', '\uffff', '\ufeffbom', '\u20ac100',
  '\ud83d\ude00', 'a\ud800b', 'a\udc00b', '\ud800', '\udfff', '\ud800\ud800', '\udc00\ud800', 'x\ud83d', '\ude00x',
  '\ud83d\ude00\ud83d', 'mixed \u4e2d\u6587 \ud83c\udf89 text',
];

// Invalid and edge-case UTF-8 sequences (from the Encoding spec and the WPT suite).
const UTF8_CASES: number[][] = [
  [0xc0], [0xc1, 0x80], [0xc2], [0xc2, 0x41], [0xdf, 0xbf], [0xe0, 0x80, 0x80], [0xe0, 0xa0, 0x80], [0xe0, 0xa0],
  [0xed, 0x9f, 0xbf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xee, 0x80, 0x80], [0xef, 0xbf, 0xbf],
  [0xf0, 0x80, 0x80, 0x80], [0xf0, 0x90, 0x80, 0x80], [0xf0, 0x9f, 0x98], [0xf0, 0x9f, 0x98, 0x80],
  [0xf4, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xfe], [0xff], [0x80], [0xbf, 0x80], [0xe2, 0x82], [0xe2, 0x28, 0xa1], [0xe2, 0x82, 0x28], [0x61, 0xf0, 0x62],
  [0xf0, 0x9f, 0x41, 0x80], [0xef, 0xbb, 0xbf], [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x41], [0xef, 0xbb], [0x41, 0xef, 0xbb, 0xbf],
  [0xc2, 0xc2, 0x80], [0xe1, 0x80, 0xe1, 0x80, 0x80], [0x00, 0x7f, 0xc3, 0xa9],
];

describe('TextEncoder (differential against Node)', () => {
  it('encode() matches for BMP, astral and lone-surrogate input', () => {
    const ours = new GuestEncoder();
    const theirs = new NodeEncoder();
    for (const s of STRINGS) assert.deepEqual([...ours.encode(s)], [...theirs.encode(s)], JSON.stringify(s));
    assert.deepEqual([...ours.encode()], [...theirs.encode()]);
    assert.deepEqual([...ours.encode(undefined)], [...theirs.encode(undefined)]);
    assert.deepEqual([...ours.encode(null as never)], [...theirs.encode(null as never)]);
    assert.deepEqual([...ours.encode(12.5 as never)], [...theirs.encode(12.5 as never)]);
    assert.equal(ours.encode('a\u20ac').buffer.byteLength, 4);
    assert.equal(ours.encoding, theirs.encoding);
  });

  it('encode() matches on random UTF-16 input', () => {
    const ours = new GuestEncoder();
    const theirs = new NodeEncoder();
    const pool = [0x41, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xfffd, 0xffff];
    for (let round = 0; round < 300; round++) {
      let s = '';
      const len = rand(12);
      for (let i = 0; i < len; i++) s += String.fromCharCode(rand(3) === 0 ? rand(0x10000) : (pool[rand(pool.length)] as number));
      assert.deepEqual([...ours.encode(s)], [...theirs.encode(s)]);
    }
  });

  it('encodeInto() reports read/written and never splits a code point', () => {
    const ours = new GuestEncoder();
    const theirs = new NodeEncoder();
    for (const s of STRINGS) {
      for (let size = 0; size <= 12; size++) {
        const a = new Uint8Array(size).fill(0xaa);
        const b = new Uint8Array(size).fill(0xaa);
        assert.deepEqual(ours.encodeInto(s, a), theirs.encodeInto(s, b), `${JSON.stringify(s)} into ${size}`);
        assert.deepEqual([...a], [...b]);
      }
    }
    const buf = new Uint8Array(16);
    assert.deepEqual(ours.encodeInto('abc', buf.subarray(5, 7)), theirs.encodeInto('abc', new Uint8Array(16).subarray(5, 7)));
  });

  it('encodeInto() rejects a destination that is not a Uint8Array', () => {
    const ours = new GuestEncoder();
    const theirs = new NodeEncoder();
    for (const dest of [new Uint16Array(4), new ArrayBuffer(4), [0, 0], null, new DataView(new ArrayBuffer(4))]) {
      assert.deepEqual(
        outcome(() => ours.encodeInto('a', dest as never)),
        outcome(() => theirs.encodeInto('a', dest as never)),
      );
    }
    assert.deepEqual(outcome(() => ours.encodeInto('ab', Buffer.alloc(4))), outcome(() => theirs.encodeInto('ab', Buffer.alloc(4))));
  });

  it('works without new (EdgeOne), keeps instanceof, tags and constructor identity', () => {
    const callable = GuestEncoder as unknown as () => InstanceType<typeof GuestEncoder>;
    const e = callable();
    assert.ok(e instanceof GuestEncoder);
    assert.equal(Object.prototype.toString.call(e), '[object TextEncoder]');
    assert.equal(Object.prototype.toString.call(e), Object.prototype.toString.call(new NodeEncoder()));
    assert.equal(e.constructor, GuestEncoder);
    assert.equal(GuestEncoder.name, 'TextEncoder');
    assert.equal(Object.getPrototypeOf(e), GuestEncoder.prototype);
    assert.deepEqual([...e.encode('\u00e9')], [0xc3, 0xa9]);
    class Sub extends (GuestEncoder as unknown as new () => object) {}
    assert.ok(new Sub() instanceof GuestEncoder);
    assert.deepEqual(Object.keys(GuestEncoder.prototype).sort(), Object.keys(NodeEncoder.prototype).sort());
  });
});

describe('TextDecoder (differential against Node)', () => {
  it('resolves the same labels to the same encodings and rejects unknown ones with RangeError', () => {
    const labels = [
      'unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'utf-8', 'utf8', 'x-unicode20utf8', 'UTF-8', ' utf-8\n', '\t\fUtF8 ',
      'csunicode', 'iso-10646-ucs-2', 'ucs-2', 'unicode', 'unicodefeff', 'utf-16', 'utf-16le', 'UTF-16LE',
      'ansi_x3.4-1968', 'ascii', 'cp1252', 'cp819', 'csisolatin1', 'ibm819', 'iso-8859-1', 'iso-ir-100', 'iso8859-1',
      'iso88591', 'iso_8859-1', 'iso_8859-1:1987', 'l1', 'latin1', 'us-ascii', 'windows-1252', 'x-cp1252', 'LATIN1',
      'utf-9', '', 'utf -8', 'utf-8\u00a0', 'replacement', 'bogus', undefined, null,
    ];
    for (const label of labels) sameDecoder(label, undefined, (d) => [d.encoding, d.fatal, d.ignoreBOM]);
    sameDecoder('utf-8', { fatal: 1, ignoreBOM: 'yes' }, (d) => [d.fatal, d.ignoreBOM]);
    sameDecoder('utf-8', null, (d) => [d.fatal, d.ignoreBOM]);
    sameDecoder('utf-8', 5, (d) => d.encoding);
  });

  it('decodes valid, invalid and truncated UTF-8 like Node (replacement mode)', () => {
    for (const bytes of UTF8_CASES) {
      sameDecoder('utf-8', undefined, (d) => d.decode(new Uint8Array(bytes)));
      sameDecoder('utf-8', { ignoreBOM: true }, (d) => d.decode(new Uint8Array(bytes)));
    }
  });

  it('fatal mode throws TypeError on exactly the inputs that need replacement', () => {
    for (const bytes of UTF8_CASES) {
      sameDecoder('utf-8', { fatal: true }, (d) => d.decode(new Uint8Array(bytes)));
    }
    // The decoder is usable again after a fatal error.
    sameDecoder('utf-8', { fatal: true }, (d) => [outcome(() => d.decode(new Uint8Array([0xff]))), d.decode(new Uint8Array([0x41]))]);
  });

  it('matches Node on random byte soup, whole and streamed byte by byte', () => {
    const pool = [0x00, 0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x9f, 0xa0, 0x90, 0x8f];
    for (let round = 0; round < 400; round++) {
      const bytes = new Uint8Array(rand(10));
      for (let i = 0; i < bytes.length; i++) bytes[i] = rand(2) === 0 ? rand(256) : (pool[rand(pool.length)] as number);
      sameDecoder('utf-8', undefined, (d) => d.decode(bytes));
      sameDecoder('utf-8', { fatal: true }, (d) => d.decode(bytes));
      sameDecoder('utf-8', undefined, (d) => {
        let s = '';
        for (const b of bytes) s += d.decode(new Uint8Array([b]), { stream: true });
        return s + d.decode();
      });
    }
  });

  it('streams multi-byte sequences split at every position', () => {
    const inputs = ['\u00e9\u20ac\ud83d\ude00z', '\ufeff\ud83d\ude00'].map((s) => new NodeEncoder().encode(s));
    inputs.push(new Uint8Array([0xf0, 0x9f, 0x98, 0x41, 0xe2, 0x82, 0xac, 0xe2, 0x82]));
    for (const bytes of inputs) {
      for (let cut = 0; cut <= bytes.length; cut++) {
        for (let cut2 = cut; cut2 <= bytes.length; cut2++) {
          const use = (d: DecoderLike): unknown => [
            d.decode(bytes.subarray(0, cut), { stream: true }),
            d.decode(bytes.subarray(cut, cut2), { stream: true }),
            d.decode(bytes.subarray(cut2)),
          ];
          sameDecoder('utf-8', undefined, use);
          sameDecoder('utf-8', { fatal: true }, use);
          sameDecoder('utf-8', { ignoreBOM: true }, use);
        }
      }
    }
  });

  it('handles the BOM: stripped once per stream, kept with ignoreBOM, not stripped mid-stream', () => {
    const bom = [0xef, 0xbb, 0xbf];
    sameDecoder('utf-8', undefined, (d) => [
      d.decode(new Uint8Array([...bom, 0x41])),
      d.decode(new Uint8Array([...bom, 0x42])),
    ]);
    sameDecoder('utf-8', undefined, (d) => [
      d.decode(new Uint8Array([0x41]), { stream: true }),
      d.decode(new Uint8Array(bom), { stream: true }),
      d.decode(),
    ]);
    sameDecoder('utf-8', undefined, (d) => [
      d.decode(new Uint8Array(0), { stream: true }),
      d.decode(new Uint8Array([0xef]), { stream: true }),
      d.decode(new Uint8Array([0xbb, 0xbf, 0x43]), { stream: true }),
      d.decode(new Uint8Array(bom)),
      d.decode(new Uint8Array(bom)),
    ]);
    sameDecoder('utf-8', { ignoreBOM: true }, (d) => d.decode(new Uint8Array([...bom, ...bom])));
    sameDecoder('utf-16le', undefined, (d) => [d.decode(new Uint8Array([0xff, 0xfe, 0x41, 0x00])), d.decode(new Uint8Array([0xff, 0xfe]))]);
    sameDecoder('utf-16le', { ignoreBOM: true }, (d) => d.decode(new Uint8Array([0xff, 0xfe, 0x41, 0x00])));
    sameDecoder('windows-1252', undefined, (d) => d.decode(new Uint8Array(bom)));
  });

  it('decodes UTF-16LE like Node, including surrogates, odd lengths and streaming', () => {
    const cases: number[][] = [
      [], [0x41], [0x41, 0x00], [0x41, 0x00, 0x42], [0x3d, 0xd8, 0x00, 0xde], [0x3d, 0xd8], [0x00, 0xde], [0x3d, 0xd8, 0x41, 0x00],
      [0x3d, 0xd8, 0x3d, 0xd8, 0x00, 0xde], [0x00, 0xde, 0x3d, 0xd8], [0xac, 0x20, 0x3d, 0xd8, 0x00],
    ];
    for (const bytes of cases) {
      const input = new Uint8Array(bytes);
      sameDecoder('utf-16le', undefined, (d) => d.decode(input));
      sameDecoder('utf-16le', { fatal: true }, (d) => d.decode(input));
      for (let cut = 0; cut <= input.length; cut++) {
        sameDecoder('utf-16le', undefined, (d) => [d.decode(input.subarray(0, cut), { stream: true }), d.decode(input.subarray(cut))]);
      }
    }
    for (let round = 0; round < 200; round++) {
      const bytes = new Uint8Array(rand(9));
      for (let i = 0; i < bytes.length; i++) bytes[i] = i % 2 === 1 && rand(2) === 0 ? 0xd8 + rand(8) : rand(256);
      sameDecoder('utf-16le', undefined, (d) => d.decode(bytes));
    }
  });

  it('decodes windows-1252 (latin1 labels) like Node outside 0x80-0x9F', () => {
    const outside = new Uint8Array(224).map((_, i) => (i < 128 ? i : i + 32));
    for (const label of ['windows-1252', 'latin1', 'iso-8859-1', 'ascii', 'us-ascii', 'cp1252', 'l1']) {
      sameDecoder(label, undefined, (d) => d.decode(outside));
      sameDecoder(label, { fatal: true }, (d) => d.decode(outside));
      sameDecoder(label, undefined, (d) => [d.decode(new Uint8Array([0x41, 0xe9]), { stream: true }), d.decode()]);
    }
  });

  it('decodes 0x80-0x9F with the windows-1252 index (Node 20 wrongly yields C1 controls)', () => {
    const expected =
      '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
      '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';
    const c1 = new Uint8Array(32).map((_, i) => 0x80 + i);
    for (const label of ['windows-1252', 'latin1', 'ascii']) {
      assert.equal(new GuestDecoder(label).decode(c1), expected);
      assert.equal(new GuestDecoder(label, { fatal: true }).decode(new Uint8Array([0x41, 0x80, 0xff])), 'A\u20ac\u00ff');
    }
  });

  it('accepts ArrayBuffer and every ArrayBufferView, respecting offsets', () => {
    const bytes = new NodeEncoder().encode('xx\u00e9\u20ac\ud83d\ude00yy');
    const buffer = bytes.buffer.slice(0);
    const inputs: unknown[] = [
      buffer,
      new DataView(buffer, 2, 9),
      new Uint8Array(buffer, 2, 9),
      new Int8Array(buffer, 1),
      new Uint16Array(new ArrayBuffer(4)),
      new Float64Array([1.5]),
      Buffer.from('buf\u00e9'),
      new Uint8ClampedArray([0x68, 0x69]),
      new SharedArrayBuffer(2),
      undefined,
    ];
    for (const input of inputs) sameDecoder('utf-8', undefined, (d) => d.decode(input));
    for (const input of ['str', 5, null, {}, [0x41]]) sameDecoder('utf-8', undefined, (d) => d.decode(input));
  });

  it('rejects a non-object decode options argument (WebIDL dictionary; Node ignores it)', () => {
    assert.throws(() => new GuestDecoder().decode(new Uint8Array([0x41]), 5 as never), TypeError);
    assert.equal(new GuestDecoder().decode(new Uint8Array([0x41]), null as never), 'A');
  });

  it('works without new, keeps instanceof, tags and constructor identity', () => {
    const callable = GuestDecoder as unknown as (label?: string) => InstanceType<typeof GuestDecoder>;
    const d = callable('latin1');
    assert.ok(d instanceof GuestDecoder);
    assert.equal(d.encoding, 'windows-1252');
    assert.equal(Object.prototype.toString.call(d), Object.prototype.toString.call(new NodeDecoder()));
    assert.equal(d.constructor, GuestDecoder);
    assert.equal(GuestDecoder.name, 'TextDecoder');
    assert.throws(() => callable('nope'), RangeError);
    assert.deepEqual(Object.keys(GuestDecoder.prototype).sort(), Object.keys(NodeDecoder.prototype).sort());
  });
});

describe('utf8Encode / utf8Decode runtime helpers', () => {
  it('utf8Encode matches Node for small and large strings', () => {
    for (const s of STRINGS) assert.deepEqual([...utf8Encode(s)], [...new NodeEncoder().encode(s)]);
    const big = 'ascii-only '.repeat(5000) + '\u20ac\ud83d\ude00' + '\u00e9'.repeat(20000);
    assert.deepEqual(Buffer.from(utf8Encode(big)), Buffer.from(new NodeEncoder().encode(big)));
  });

  it('utf8Decode matches new TextDecoder().decode (BOM stripped); utf8DecodeWithoutBOM keeps it', () => {
    const node = new NodeDecoder();
    const keep = new NodeDecoder('utf-8', { ignoreBOM: true });
    for (const bytes of UTF8_CASES) {
      const input = new Uint8Array(bytes);
      assert.equal(utf8Decode(input), node.decode(input));
      assert.equal(utf8DecodeWithoutBOM(input), keep.decode(input));
    }
    const big = new NodeEncoder().encode('x'.repeat(70000) + '\u00e9'.repeat(30000) + '\ud83d\ude00'.repeat(9000));
    assert.equal(utf8Decode(big), node.decode(big));
    const soup = new Uint8Array(50000).map(() => rand(256));
    assert.equal(utf8Decode(soup), node.decode(soup));
    assert.equal(utf8Decode(new Uint8Array(0)), '');
  });
});
