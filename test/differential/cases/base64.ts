// Cases of the atob/btoa differential suite (see ./outcome.ts), plus EdgeOne's btoaUTF8/atobUTF8,
// which Node lacks: those are compared with values Node's Buffer and TextDecoder compute.
import { attempt, defineSuite, show, seededRandom } from './outcome.ts';

type Fn = (...args: unknown[]) => unknown;
export interface Impl {
  atob: Fn;
  btoa: Fn;
  DOMException: typeof globalThis.DOMException;
  /** EdgeOne's extensions (the guest only). */
  atobUTF8?: Fn;
  btoaUTF8?: Fn;
}

const rand = seededRandom(0xdeadbeef);

const base64 = (input: string | Uint8Array): string => Buffer.from(input as Uint8Array).toString('base64');

export const suite = defineSuite<Impl>((group) => {
  group('atob decodes valid input, padding optional, ASCII whitespace ignored', (g) => {
    for (const s of [
      '', 'YQ', 'YQ=', 'YQ==', 'YWI', 'YWI=', 'YWJj', 'YWJjZA==', 'YR==', 'YS==', '//79', '+/+/', 'AAAA',
      ' YQ== ', '\tY Q\n=\f=\r', 'Y W J j', '\n\n\n', 'YWJj\n', '  ', 'A\tB\nC\fD\rE F==',
    ]) {
      g.same(show(s), ({ atob }) => atob(s));
    }
  });

  group('atob throws InvalidCharacterError like Node for malformed input', (g) => {
    for (const s of [
      'Y', 'YQ===', 'YQ=a', 'Y=Q=', '=', '==', '====', 'YWJj=', 'YWJj==', 'a=b=', 'ab=c', 'YQ==YQ==', '\u00e9', 'YQ\u00a0',
      'YQ\u000b', '-_', 'YW-j', 'YW_j', 'YQ%3D', 'A', 'AAAAA', '\u2028YQ', 'YQ=\n=', '\ud800',
    ]) {
      g.same(show(s), ({ atob }) => atob(s));
    }
  });

  group('atob converts its argument with ToString like Node', (g) => {
    const values = [undefined, null, 12345678, 1234, true, false, { toString: () => 'YQ==' }, ['YQ', '==']];
    values.forEach((v, i) => g.same(`#${i} ${show(v)}`, ({ atob }) => atob(v)));
    g.same('no argument', ({ atob }) => atob());
    g.same('symbol', ({ atob }) => atob(Symbol('x')));
  });

  group('atob agrees with Node on random base64-like soup', (g) => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \n-_*';
    for (let round = 0; round < 1000; round++) {
      let s = '';
      const len = rand(14);
      for (let i = 0; i < len; i++) s += alphabet[rand(alphabet.length)];
      g.same(`round ${round} ${show(s)}`, ({ atob }) => atob(s));
    }
  });

  group('atob throws a DOMException with code 5', (g) => {
    g.both('atob("a")', ({ atob, DOMException }) => {
      const { threw } = attempt(() => atob('a')) as { threw: Error & { code: number } };
      return [threw instanceof DOMException, threw.name, threw.code, threw instanceof Error];
    }, [true, 'InvalidCharacterError', 5, true]);
  });

  group('btoa encodes binary strings of every length and byte', (g) => {
    let all = '';
    for (let c = 0; c < 256; c++) all += String.fromCharCode(c);
    const inputs = ['', 'a', 'ab', 'abc', 'abcd', 'hello world', '\u0000\u00ff', '\u0080\u00fe\u00ff\u0001', all];
    for (let round = 0; round < 300; round++) {
      let s = '';
      const len = rand(20);
      for (let i = 0; i < len; i++) s += String.fromCharCode(rand(256));
      inputs.push(s);
    }
    // Node's atob(btoa(s)) is s: the guest's must be too.
    inputs.forEach((s, i) => g.same(`#${i} ${show(s)}`, ({ atob, btoa }) => [btoa(s), attempt(() => atob(btoa(s)) === s)]));
  });

  group('btoa throws InvalidCharacterError for code units above 0xFF', (g) => {
    for (const s of ['\u0100', 'abc\u20ac', '\ud83d\ude00', '\ud800', 'ok\uffff']) g.same(show(s), ({ btoa }) => btoa(s));
  });

  group('btoa converts non-buffer arguments with ToString like Node', (g) => {
    const values = [undefined, null, 0, -1.5, true, {}, { toString: () => 'x' }, ['a', 'b'], Symbol.iterator];
    values.forEach((v, i) => g.same(`#${i} ${show(v)}`, ({ btoa }) => btoa(v)));
    g.same('no argument', ({ btoa }) => btoa());
  });

  group('btoa encodes large input like Node (and Buffer)', (g) => {
    const bytes = new Uint8Array(100003).map(() => rand(256));
    let binary = '';
    for (const b of bytes) binary += String.fromCharCode(b);
    g.both('100003 random bytes', ({ atob, btoa }) => {
      const encoded = btoa(binary);
      return [encoded, atob(encoded) === binary];
    }, () => [base64(bytes), true]);
  });

  group('EdgeOne: btoaUTF8 equals base64 of the UTF-8 bytes and atobUTF8 inverts it', (g) => {
    for (const s of ['', 'a', 'h\u00e9llo', '\u4e2d\u6587', '\ud83d\ude00 emoji', '\u20ac'.repeat(1000), 'mixed \u00ff\u0100 ascii']) {
      g.expect(show(s).slice(0, 40), ({ atobUTF8, btoaUTF8 }) => {
        const encoded = btoaUTF8!(s);
        return [encoded, atobUTF8!(encoded) === s];
      }, () => [base64(s), true]);
    }
  });

  group('EdgeOne: btoaUTF8 replaces lone surrogates with U+FFFD, as TextEncoder does', (g) => {
    g.expect('a\\ud800b', ({ atobUTF8, btoaUTF8 }) => [btoaUTF8!('a\ud800b'), atobUTF8!(btoaUTF8!('a\ud800b'))], () => [
      base64(new TextEncoder().encode('a\ud800b')),
      'a\ufffdb',
    ]);
  });

  group('EdgeOne: atobUTF8 decodes like new TextDecoder().decode(atob(...) bytes)', (g) => {
    for (const b64 of ['/w==', '77u/QQ==', 'wA==', '4oI=', 'ICAg', ' 4o KsIA== ']) {
      g.expect(show(b64), ({ atobUTF8 }) => atobUTF8!(b64), () => new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))));
    }
  });

  group('EdgeOne: atobUTF8 rejects malformed base64 like atob', (g) => {
    for (const bad of ['a', 'YQ===', '\u00e9']) {
      g.expect(show(bad), ({ atobUTF8, DOMException }) => {
        const { threw } = attempt(() => atobUTF8!(bad)) as { threw: unknown };
        return [threw instanceof DOMException, threw];
      }, [true, new DOMException('', 'InvalidCharacterError')]);
    }
  });

  group('EdgeOne: btoa encodes ArrayBuffer and views as raw bytes', (g) => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255, 128]);
    g.expect('Uint8Array', ({ btoa }) => btoa(bytes), () => base64(bytes));
    g.expect('ArrayBuffer', ({ btoa }) => btoa(bytes.buffer), () => base64(bytes));
    g.expect('DataView', ({ btoa }) => btoa(new DataView(bytes.buffer, 1, 3)), () => base64(bytes.subarray(1, 4)));
    g.expect('Uint16Array', ({ btoa }) => btoa(new Uint16Array([0x0201])), () => base64(new Uint8Array([1, 2])));
  });

  group('EdgeOne: the helpers require an argument', (g) => {
    g.expect('btoaUTF8()', ({ btoaUTF8 }) => attempt(() => btoaUTF8!()), { threw: new TypeError() });
    g.expect('atobUTF8()', ({ atobUTF8 }) => attempt(() => atobUTF8!()), { threw: new TypeError() });
  });
});
