// Differential tests: the guest TextEncoder/TextDecoder against Node's, in Node's realm and in a
// real isolate. The shared cases are in cases/encoding.ts; the tests below need Node's Buffers or
// the module's internal UTF-8 helpers, which the isolate cannot reach.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TextDecoder as GuestDecoder, TextEncoder as GuestEncoder } from '../../src/runtime/guest/encoding.ts';
import { utf8Decode, utf8DecodeWithoutBOM, utf8Encode } from '../../src/runtime/guest/utf8.ts';
import { differentialSuite } from './harness.ts';
import { STRINGS, UTF8_CASES, suite, type Impl } from './cases/encoding.ts';

const NodeEncoder = globalThis.TextEncoder;
const NodeDecoder = globalThis.TextDecoder;

differentialSuite('TextEncoder/TextDecoder', {
  module: 'encoding',
  suite,
  guest: { TextEncoder: GuestEncoder, TextDecoder: GuestDecoder } as unknown as Impl,
  node: { TextEncoder: NodeEncoder, TextDecoder: NodeDecoder },
});

describe("encoding in Node's realm only: Node's Buffers and the internal UTF-8 helpers", () => {
  it('encodeInto() and decode() take Node\'s Buffers like Node', () => {
    const outcome = (fn: () => unknown): unknown => {
      try {
        return { value: fn() };
      } catch (err) {
        return { threw: err instanceof Error ? err.name : typeof err };
      }
    };
    assert.deepEqual(outcome(() => new GuestEncoder().encodeInto('ab', Buffer.alloc(4))), outcome(() => new NodeEncoder().encodeInto('ab', Buffer.alloc(4))));
    assert.equal(new GuestDecoder().decode(Buffer.from('buf\u00e9')), new NodeDecoder().decode(Buffer.from('buf\u00e9')));
  });

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
    const soup = new Uint8Array(50000).map((_, i) => Math.imul(i + 1, 0x9e3779b1) >>> 24);
    assert.equal(utf8Decode(soup), node.decode(soup));
    assert.equal(utf8Decode(new Uint8Array(0)), '');
  });
});
