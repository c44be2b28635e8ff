// Differential tests: the guest atob/btoa against Node's, plus EdgeOne's btoaUTF8/atobUTF8.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  atob as guestAtob,
  atobUTF8,
  base64DecodeBytes,
  base64EncodeBytes,
  btoa as guestBtoa,
  btoaUTF8,
} from '../../src/runtime/guest/base64.js';
import { DOMException as GuestDOMException } from '../../src/runtime/guest/dom-exception.ts';

type Fn = (...args: unknown[]) => unknown;
const ours = { atob: guestAtob as unknown as Fn, btoa: guestBtoa as unknown as Fn };
const theirs = { atob: globalThis.atob as unknown as Fn, btoa: globalThis.btoa as unknown as Fn };

/** Value, or the thrown error's name/code and whether it is a DOMException. */
function outcome(fn: () => unknown): unknown {
  try {
    return { value: fn() };
  } catch (err) {
    if (err instanceof Error) {
      const code = (err as { code?: unknown }).code;
      return { threw: err.name, code: typeof code === 'number' ? code : undefined, isError: true };
    }
    return { threw: typeof err };
  }
}

function same(name: 'atob' | 'btoa', ...args: unknown[]): void {
  assert.deepEqual(outcome(() => ours[name](...args)), outcome(() => theirs[name](...args)), `${name}(${args.map((a) => JSON.stringify(a)).join(', ')})`);
}

let seed = 0xdeadbeef;
function rand(n: number): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
}

describe('atob (differential against Node)', () => {
  it('decodes valid input, padding optional, ASCII whitespace ignored', () => {
    for (const s of [
      '', 'YQ', 'YQ=', 'YQ==', 'YWI', 'YWI=', 'YWJj', 'YWJjZA==', 'YR==', 'YS==', '//79', '+/+/', 'AAAA',
      ' YQ== ', '\tY Q\n=\f=\r', 'Y W J j', '\n\n\n', 'YWJj\n', '  ', 'A\tB\nC\fD\rE F==',
    ]) {
      same('atob', s);
    }
  });

  it('throws InvalidCharacterError like Node for malformed input', () => {
    for (const s of [
      'Y', 'YQ===', 'YQ=a', 'Y=Q=', '=', '==', '====', 'YWJj=', 'YWJj==', 'a=b=', 'ab=c', 'YQ==YQ==', '\u00e9', 'YQ\u00a0',
      'YQ\u000b', '-_', 'YW-j', 'YW_j', 'YQ%3D', 'A', 'AAAAA', '\u2028YQ', 'YQ=\n=', '\ud800',
    ]) {
      same('atob', s);
    }
  });

  it('converts its argument with ToString like Node', () => {
    for (const v of [undefined, null, 12345678, 1234, true, false, { toString: () => 'YQ==' }, ['YQ', '==']]) {
      same('atob', v);
    }
    assert.deepEqual(outcome(() => ours.atob()), outcome(() => theirs.atob()));
    assert.deepEqual(outcome(() => ours.atob(Symbol('x'))), outcome(() => theirs.atob(Symbol('x'))));
  });

  it('agrees with Node on random base64-like soup', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \n-_*';
    for (let round = 0; round < 1000; round++) {
      let s = '';
      const len = rand(14);
      for (let i = 0; i < len; i++) s += alphabet[rand(alphabet.length)];
      same('atob', s);
    }
  });

  it('throws a guest DOMException with code 5', () => {
    assert.throws(
      () => guestAtob('a'),
      (err: unknown) => err instanceof GuestDOMException && err.name === 'InvalidCharacterError' && err.code === 5 && err instanceof Error,
    );
  });
});

describe('btoa (differential against Node)', () => {
  it('encodes binary strings of every length and byte', () => {
    for (const s of ['', 'a', 'ab', 'abc', 'abcd', 'hello world', '\u0000\u00ff', '\u0080\u00fe\u00ff\u0001']) same('btoa', s);
    let all = '';
    for (let c = 0; c < 256; c++) all += String.fromCharCode(c);
    same('btoa', all);
    for (let round = 0; round < 300; round++) {
      let s = '';
      const len = rand(20);
      for (let i = 0; i < len; i++) s += String.fromCharCode(rand(256));
      same('btoa', s);
      assert.equal(guestAtob(guestBtoa(s)), s);
    }
  });

  it('throws InvalidCharacterError for code units above 0xFF', () => {
    for (const s of ['\u0100', 'abc\u20ac', '\ud83d\ude00', '\ud800', 'ok\uffff']) same('btoa', s);
  });

  it('converts non-buffer arguments with ToString like Node', () => {
    for (const v of [undefined, null, 0, -1.5, true, {}, { toString: () => 'x' }, ['a', 'b'], Symbol.iterator]) {
      if (typeof v === 'symbol') {
        assert.deepEqual(outcome(() => ours.btoa(v)), outcome(() => theirs.btoa(v)));
      } else {
        same('btoa', v);
      }
    }
    assert.deepEqual(outcome(() => ours.btoa()), outcome(() => theirs.btoa()));
  });

  it('encodes large input identically to Buffer', () => {
    const bytes = new Uint8Array(100003).map(() => rand(256));
    let binary = '';
    for (const b of bytes) binary += String.fromCharCode(b);
    const expected = Buffer.from(bytes).toString('base64');
    assert.equal(guestBtoa(binary), expected);
    assert.equal(guestAtob(expected), binary);
    assert.deepEqual(base64DecodeBytes(expected), bytes);
    assert.equal(base64EncodeBytes(bytes), expected);
  });
});

describe('EdgeOne extensions', () => {
  const samples = ['', 'a', 'h\u00e9llo', '\u4e2d\u6587', '\ud83d\ude00 emoji', '\u20ac'.repeat(1000), 'mixed \u00ff\u0100 ascii'];

  it('btoaUTF8 equals base64 of the UTF-8 bytes and atobUTF8 inverts it', () => {
    for (const s of samples) {
      const expected = Buffer.from(s, 'utf8').toString('base64');
      assert.equal(btoaUTF8(s), expected);
      assert.equal(atobUTF8(expected), s);
      assert.equal(atobUTF8(btoaUTF8(s)), s);
    }
  });

  it('btoaUTF8 replaces lone surrogates with U+FFFD, as TextEncoder does', () => {
    assert.equal(btoaUTF8('a\ud800b'), Buffer.from(new TextEncoder().encode('a\ud800b')).toString('base64'));
    assert.equal(atobUTF8(btoaUTF8('a\ud800b')), 'a\ufffdb');
  });

  it('atobUTF8 decodes like new TextDecoder().decode(atob(...) bytes)', () => {
    for (const b64 of ['/w==', '77u/QQ==', 'wA==', '4oI=', 'ICAg', ' 4o KsIA== ']) {
      const bytes = Uint8Array.from(globalThis.atob(b64), (c) => c.charCodeAt(0));
      assert.equal(atobUTF8(b64), new TextDecoder().decode(bytes), b64);
    }
  });

  it('atobUTF8 rejects malformed base64 like atob', () => {
    for (const bad of ['a', 'YQ===', '\u00e9']) {
      assert.throws(() => atobUTF8(bad), (err: unknown) => err instanceof GuestDOMException && err.name === 'InvalidCharacterError');
    }
  });

  it('btoa encodes ArrayBuffer and views as raw bytes (EdgeOne signature)', () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255, 128]);
    const expected = Buffer.from(bytes).toString('base64');
    assert.equal(guestBtoa(bytes), expected);
    assert.equal(guestBtoa(bytes.buffer), expected);
    assert.equal(guestBtoa(new DataView(bytes.buffer, 1, 3)), Buffer.from(bytes.subarray(1, 4)).toString('base64'));
    assert.equal(guestBtoa(new Uint16Array([0x0201])), Buffer.from([1, 2]).toString('base64'));
  });

  it('the helpers require an argument', () => {
    assert.throws(() => (btoaUTF8 as unknown as () => void)(), TypeError);
    assert.throws(() => (atobUTF8 as unknown as () => void)(), TypeError);
  });
});
