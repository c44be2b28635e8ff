/**
 * UTF-8 for the guest, in one place: TextEncoder/TextDecoder, bodies, Blob, URLSearchParams and
 * base64 all encode and decode with these (WHATWG Encoding: lone surrogates encode as U+FFFD,
 * decoding replaces maximal invalid subparts, "UTF-8 decode" drops a leading BOM).
 */
import { typeError } from './errors.ts';

// Arguments per String.fromCharCode.apply call: stays well below engine argument limits.
const CHUNK = 0x2000;

/** A decoder keeps the standard's streaming state between calls; `flush` is the end of the queue. */
export interface Decoder {
  decode(bytes: Uint8Array, flush: boolean, fatal: boolean): string;
  reset(): void;
}

export function fromCodeUnits(units: Uint8Array | Uint16Array, length: number): string {
  const apply = String.fromCharCode.apply as (thisArg: null, args: ArrayLike<number>) => string;
  if (length <= CHUNK) {
    return apply.call(String.fromCharCode, null, length === units.length ? units : units.subarray(0, length));
  }
  let out = '';
  for (let i = 0; i < length; i += CHUNK) {
    out += apply.call(String.fromCharCode, null, units.subarray(i, Math.min(i + CHUNK, length)));
  }
  return out;
}

export function decodingError(): TypeError {
  return typeError('TextDecoder.decode', 'the encoded data was not valid for the encoding');
}

// ---------------------------------------------------------------------------------------------
// UTF-8 encoding

/** Number of UTF-8 bytes for `s` from index `from`, counting lone surrogates as U+FFFD (3 bytes). */
function utf8Length(s: string, from: number): number {
  const len = s.length;
  let n = from;
  for (let i = from; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

// Above this many non-ASCII-prefix code units, size the output exactly instead of for the worst case.
const WORST_CASE_LIMIT = 0x40000;

/** Writes the UTF-8 encoding of s[from..] into `out` at `o`; returns the end offset. */
function writeUtf8(s: string, from: number, out: Uint8Array, o: number): number {
  const len = s.length;
  for (let i = from; i < len; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[o++] = c;
    } else if (c < 0x800) {
      out[o++] = 0xc0 | (c >> 6);
      out[o++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = c <= 0xdbff && i + 1 < len ? s.charCodeAt(i + 1) : 0;
        if (d >= 0xdc00 && d <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          out[o++] = 0xf0 | (cp >> 18);
          out[o++] = 0x80 | ((cp >> 12) & 0x3f);
          out[o++] = 0x80 | ((cp >> 6) & 0x3f);
          out[o++] = 0x80 | (cp & 0x3f);
          i++;
          continue;
        }
        c = 0xfffd;
      }
      out[o++] = 0xe0 | (c >> 12);
      out[o++] = 0x80 | ((c >> 6) & 0x3f);
      out[o++] = 0x80 | (c & 0x3f);
    }
  }
  return o;
}

/**
 * UTF-8 encodes a string (lone surrogates become U+FFFD). Returns a Uint8Array whose buffer
 * is exactly the encoded length.
 */
export function utf8Encode(s: string): Uint8Array {
  const len = s.length;
  const ascii = new Uint8Array(len);
  let i = 0;
  for (; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    ascii[i] = c;
  }
  if (i === len) return ascii;
  const rest = len - i;
  // Small inputs: one pass into a worst-case buffer (3 bytes per UTF-16 unit), then trim.
  // Large inputs: measure first so that no oversized temporary is allocated.
  const out = new Uint8Array(rest <= WORST_CASE_LIMIT ? i + rest * 3 : utf8Length(s, i));
  out.set(ascii.subarray(0, i));
  const end = writeUtf8(s, i, out, i);
  return end === out.length ? out : out.slice(0, end);
}

/** Encoder side of TextEncoder.encodeInto: never writes a partial sequence. */
export function utf8EncodeInto(s: string, dst: Uint8Array): { read: number; written: number } {
  const len = s.length;
  const cap = dst.length;
  let read = 0;
  let written = 0;
  while (read < len) {
    let c = s.charCodeAt(read);
    if (c < 0x80) {
      if (written >= cap) break;
      dst[written++] = c;
      read++;
      continue;
    }
    if (c < 0x800) {
      if (written + 2 > cap) break;
      dst[written++] = 0xc0 | (c >> 6);
      dst[written++] = 0x80 | (c & 0x3f);
      read++;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = c <= 0xdbff && read + 1 < len ? s.charCodeAt(read + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        if (written + 4 > cap) break;
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        dst[written++] = 0xf0 | (cp >> 18);
        dst[written++] = 0x80 | ((cp >> 12) & 0x3f);
        dst[written++] = 0x80 | ((cp >> 6) & 0x3f);
        dst[written++] = 0x80 | (cp & 0x3f);
        read += 2;
        continue;
      }
      c = 0xfffd;
    }
    if (written + 3 > cap) break;
    dst[written++] = 0xe0 | (c >> 12);
    dst[written++] = 0x80 | ((c >> 6) & 0x3f);
    dst[written++] = 0x80 | (c & 0x3f);
    read++;
  }
  return { read, written };
}

// ---------------------------------------------------------------------------------------------
// Decoders. Each keeps the spec's streaming state between calls; `flush` is the end of queue.
// On a fatal error the state is reset before throwing.

export class Utf8Decoder implements Decoder {
  needed = 0;
  seen = 0;
  cp = 0;
  lower = 0x80;
  upper = 0xbf;

  reset(): void {
    this.needed = 0;
    this.seen = 0;
    this.cp = 0;
    this.lower = 0x80;
    this.upper = 0xbf;
  }

  decode(bytes: Uint8Array, flush: boolean, fatal: boolean): string {
    const len = bytes.length;
    let needed = this.needed;
    let i = 0;
    if (needed === 0) {
      while (i < len && (bytes[i] as number) < 0x80) i++;
      if (i === len) return fromCodeUnits(bytes, len);
    }
    const prefix = i > 0 ? fromCodeUnits(bytes, i) : '';
    // Each byte yields at most one unit, plus one extra for a sequence carried over from the
    // previous chunk and one for the final flush.
    const out = new Uint16Array(len - i + 3);
    let o = 0;
    let seen = this.seen;
    let cp = this.cp;
    let lower = this.lower;
    let upper = this.upper;
    while (i < len) {
      const b = bytes[i] as number;
      if (needed === 0) {
        i++;
        if (b < 0x80) {
          out[o++] = b;
        } else if (b >= 0xc2 && b <= 0xdf) {
          needed = 1;
          cp = b & 0x1f;
        } else if (b >= 0xe0 && b <= 0xef) {
          if (b === 0xe0) lower = 0xa0;
          else if (b === 0xed) upper = 0x9f;
          needed = 2;
          cp = b & 0xf;
        } else if (b >= 0xf0 && b <= 0xf4) {
          if (b === 0xf0) lower = 0x90;
          else if (b === 0xf4) upper = 0x8f;
          needed = 3;
          cp = b & 0x7;
        } else {
          if (fatal) throw this.#fail();
          out[o++] = 0xfffd;
        }
        continue;
      }
      if (b < lower || b > upper) {
        // The byte is not consumed: it is processed again as the start of a new sequence.
        needed = seen = cp = 0;
        lower = 0x80;
        upper = 0xbf;
        if (fatal) throw this.#fail();
        out[o++] = 0xfffd;
        continue;
      }
      i++;
      lower = 0x80;
      upper = 0xbf;
      cp = (cp << 6) | (b & 0x3f);
      if (++seen === needed) {
        if (cp > 0xffff) {
          cp -= 0x10000;
          out[o++] = 0xd800 | (cp >> 10);
          out[o++] = 0xdc00 | (cp & 0x3ff);
        } else {
          out[o++] = cp;
        }
        needed = seen = cp = 0;
      }
    }
    if (flush && needed !== 0) {
      needed = seen = cp = 0;
      lower = 0x80;
      upper = 0xbf;
      if (fatal) throw this.#fail();
      out[o++] = 0xfffd;
    }
    this.needed = needed;
    this.seen = seen;
    this.cp = cp;
    this.lower = lower;
    this.upper = upper;
    return prefix + fromCodeUnits(out, o);
  }

  #fail(): TypeError {
    this.reset();
    return decodingError();
  }
}

/**
 * Spec "UTF-8 decode": replacement on errors and a leading BOM is stripped, as
 * Body.text()/json() and `new TextDecoder().decode()` do.
 */
export function utf8Decode(bytes: Uint8Array): string {
  const s = new Utf8Decoder().decode(bytes, true, false);
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

/** Spec "UTF-8 decode without BOM": replacement on errors, a leading BOM is kept. */
export function utf8DecodeWithoutBOM(bytes: Uint8Array): string {
  return new Utf8Decoder().decode(bytes, true, false);
}
