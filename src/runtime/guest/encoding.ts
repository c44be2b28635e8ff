// WHATWG Encoding: TextEncoder / TextDecoder (every encoding of the standard). Both classes are
// also callable without `new`, as EdgeOne allows. UTF-8 (utf8.ts), UTF-16, windows-1252 and
// x-user-defined decode here; the legacy encodings on the host (host-decoder.ts).
import { defineInterface, dictionaryOf, requiredArguments } from './webidl.ts';
import { getEncoding, guestEncodings } from './encoding-labels.ts';
import { HostDecoder } from './host-decoder.ts';
import { illegalInvocation, rangeError, typeError } from './errors.ts';
import { decodingError, fromCodeUnits, Utf8Decoder, utf8Encode, utf8EncodeInto, type Decoder } from './utf8.ts';

const EMPTY = new Uint8Array(0);


class Utf16Decoder implements Decoder {
  leadByte = -1;
  leadSurrogate = -1;

  constructor(readonly bigEndian: boolean) {}

  reset(): void {
    this.leadByte = -1;
    this.leadSurrogate = -1;
  }

  decode(bytes: Uint8Array, flush: boolean, fatal: boolean): string {
    const len = bytes.length;
    const out = new Uint16Array((len >> 1) + 3);
    let o = 0;
    let leadByte = this.leadByte;
    let leadSurrogate = this.leadSurrogate;
    const bigEndian = this.bigEndian;
    for (let i = 0; i < len; i++) {
      const b = bytes[i] as number;
      if (leadByte < 0) {
        leadByte = b;
        continue;
      }
      const unit = bigEndian ? (leadByte << 8) | b : leadByte | (b << 8);
      leadByte = -1;
      if (leadSurrogate >= 0) {
        const lead = leadSurrogate;
        leadSurrogate = -1;
        if (unit >= 0xdc00 && unit <= 0xdfff) {
          out[o++] = lead;
          out[o++] = unit;
          continue;
        }
        // Unpaired lead surrogate: error, then the unit is processed afresh.
        if (fatal) throw this.#fail();
        out[o++] = 0xfffd;
      }
      if (unit >= 0xd800 && unit <= 0xdbff) {
        leadSurrogate = unit;
      } else if (unit >= 0xdc00 && unit <= 0xdfff) {
        if (fatal) throw this.#fail();
        out[o++] = 0xfffd;
      } else {
        out[o++] = unit;
      }
    }
    if (flush && (leadByte >= 0 || leadSurrogate >= 0)) {
      leadByte = leadSurrogate = -1;
      if (fatal) throw this.#fail();
      out[o++] = 0xfffd;
    }
    this.leadByte = leadByte;
    this.leadSurrogate = leadSurrogate;
    return fromCodeUnits(out, o);
  }

  #fail(): TypeError {
    this.reset();
    return decodingError();
  }
}

// index-windows-1252.txt pointers 0x80..0x9F (every other byte maps to itself).
const WINDOWS_1252_HIGH = new Uint16Array([
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152,
  0x008d, 0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122,
  0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
]);

class Windows1252Decoder implements Decoder {
  reset(): void {}

  decode(bytes: Uint8Array): string {
    const len = bytes.length;
    let i = 0;
    while (i < len) {
      const b = bytes[i] as number;
      if (b >= 0x80 && b <= 0x9f) break;
      i++;
    }
    if (i === len) return fromCodeUnits(bytes, len);
    const out = new Uint16Array(len);
    out.set(bytes.subarray(0, i));
    for (; i < len; i++) {
      const b = bytes[i] as number;
      out[i] = b >= 0x80 && b <= 0x9f ? (WINDOWS_1252_HIGH[b - 0x80] as number) : b;
    }
    return fromCodeUnits(out, len);
  }
}

// x-user-defined: ASCII as itself, 0x80-0xFF to U+F780-U+F7FF. Never an error.
class XUserDefinedDecoder implements Decoder {
  reset(): void {}

  decode(bytes: Uint8Array): string {
    const len = bytes.length;
    const out = new Uint16Array(len);
    for (let i = 0; i < len; i++) {
      const b = bytes[i] as number;
      out[i] = b < 0x80 ? b : 0xf780 + b - 0x80;
    }
    return fromCodeUnits(out, len);
  }
}

function makeDecoder(encoding: string, ignoreBOM: boolean): Decoder {
  if (!guestEncodings.has(encoding)) return new HostDecoder(encoding, ignoreBOM);
  switch (encoding) {
    case 'utf-8':
      return new Utf8Decoder();
    case 'utf-16le':
      return new Utf16Decoder(false);
    case 'utf-16be':
      return new Utf16Decoder(true);
    case 'windows-1252':
      return new Windows1252Decoder();
    default:
      return new XUserDefinedDecoder();
  }
}


// ---------------------------------------------------------------------------------------------
// BufferSource handling

const arrayBufferByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength')?.get;
const sharedByteLength =
  typeof SharedArrayBuffer === 'function'
    ? Object.getOwnPropertyDescriptor(SharedArrayBuffer.prototype, 'byteLength')?.get
    : undefined;

function hasBrand(getter: (() => unknown) | undefined, value: object): boolean {
  if (getter === undefined) return false;
  try {
    getter.call(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Views an ArrayBuffer, SharedArrayBuffer (unless `allowShared` is false) or ArrayBufferView
 * (incl. DataView) as bytes without copying; a detached buffer has no bytes. Returns null for
 * anything else.
 */
export function bufferSourceToBytes(input: unknown, allowShared = true): Uint8Array | null {
  if (typeof input !== 'object' || input === null) return null;
  if (ArrayBuffer.isView(input)) {
    if (input instanceof Uint8Array) return input;
    // WebIDL: the bytes of a detached buffer are none (a view of one cannot even be made).
    return isDetached(input.buffer) ? EMPTY : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  }
  if (hasBrand(arrayBufferByteLength, input)) return isDetached(input) ? EMPTY : new Uint8Array(input as ArrayBuffer);
  if (allowShared && hasBrand(sharedByteLength, input)) return new Uint8Array(input as ArrayBuffer);
  return null;
}

const detachedGetter = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'detached')?.get;

function isDetached(buffer: unknown): boolean {
  return detachedGetter !== undefined && hasBrand(arrayBufferByteLength, buffer as object) && detachedGetter.call(buffer) === true;
}

// ---------------------------------------------------------------------------------------------
// Classes

const typedArrayTag = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype) as object, Symbol.toStringTag)
  ?.get as ((this: unknown) => string | undefined) | undefined;


/** Wraps a class so that calling it without `new` constructs an instance too. */
function callableClass<C extends new (...args: never[]) => object>(cls: C, name: string): C {
  Object.defineProperty(cls, 'name', { value: name, configurable: true });
  const wrapped = new Proxy(cls, {
    apply(target, _thisArg, args: unknown[]): object {
      return Reflect.construct(target, args) as object;
    },
  });
  Object.defineProperty(cls.prototype, 'constructor', { value: wrapped, writable: true, configurable: true });
  return wrapped;
}

/** Result of TextEncoder.encodeInto. */
export interface TextEncoderEncodeIntoResult {
  read: number;
  written: number;
}

class TextEncoderImpl {
  #brand = true;

  /** Always 'utf-8'. */
  get encoding(): string {
    if (!this.#brand) throw illegalInvocation('TextEncoder');
    return 'utf-8';
  }

  /** UTF-8 encodes `input` (lone surrogates become U+FFFD). */
  encode(input: string = ''): Uint8Array {
    if (!this.#brand) throw illegalInvocation('TextEncoder');
    return utf8Encode(typeof input === 'string' ? input : `${input as unknown as string}`);
  }

  /** Encodes as much of `source` as fits into `destination`, never splitting a code point. */
  encodeInto(source: string, destination: Uint8Array): TextEncoderEncodeIntoResult {
    if (!this.#brand) throw illegalInvocation('TextEncoder');
    requiredArguments(arguments.length, 2, 'TextEncoder.encodeInto');
    const s = typeof source === 'string' ? source : `${source as unknown as string}`;
    if (typedArrayTag?.call(destination) !== 'Uint8Array') {
      throw typeError('TextEncoder.encodeInto', 'destination must be a Uint8Array');
    }
    return utf8EncodeInto(s, destination);
  }

  static {
    defineInterface(TextEncoderImpl, 'TextEncoder', 0);
  }
}

/** The encodings whose decoders strip a leading byte order mark (unless ignoreBOM). */
const UNICODE = new Set(['utf-8', 'utf-16le', 'utf-16be']);

/** Options of the TextDecoder constructor. */
export interface TextDecoderOptions {
  fatal?: boolean;
  ignoreBOM?: boolean;
}

/** Options of TextDecoder.decode. */
export interface TextDecodeOptions {
  stream?: boolean;
}

class TextDecoderImpl {
  #encoding: string;
  #fatal: boolean;
  #ignoreBOM: boolean;
  #decoder: Decoder;
  #doNotFlush = false;
  #bomSeen = false;

  constructor(label: string = 'utf-8', options: TextDecoderOptions = {}) {
    const name = `${label}`;
    const encoding = getEncoding(name);
    const opts = dictionaryOf<TextDecoderOptions>(options, 'TextDecoder constructor');
    const fatal = Boolean(opts.fatal);
    const ignoreBOM = Boolean(opts.ignoreBOM);
    // The standard's "replacement" encoding (labels such as iso-2022-kr, hz-gb-2312) exists to
    // stop those labels from being decoded: TextDecoder refuses it like an unknown label.
    if (encoding === undefined || encoding === 'replacement') {
      throw rangeError('TextDecoder constructor', `the encoding label provided ('${name}') is invalid`);
    }
    this.#encoding = encoding;
    this.#fatal = fatal;
    this.#ignoreBOM = ignoreBOM;
    this.#decoder = makeDecoder(encoding, ignoreBOM);
  }

  /** The encoding's name, lowercase ('utf-8', 'gbk', 'shift_jis', ...). */
  get encoding(): string {
    return this.#encoding;
  }

  /** Whether invalid input throws a TypeError instead of producing U+FFFD. */
  get fatal(): boolean {
    return this.#fatal;
  }

  /** Whether a leading byte order mark is kept in the output. */
  get ignoreBOM(): boolean {
    return this.#ignoreBOM;
  }

  /**
   * Decodes `input`. With `{ stream: true }` an incomplete trailing sequence is kept for the next
   * call instead of being replaced (or rejected when fatal).
   */
  decode(input?: ArrayBuffer | ArrayBufferView, options: TextDecodeOptions = {}): string {
    const bytes = input === undefined ? EMPTY : bufferSourceToBytes(input);
    if (bytes === null) {
      throw typeError('TextDecoder.decode', 'input must be an ArrayBuffer or ArrayBufferView');
    }
    const stream = Boolean(dictionaryOf<TextDecodeOptions>(options, 'TextDecoder.decode').stream);
    if (!this.#doNotFlush) {
      this.#decoder.reset();
      this.#bomSeen = false;
    }
    this.#doNotFlush = stream;
    let out = this.#decoder.decode(bytes, !stream, this.#fatal);
    if (!this.#bomSeen && out.length > 0 && UNICODE.has(this.#encoding)) {
      this.#bomSeen = true;
      if (!this.#ignoreBOM && out.charCodeAt(0) === 0xfeff) out = out.slice(1);
    }
    return out;
  }

  static {
    defineInterface(TextDecoderImpl, 'TextDecoder', 0);
  }
}

/** Constructor type of TextEncoder: usable with or without `new`. */
export interface TextEncoderConstructor {
  new (): TextEncoderImpl;
  (): TextEncoderImpl;
  readonly prototype: TextEncoderImpl;
}

/** Constructor type of TextDecoder: usable with or without `new`. */
export interface TextDecoderConstructor {
  new (label?: string, options?: TextDecoderOptions): TextDecoderImpl;
  (label?: string, options?: TextDecoderOptions): TextDecoderImpl;
  readonly prototype: TextDecoderImpl;
}

/** WHATWG TextEncoder (UTF-8 only). `TextEncoder()` without `new` also returns an instance. */
export type TextEncoder = TextEncoderImpl;
/** WHATWG TextEncoder (UTF-8 only). `TextEncoder()` without `new` also returns an instance. */
export const TextEncoder = callableClass(TextEncoderImpl, 'TextEncoder') as unknown as TextEncoderConstructor;

/** WHATWG TextDecoder for every encoding of the standard. Callable without `new`. */
export type TextDecoder = TextDecoderImpl;
/** WHATWG TextDecoder for every encoding of the standard. Callable without `new`. */
export const TextDecoder = callableClass(TextDecoderImpl, 'TextDecoder') as unknown as TextDecoderConstructor;
