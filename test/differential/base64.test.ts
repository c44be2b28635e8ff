// Differential tests: the guest atob/btoa against Node's, plus EdgeOne's btoaUTF8/atobUTF8, in
// Node's realm and in a real isolate. The shared cases are in cases/base64.ts; the test below needs
// the module's internal byte codecs, which the isolate cannot reach.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { atob, atobUTF8, base64DecodeBytes, base64EncodeBytes, btoa, btoaUTF8 } from '../../src/runtime/guest/base64.js';
import { DOMException } from '../../src/runtime/guest/dom-exception.ts';
import { differentialSuite } from './harness.ts';
import { suite, type Impl } from './cases/base64.ts';

differentialSuite('atob/btoa', {
  module: 'base64',
  suite,
  guest: { atob, btoa, atobUTF8, btoaUTF8, DOMException } as unknown as Impl,
  node: { atob: globalThis.atob, btoa: globalThis.btoa, DOMException: globalThis.DOMException } as unknown as Impl,
});

describe("base64 in Node's realm only: the internal byte codecs", () => {
  it('base64DecodeBytes and base64EncodeBytes agree with Buffer on large input', () => {
    const bytes = new Uint8Array(100003).map((_, i) => (i * 7919 + (i >> 3)) & 0xff);
    const expected = Buffer.from(bytes).toString('base64');
    assert.deepEqual(base64DecodeBytes(expected), bytes);
    assert.equal(base64EncodeBytes(bytes), expected);
  });
});
