// atob/btoa per the HTML spec (forgiving-base64) and EdgeOne's btoaUTF8/atobUTF8.
import { DOMException } from './dom-exception.ts';
import { bufferSourceToBytes } from './encoding.ts';
import { utf8Decode, utf8Encode } from './utf8.ts';
import { requiredArguments } from './webidl.ts';
import { errorMessage } from './errors.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ENCODE = new Uint8Array(64);
// 6-bit value for each base64 character code, -1 otherwise.
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  const c = ALPHABET.charCodeAt(i);
  ENCODE[i] = c;
  DECODE[c] = i;
}
const CHUNK = 0x2000;

function fromBytes(bytes: Uint8Array): string {
  const apply = String.fromCharCode.apply as (thisArg: null, args: ArrayLike<number>) => string;
  let out = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    out += apply.call(String.fromCharCode, null, bytes.subarray(i, Math.min(i + CHUNK, bytes.length)));
  }
  return out;
}

function toStringArg(value: unknown, fn: string, argc: number): string {
  requiredArguments(argc, 1, fn);
  return typeof value === 'string' ? value : `${value as string}`;
}

/** Base64-encodes bytes (with padding). */
export function base64EncodeBytes(bytes: Uint8Array): string {
  const len = bytes.length;
  const out = new Uint8Array(Math.ceil(len / 3) * 4);
  let o = 0;
  let i = 0;
  for (const end = len - (len % 3); i < end; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out[o++] = ENCODE[n >> 18] as number;
    out[o++] = ENCODE[(n >> 12) & 63] as number;
    out[o++] = ENCODE[(n >> 6) & 63] as number;
    out[o++] = ENCODE[n & 63] as number;
  }
  const rest = len - i;
  if (rest > 0) {
    const n = ((bytes[i] as number) << 16) | (rest === 2 ? (bytes[i + 1] as number) << 8 : 0);
    out[o++] = ENCODE[n >> 18] as number;
    out[o++] = ENCODE[(n >> 12) & 63] as number;
    out[o++] = rest === 2 ? (ENCODE[(n >> 6) & 63] as number) : 0x3d;
    out[o++] = 0x3d;
  }
  return fromBytes(out);
}

/** Forgiving-base64 decode to bytes; null when the input is not valid base64. */
export function base64DecodeBytes(input: string): Uint8Array | null {
  let data = input;
  if (/[\t\n\f\r ]/.test(data)) data = data.replace(/[\t\n\f\r ]+/g, '');
  let len = data.length;
  if (len % 4 === 0 && len > 0 && data.charCodeAt(len - 1) === 0x3d) {
    len--;
    if (data.charCodeAt(len - 1) === 0x3d) len--;
  }
  if (len % 4 === 1) return null;
  const out = new Uint8Array((len * 3) >> 2);
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < len; i++) {
    const c = data.charCodeAt(i);
    const v = c < 128 ? (DECODE[c] as number) : -1;
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/**
 * Decodes base64 into a binary string (one char per byte). Throws DOMException
 * 'InvalidCharacterError' on malformed input.
 */
export function atob(data: string): string {
  const bytes = base64DecodeBytes(toStringArg(data, 'atob', arguments.length));
  if (bytes === null) {
    throw new DOMException(errorMessage('atob', 'the string to be decoded is not correctly encoded'), 'InvalidCharacterError');
  }
  return fromBytes(bytes);
}

/**
 * Encodes a binary string as base64; throws DOMException 'InvalidCharacterError' for characters
 * above U+00FF. EdgeOne extension: an ArrayBuffer or ArrayBufferView is encoded as raw bytes.
 */
export function btoa(data: string | ArrayBuffer | ArrayBufferView): string {
  const raw = bufferSourceToBytes(data);
  if (raw !== null) return base64EncodeBytes(raw);
  const s = toStringArg(data, 'btoa', arguments.length);
  const len = s.length;
  const bytes = new Uint8Array(len);
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) {
      throw new DOMException(errorMessage('btoa', 'the string contains characters outside of the Latin1 range'), 'InvalidCharacterError');
    }
    bytes[i] = c;
  }
  return base64EncodeBytes(bytes);
}

/** EdgeOne: base64 of the UTF-8 encoding of `data` (lone surrogates become U+FFFD). */
export function btoaUTF8(data: string): string {
  return base64EncodeBytes(utf8Encode(toStringArg(data, 'btoaUTF8', arguments.length)));
}

/**
 * EdgeOne: base64-decodes `data` and UTF-8 decodes the bytes like `new TextDecoder().decode()`
 * (invalid sequences become U+FFFD, a leading BOM is dropped). Throws DOMException
 * 'InvalidCharacterError' on malformed base64.
 */
export function atobUTF8(data: string): string {
  const bytes = base64DecodeBytes(toStringArg(data, 'atobUTF8', arguments.length));
  if (bytes === null) {
    throw new DOMException(errorMessage('atobUTF8', 'the string to be decoded is not correctly encoded'), 'InvalidCharacterError');
  }
  return utf8Decode(bytes);
}
