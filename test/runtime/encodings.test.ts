/**
 * TextDecoder and TextDecoderStream for every encoding of the WHATWG Encoding Standard, run in a
 * real isolate from the built guest bundle (issue 15). Oracles: texts encoded by glibc's iconv
 * (test/fixtures/encodings/make.sh), byte sequences taken from the standard, and @exodus/bytes'
 * TextDecoder (an implementation of the standard tested against the web-platform tests) for
 * labels and malformed input. Not Node's TextDecoder: its ICU answers change with the Node line
 * (Node 22 knows no ISO-8859-16), and the suite runs on Node 24 and 22.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { TextDecoder as SpecDecoder } from '@exodus/bytes/encoding.js';
import { makeRequest, newRuntime, run, sw } from '../helpers/runtime.ts';
import { encodingLabels } from '../../src/runtime/guest/encoding-labels.ts';

const dir = new URL('../fixtures/encodings/', import.meta.url);
const fixtures = readdirSync(dir)
  .filter((name) => !name.endsWith('.txt') && !name.endsWith('.sh'))
  .sort()
  .map((file) => {
    const dot = file.indexOf('.');
    return { file, encoding: file.slice(dot + 1), bytes: readFileSync(new URL(file, dir)), text: readFileSync(new URL(`${file.slice(0, dot)}.txt`, dir), 'utf8') };
  });
const multiByte = ['gbk', 'gb18030', 'big5', 'euc-jp', 'iso-2022-jp', 'shift_jis', 'euc-kr'];
const singleByte = [...new Set(encodingLabels.values())].filter((n) => !multiByte.includes(n) && !['utf-8', 'utf-16le', 'utf-16be', 'x-user-defined', 'replacement'].includes(n));

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
/** Guest helpers: bytes from base64, and code points as hex (JSON keeps lone surrogates apart). */
const prelude = `const bytes = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const hex = (s) => [...s].map((c) => c.codePointAt(0).toString(16)).join(' ');
  const attempt = (f) => { try { return f() } catch (e) { return e.name } };`;
const hex = (s: string): string => [...s].map((c) => c.codePointAt(0)!.toString(16)).join(' ');

let seed = 0x2545f491;
function rand(n: number): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
}
/** Bytes that hit the lead/trail ranges of every legacy encoding, plus ISO-2022-JP's escapes. */
function soup(length: number): Uint8Array {
  const pool = [0x81, 0x30, 0x39, 0xfe, 0x80, 0xff, 0x40, 0x7f, 0xa1, 0x8e, 0x8f, 0x41, 0xa0, 0xdf, 0xe0, 0x1b, 0x24, 0x28, 0x42, 0x4a, 0x49];
  return new Uint8Array(length).map(() => (rand(3) ? pool[rand(pool.length)]! : rand(256)));
}

/** The standard's answer. */
function reference(encoding: string, input: Uint8Array, fatal = false): string {
  try {
    return new SpecDecoder(encoding, { fatal }).decode(input);
  } catch (error) {
    return (error as Error).name;
  }
}

describe('TextDecoder encodings in the isolate', () => {
  const runtime = newRuntime({ limits: { cpuMs: 20_000 } });
  after(() => runtime.close());

  /** Runs `body` (an async function body with `prelude` in scope) and returns its JSON answer. */
  async function evaluate(body: string): Promise<unknown> {
    const answer = await run(runtime, sw(`${prelude} return Response.json(await (async () => { ${body} })());`));
    assert.equal(answer.kind, 'response', `${answer.code}: ${answer.message}`);
    return JSON.parse(answer.text);
  }

  it('knows every label of the standard (228, for 40 encodings), named as the standard names them', async () => {
    assert.equal(encodingLabels.size, 228);
    assert.equal(new Set(encodingLabels.values()).size, 40);
    const labels = [...encodingLabels.keys()];
    const variants = [...labels, ...labels.map((l) => l.toUpperCase()), ...labels.map((l) => ` \t${l}\n\f`), 'utf-9', '', 'gbk2', 'x-mac-greek', 'utf-8\u00a0', 'big5\u0000', 'euc_kr', 'latin 1'];
    const ours = (await evaluate(`return ${JSON.stringify(variants)}.map((label) => attempt(() => { const d = new TextDecoder(label); return [d.encoding, d.fatal, d.ignoreBOM] }))`)) as unknown[];
    const standard = variants.map((label) => {
      try {
        const d = new SpecDecoder(label);
        return [d.encoding, d.fatal, d.ignoreBOM];
      } catch (error) {
        return (error as Error).name;
      }
    });
    assert.deepEqual(ours, standard);
    // The six labels of the replacement encoding are refused with RangeError, as the standard says.
    const replacement = labels.filter((l) => encodingLabels.get(l) === 'replacement');
    assert.deepEqual(replacement.sort(), ['csiso2022kr', 'hz-gb-2312', 'iso-2022-cn', 'iso-2022-cn-ext', 'iso-2022-kr', 'replacement']);
    assert.deepEqual(await evaluate(`return ${JSON.stringify(replacement)}.map((l) => attempt(() => new TextDecoder(l)))`), replacement.map(() => 'RangeError'));
    assert.deepEqual(
      await evaluate(`return ['gbk', 'shift_jis'].map((l) => { const d = new TextDecoder(l, { fatal: 1, ignoreBOM: 'yes' }); return [d.encoding, d.fatal, d.ignoreBOM] })`),
      [['gbk', true, true], ['shift_jis', true, true]],
    );
  });

  it('decodes texts encoded by iconv back to the text', async () => {
    assert.ok(new Set(fixtures.map((f) => f.encoding)).size >= 28);
    const input = fixtures.map((f) => [f.encoding, b64(f.bytes)]);
    const ours = (await evaluate(`return ${JSON.stringify(input)}.map(([enc, b]) => [new TextDecoder(enc).decode(bytes(b)), attempt(() => new TextDecoder(enc, { fatal: true }).decode(bytes(b)))])`)) as [string, string][];
    fixtures.forEach((f, i) => {
      const [decoded, fatal] = ours[i]!;
      assert.equal(decoded.normalize('NFC'), f.text.normalize('NFC'), f.file);
      assert.equal(fatal, decoded, f.file);
    });
  });

  it('decodes the standard’s own examples of each multi-byte encoding', async () => {
    const cases: [string, number[], string][] = [
      ['gbk', [0x80, 0xd6, 0xd0, 0xa2, 0xe3], '20ac 4e2d 20ac'],
      ['gb18030', [0x81, 0x30, 0x81, 0x30, 0x84, 0x31, 0xa4, 0x39, 0x90, 0x30, 0x81, 0x30, 0xe3, 0x32, 0x9a, 0x35], '80 ffff 10000 10ffff'],
      ['gb18030', [0x84, 0x31, 0x95, 0x33, 0x41], 'feff 41'],
      ['big5', [0x87, 0x40, 0x88, 0x62, 0x88, 0x64, 0x88, 0x66, 0xa4, 0x40], '43f0 ca 304 ca 30c ca 4e00'],
      ['euc-kr', [0x8c, 0x63, 0xb0, 0xa1], 'b620 ac00'],
      ['shift_jis', [0x80, 0xa1, 0xdf, 0x82, 0xa0, 0xa0], '80 ff61 ff9f 3042 fffd'],
      ['euc-jp', [0x8e, 0xa1, 0xa4, 0xa2, 0x8f, 0xb0, 0xa1], 'ff61 3042 4e02'],
      ['iso-2022-jp', [0x1b, 0x24, 0x42, 0x24, 0x22, 0x1b, 0x28, 0x4a, 0x5c, 0x1b, 0x28, 0x49, 0x21, 0x1b, 0x28, 0x42, 0x41], '3042 a5 ff61 41'],
      ['x-user-defined', [0x41, 0x80, 0xff], '41 f780 f7ff'],
      ['utf-16be', [0xd8, 0x3d, 0xde, 0x00, 0x00, 0x41], '1f600 41'],
    ];
    const ours = await evaluate(`return ${JSON.stringify(cases.map(([e, b]) => [e, b64(new Uint8Array(b))]))}.map(([e, b]) => hex(new TextDecoder(e).decode(bytes(b))))`);
    assert.deepEqual(ours, cases.map(([, , expected]) => expected));
  });

  it('matches the standard on malformed input in every legacy encoding, whole, in fatal mode and byte by byte', async () => {
    const inputs = Array.from({ length: 60 }, () => soup(1 + rand(12)));
    const encodings = [...multiByte, ...singleByte];
    const ours = (await evaluate(`
      const inputs = ${JSON.stringify(inputs.map(b64))}.map(bytes);
      return ${JSON.stringify(encodings)}.map((enc) => inputs.map((input) => {
        const whole = new TextDecoder(enc).decode(input);
        const fatal = attempt(() => new TextDecoder(enc, { fatal: true }).decode(input));
        const d = new TextDecoder(enc);
        let streamed = '';
        for (const b of input) streamed += d.decode(new Uint8Array([b]), { stream: true });
        streamed += d.decode();
        return [hex(whole), fatal === 'TypeError' ? fatal : hex(fatal), hex(streamed)];
      }))`)) as string[][][];
    encodings.forEach((encoding, e) => {
      inputs.forEach((input, i) => {
        const expected = hex(reference(encoding, input));
        const fatal = reference(encoding, input, true);
        assert.deepEqual(ours[e]![i], [expected, fatal === 'TypeError' ? fatal : hex(fatal), expected], `${encoding} ${[...input].map((b) => b.toString(16))}`);
      });
    });
  });

  it('decodes input larger than one host call (64 KiB) in pieces, cut anywhere, like one decode', async () => {
    const big = soup(200_000);
    const gbk = fixtures.find((f) => f.file === 'zh-hans.gbk')!;
    const page = Buffer.concat(Array.from({ length: 200 }, () => gbk.bytes));
    const ours = (await evaluate(`
      const big = bytes(${JSON.stringify(b64(big))});
      const page = bytes(${JSON.stringify(b64(page))});
      return [...${JSON.stringify(multiByte)}.map((enc) => new TextDecoder(enc).decode(big)), new TextDecoder('gbk').decode(page), new TextDecoder('koi8-r').decode(big)]`)) as string[];
    multiByte.forEach((encoding, i) => assert.ok(ours[i] === reference(encoding, big), encoding));
    assert.ok(ours[multiByte.length] === gbk.text.repeat(200));
    assert.ok(ours[multiByte.length + 1] === reference('koi8-r', big));
  });

  it('streams sequences split at every byte with decode({ stream: true }), and through TextDecoderStream in small chunks', async () => {
    const cases = fixtures.filter((f) => multiByte.includes(f.encoding) || f.encoding === 'windows-1251');
    const ours = (await evaluate(`
      const cases = ${JSON.stringify(cases.map((f) => [f.encoding, b64(f.bytes)]))};
      const out = [];
      for (const [enc, b] of cases) {
        const input = bytes(b);
        const head = input.subarray(0, 48);
        const cuts = [];
        for (let cut = 0; cut <= head.length; cut++) {
          const d = new TextDecoder(enc, { fatal: true });
          cuts.push(d.decode(head.subarray(0, cut), { stream: true }) + d.decode(head.subarray(cut), { stream: true }) + d.decode(input.subarray(48)));
        }
        const streams = [];
        for (const size of [1, 2, 3, 7]) {
          const chunks = [];
          for (let i = 0; i < input.length; i += size) chunks.push(input.slice(i, i + size));
          const readable = new ReadableStream({ pull(c) { const next = chunks.shift(); if (next) c.enqueue(next); else c.close(); } });
          let text = '';
          for await (const piece of readable.pipeThrough(new TextDecoderStream(enc, { fatal: true }))) text += piece;
          streams.push(text);
        }
        out.push([cuts, streams]);
      }
      // The issue's case: a GBK character whose two bytes come in two chunks.
      const zhong = new ReadableStream({ start(c) { c.enqueue(new Uint8Array([0x3c, 0xd6])); c.enqueue(new Uint8Array([0xd0, 0x3e])); c.close(); } });
      let split = '';
      for await (const piece of zhong.pipeThrough(new TextDecoderStream('gbk'))) split += piece;
      return [out, split];`)) as [[string[], string[]][], string];
    cases.forEach((f, i) => {
      const [cuts, streams] = ours[0][i]!;
      for (const [cut, text] of cuts.entries()) assert.ok(text === f.text, `${f.file} cut at ${cut}`);
      for (const text of streams) assert.ok(text === f.text, f.file);
    });
    assert.equal(ours[1], '<中>');
  });

  it('throws TypeError for invalid input when fatal (decode and TextDecoderStream), and decodes afresh after', async () => {
    const bad: [string, number[]][] = [['gbk', [0x41, 0xff]], ['big5', [0x80]], ['shift_jis', [0xa0]], ['euc-kr', [0xff]], ['euc-jp', [0xa4]], ['iso-2022-jp', [0x0e]], ['iso-8859-6', [0xa1]], ['windows-1253', [0xaa]]];
    const ours = await evaluate(`return Promise.all(${JSON.stringify(bad.map(([e, b]) => [e, b64(new Uint8Array(b))]))}.map(async ([enc, b]) => {
      const d = new TextDecoder(enc, { fatal: true });
      const first = attempt(() => d.decode(bytes(b)));
      const after = d.decode(new Uint8Array([0x41]));
      const loose = hex(new TextDecoder(enc).decode(bytes(b)));
      const stream = new ReadableStream({ start(c) { c.enqueue(bytes(b)); c.close(); } }).pipeThrough(new TextDecoderStream(enc, { fatal: true }));
      let streamed;
      try { for await (const _ of stream) {} streamed = 'no error'; } catch (e) { streamed = e.name; }
      return [first, after, loose, streamed];
    }))`);
    assert.deepEqual(ours, bad.map(([e, b]) => ['TypeError', 'A', hex(reference(e, new Uint8Array(b))), 'TypeError']));
  });

  it('strips a byte order mark only for UTF-8 and UTF-16, and keeps it with ignoreBOM', async () => {
    const ours = await evaluate(`return [
      ['utf-16be', [0xfe, 0xff, 0, 0x41]], ['utf-16le', [0xff, 0xfe, 0x41, 0]], ['utf-8', [0xef, 0xbb, 0xbf, 0x41]],
      ['gb18030', [0x84, 0x31, 0x95, 0x33, 0x41]], ['x-user-defined', [0x41]],
    ].map(([enc, b]) => [false, true].map((ignoreBOM) => {
      const d = new TextDecoder(enc, { ignoreBOM });
      const one = hex(d.decode(new Uint8Array(b)));
      const parts = b.map((x) => d.decode(new Uint8Array([x]), { stream: true })).join('') + d.decode();
      return [one, hex(parts)];
    }))`);
    const expected = (bom: string, rest: string): string[][] => [[rest, rest], [`${bom} ${rest}`, `${bom} ${rest}`]];
    assert.deepEqual(ours, [expected('feff', '41'), expected('feff', '41'), expected('feff', '41'), [['feff 41', 'feff 41'], ['feff 41', 'feff 41']], [['41', '41'], ['41', '41']]]);
  });

  it('decodes at global scope too (once per isolate, outside any request)', async () => {
    const answer = await run(runtime, `const name = new TextDecoder('big5').decode(new Uint8Array([0xa4, 0xa4, 0xa4, 0xe5]));
      addEventListener('fetch', (event) => event.respondWith(new Response(name)));`);
    assert.equal(answer.text, '中文');
  });
});

describe('TextDecoder host work is bounded for a hostile function', () => {
  const runtime = newRuntime({ limits: { cpuMs: 100 } });
  after(() => runtime.close());

  it('keeps at most 128 streams open per request and frees them when the request ends', async () => {
    const code = sw(`
      const open = [];
      try {
        for (let i = 0; i < 200; i++) { const d = new TextDecoder('gbk'); d.decode(new Uint8Array([0xd6]), { stream: true }); open.push(d); }
        return new Response('opened 200');
      } catch (e) {
        return new Response(e.name + ' after ' + open.length + ': ' + e.message);
      }`);
    // More requests than the isolate's own cap (1,024) allows, were any stream left open.
    for (let i = 0; i < 10; i++) {
      const answer = await run(runtime, code);
      assert.equal(answer.text, 'QuotaExceededError after 128: Too many TextDecoder streams open in this request: at most 128');
    }
  });

  it('does not let another request continue (or probe) a stream, and the decoder starts afresh after', async () => {
    const code = sw(`
      if (request.url.endsWith('/1')) {
        globalThis.shared = new TextDecoder('shift_jis');
        return new Response('started: ' + JSON.stringify(shared.decode(new Uint8Array([0x82]), { stream: true })));
      }
      let error;
      try { shared.decode(new Uint8Array([0xa0])) } catch (e) { error = e.name + ': ' + e.message }
      const again = shared.decode(new Uint8Array([0x82, 0xa0]));
      return new Response([error, again].join('|'));`);
    assert.equal((await run(runtime, code, makeRequest('http://example.com/1'))).text, 'started: ""');
    const second = await run(runtime, code, makeRequest('http://example.com/2'));
    assert.equal(second.text, 'TypeError: TextDecoder.decode: a stream of shift_jis opened by another request cannot be continued in this one|あ');
  });

  it('charges decoding to the request’s CPU time, and refuses more once it has used the limit', async () => {
    // Little of this is the isolate's own work: the host decodes (2 MB costs some 25 ms there).
    const code = sw(`
      const input = new Uint8Array(2 ** 21).fill(0xb0);
      let rounds = 0;
      try {
        for (; rounds < 1000; rounds++) new TextDecoder('euc-kr').decode(input);
      } catch (e) {
        console.log(e.name + ': ' + e.message);
      }
      return new Response('decoded ' + rounds);`);
    const answer = await run(runtime, code);
    assert.equal(answer.code, 'FunctionRuntime.CpuTimeExceeded', `${answer.code}: ${answer.message}`);
    assert.ok(answer.report.cpuUs >= 100_000, `cpuUs ${answer.report.cpuUs}`);
    assert.deepEqual(answer.report.logs.map((l) => l.message), ['TypeError: TextDecoder: decoding has used the whole CPU time limit of this request']);
    // Nothing is left behind, and the function still runs.
    assert.equal((await run(runtime, sw(`return new Response(new TextDecoder('gbk').decode(new Uint8Array([0xd6, 0xd0])))`))).text, '中');
    assert.equal(runtime.stats().executions, 0);
  });
});
