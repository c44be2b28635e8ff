/** The host decoders behind the guest's legacy TextDecoder: engines, handles, bounds. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodingLabels, guestEncodings } from '../guest/encoding-labels.ts';
import { HostDecoders, hostEncodings, maxDecodeBytes, maxIsolateDecoders, maxOpenDecoders, type DecoderOwner } from './text-decode.ts';
import type { WireDecoded } from '../guest/protocol.ts';

/** An execution stand-in: runs its cleanups when it ends. */
function owner(): DecoderOwner & { end(): void } {
  const cleanups = new Set<() => void>();
  return {
    own(cleanup) {
      cleanups.add(cleanup);
      return () => cleanups.delete(cleanup);
    },
    end() {
      for (const cleanup of cleanups) cleanup();
    },
  };
}

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

describe('host text decoders', () => {
  it('decode every encoding the guest does not, and no other', () => {
    const all = new Set(encodingLabels.values());
    const expected = [...all].filter((name) => !guestEncodings.has(name) && name !== 'replacement').sort();
    assert.deepEqual([...hostEncodings].sort(), expected);
    const decoders = new HostDecoders({ cpuMs: 1000 });
    for (const name of ['utf-8', 'replacement', 'utf-16le', 'GBK', 'iso-2022-kr']) {
      const answer = decoders.decode([0, 0, name, false, false, bytes(0x41), true], () => undefined);
      assert.deepEqual(answer.slice(0, 2), [false, 'TypeError'], name);
    }
  });

  it('give the standard’s answer where Node’s ICU decoder does not (windows-949 Hangul, HKSCS, Shift_JIS controls, ISO-8859-16)', () => {
    const decoders = new HostDecoders({ cpuMs: 1000 });
    const decode = (encoding: string, input: Uint8Array): string => {
      const answer = decoders.decode([0, 0, encoding, false, false, input, true], () => undefined);
      assert.equal(answer[0], true);
      return answer[1];
    };
    // EUC-KR is windows-949: ICU lacks its extension (8,822 Hangul syllables).
    assert.equal(decode('euc-kr', bytes(0x8c, 0x63)), '\ub620');
    // Big5 is Big5-HKSCS, with two-code-point entries; ICU gives private-use code points.
    assert.equal(decode('big5', bytes(0x87, 0x40, 0x88, 0x62)), '\u43f0\u00ca\u0304');
    // Shift_JIS keeps control bytes as they are.
    assert.equal(decode('shift_jis', bytes(0x1a, 0x1c, 0x7f, 0x80)), '\u001a\u001c\u007f\u0080');
    // ISO-8859-16, which Node 22's ICU does not know at all.
    assert.equal(decode('iso-8859-16', bytes(0xa1, 0xa4)), '\u0104\u20ac');
  });

  it('stream a multi-byte sequence split across calls, and never throw on malformed input unless fatal', () => {
    const decoders = new HostDecoders({ cpuMs: 1000 });
    const exec = owner();
    const find = (): DecoderOwner => exec;
    const first = decoders.decode([1, 0, 'gbk', false, false, bytes(0xd6), false], find);
    assert.equal(first[0], true);
    const handle = first[2];
    assert.ok(handle > 0);
    assert.deepEqual(decoders.decode([1, handle, 'gbk', false, false, bytes(0xd0, 0x81, 0x30), false], find), [true, '\u4e2d', handle]);
    // Node's ICU decoder throws here (a gb18030 four-byte lead cut short), even when not fatal.
    assert.deepEqual(decoders.decode([1, handle, 'gbk', false, false, bytes(0x41), true], find), [true, '\ufffd0A', 0]);
    assert.equal(decoders.size, 0);
    const fatal = decoders.decode([1, 0, 'gbk', true, false, bytes(0x81, 0x30, 0x41), true], find);
    assert.deepEqual(fatal.slice(0, 2), [false, 'TypeError']);
  });

  it('refuse more than 64 KiB per call and malformed calls, without throwing', () => {
    const decoders = new HostDecoders({ cpuMs: 1000 });
    const find = (): undefined => undefined;
    const big = decoders.decode([0, 0, 'gbk', false, false, new Uint8Array(maxDecodeBytes + 1), true], find);
    assert.deepEqual(big.slice(0, 2), [false, 'RangeError']);
    assert.equal(decoders.decode([0, 0, 'gbk', false, false, new Uint8Array(maxDecodeBytes).fill(0x41), true], find)[0], true);
    const junk: unknown[] = [
      undefined, null, 5, 'gbk', [], [0, 0, 'gbk'], [0, 0, 'gbk', false, false, 'AAAA', true], [0, 0, 'gbk', false, false, [65], true],
      [0, 0, 'gbk', false, false, new Uint16Array(4), true], [0, 0, 'gbk', false, false, bytes(0x41), 'yes'], [0, 0, { toString: 'x' }, 0, 0, bytes(), true],
      [0, -1, 'gbk', false, false, bytes(0x41), true], [0, 1.5, 'gbk', false, false, bytes(0x41), true], [7, 0, 'gbk', false, false, bytes(0x41), true],
    ];
    for (const args of junk) {
      const answer: WireDecoded = decoders.decode(args, find);
      assert.equal(answer[0], false, JSON.stringify(args));
    }
  });

  it('give random handles that only the execution that opened them can use, and free them when it ends', () => {
    const decoders = new HostDecoders({ cpuMs: 1000 });
    const a = owner();
    const b = owner();
    const find = (id: number): DecoderOwner | undefined => (id === 1 ? a : id === 2 ? b : undefined);
    const open = (execId: number): number => {
      const answer = decoders.decode([execId, 0, 'big5', false, false, bytes(0xa4), false], find);
      assert.equal(answer[0], true);
      return answer[2];
    };
    const handles = [open(1), open(1), open(1)];
    // Not a counter: nothing to learn from one's own handles about anyone else's.
    for (const handle of handles) assert.ok(handle > 2 ** 20, String(handle));
    assert.equal(new Set(handles).size, 3);
    const mine = handles[0]!;
    // Another execution can neither use nor close it.
    assert.deepEqual(decoders.decode([2, mine, 'big5', false, false, bytes(0x40), true], find).slice(0, 2), [false, 'TypeError']);
    assert.deepEqual(decoders.decode([2, mine, 'big5', false, false, null, true], find).slice(0, 2), [false, 'TypeError']);
    assert.deepEqual(decoders.decode([1, mine, 'big5', false, false, bytes(0x40), true], find), [true, '\u4e00', 0]);
    assert.equal(decoders.size, 2);
    // Closing by the owner.
    assert.deepEqual(decoders.decode([1, handles[1]!, 'big5', false, false, null, true], find), [true, '', 0]);
    assert.equal(decoders.size, 1);
    a.end();
    assert.equal(decoders.size, 0);
    assert.deepEqual(decoders.decode([1, handles[2]!, 'big5', false, false, bytes(0x40), true], find).slice(0, 2), [false, 'TypeError']);
  });

  it(`keep at most ${maxOpenDecoders} streams open per execution; one-shot decodes need none`, () => {
    const decoders = new HostDecoders({ cpuMs: 1000 });
    const a = owner();
    const b = owner();
    const find = (id: number): DecoderOwner | undefined => (id === 1 ? a : b);
    for (let i = 0; i < maxOpenDecoders; i++) assert.equal(decoders.decode([1, 0, 'euc-kr', false, false, bytes(0xb0), false], find)[0], true);
    const refused = decoders.decode([1, 0, 'euc-kr', false, false, bytes(0xb0), false], find);
    assert.deepEqual(refused.slice(0, 2), [false, 'QuotaExceededError']);
    assert.equal(decoders.decode([1, 0, 'euc-kr', false, false, bytes(0xb0, 0xa1), true], find)[1], '\uac00');
    assert.equal(decoders.decode([2, 0, 'euc-kr', false, false, bytes(0xb0), false], find)[0], true);
    a.end();
    b.end();
    assert.equal(decoders.size, 0);
  });

  it(`keep at most ${maxIsolateDecoders} streams open per isolate, whichever executions opened them`, () => {
    const decoders = new HostDecoders({ cpuMs: 1000 });
    const execs = Array.from({ length: 9 }, () => owner());
    const open = (i: number): WireDecoded => decoders.decode([i + 1, 0, 'gbk', false, false, bytes(0xd6), false], (id) => execs[id - 1]);
    for (let i = 0; i < 8; i++) for (let n = 0; n < maxOpenDecoders; n++) assert.equal(open(i)[0], true);
    assert.deepEqual(open(8).slice(0, 3), [false, 'QuotaExceededError', `Too many TextDecoder streams open in this function: at most ${maxIsolateDecoders}`]);
    execs[0]!.end();
    assert.equal(open(8)[0], true);
  });

  it('refuse an execution whose decoding has used its whole CPU time limit', () => {
    const decoders = new HostDecoders({ cpuMs: 5 });
    const a = owner();
    const find = (): DecoderOwner => a;
    const piece = new Uint8Array(maxDecodeBytes).map((_, i) => (i % 2 === 0 ? 0xb0 : 0xa1));
    let calls = 0;
    let answer: WireDecoded;
    do {
      answer = decoders.decode([1, 0, 'euc-kr', false, false, piece, true], find);
      calls += 1;
    } while (answer[0] && calls < 10_000);
    assert.deepEqual(answer.slice(0, 2), [false, 'TypeError']);
    assert.match(answer[2] as string, /CPU time limit/);
    assert.ok(calls > 1);
    // Another execution has its own budget.
    assert.equal(decoders.decode([2, 0, 'euc-kr', false, false, piece, true], () => owner())[0], true);
  });
});
