// WHATWG URL: URLSearchParams and the application/x-www-form-urlencoded parser/serializer.
// Storage is a flat [name, value, ...] list; a query handed over by the URL is parsed lazily.
import { utf8DecodeWithoutBOM, utf8Encode } from './utf8.ts';
import { defineInterface, pairIteratorClass, pairListOf, requiredArguments } from './webidl.ts';
import { typeError } from './errors.ts';

/** Anything the URLSearchParams constructor accepts. */
export type URLSearchParamsInit = URLSearchParams | Record<string, string> | Iterable<Iterable<string>> | string;

const SURROGATE = /[\uD800-\uDFFF]/;

/** WebIDL USVString: ToString, then lone surrogates become U+FFFD. */
function usv(value: unknown): string {
  const s = typeof value === 'string' ? value : `${value as string}`;
  if (!SURROGATE.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += s[i] as string;
        out += s[i + 1] as string;
        i++;
        continue;
      }
      out += '\uFFFD';
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      out += '\uFFFD';
    } else {
      out += s[i] as string;
    }
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Percent-decodes bytes (invalid escapes stay literal) and UTF-8 decodes with replacement. */
function percentDecodeBytes(bytes: Uint8Array): string {
  const len = bytes.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (let i = 0; i < len; i++) {
    const b = bytes[i] as number;
    if (b === 0x25 && i + 2 < len) {
      const hi = hexValue(bytes[i + 1] as number);
      const lo = hi < 0 ? -1 : hexValue(bytes[i + 2] as number);
      if (lo >= 0) {
        out[o++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[o++] = b;
  }
  return utf8DecodeWithoutBOM(out.subarray(0, o));
}

/** Replaces '+' with space, percent-decodes to bytes and UTF-8 decodes (with replacement). */
function decodeComponent(raw: string): string {
  const s = raw.indexOf('+') === -1 ? raw : raw.replace(/\+/g, ' ');
  if (s.indexOf('%') === -1) return s;
  // The native decoder agrees with the spec whenever it succeeds; it throws on invalid escapes
  // and on malformed UTF-8, which the spec handles leniently below.
  try {
    return decodeURIComponent(s);
  } catch {
    // fall through
  }
  // Queries coming from a URL are ASCII: decode straight from the string.
  const len = s.length;
  const bytes = new Uint8Array(len);
  let o = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return percentDecodeBytes(utf8Encode(s));
    if (c === 0x25 && i + 2 < len) {
      const hi = hexValue(s.charCodeAt(i + 1));
      const lo = hi < 0 ? -1 : hexValue(s.charCodeAt(i + 2));
      if (lo >= 0) {
        bytes[o++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    bytes[o++] = c;
  }
  return utf8DecodeWithoutBOM(bytes.subarray(0, o));
}

/** application/x-www-form-urlencoded parser into a flat [name, value, ...] list. */
function parseQuery(input: string): string[] {
  const list: string[] = [];
  const len = input.length;
  let start = 0;
  while (start <= len) {
    let end = input.indexOf('&', start);
    if (end === -1) end = len;
    if (end > start) {
      const eq = input.indexOf('=', start);
      if (eq !== -1 && eq < end) {
        list.push(decodeComponent(input.slice(start, eq)), decodeComponent(input.slice(eq + 1, end)));
      } else {
        list.push(decodeComponent(input.slice(start, end)), '');
      }
    }
    start = end + 1;
  }
  return list;
}

// Byte -> serialized form under the urlencoded percent-encode set, with space as '+'.
const ENCODED: string[] = [];
for (let b = 0; b < 256; b++) {
  const safe =
    (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) ||
    b === 0x2a || b === 0x2d || b === 0x2e || b === 0x5f;
  ENCODED.push(safe ? String.fromCharCode(b) : b === 0x20 ? '+' : `%${b < 16 ? '0' : ''}${b.toString(16).toUpperCase()}`);
}
const SAFE = /^[0-9A-Za-z*\-._]*$/;
// encodeURIComponent leaves these unescaped, the urlencoded set does not; %20 becomes '+'.
const NATIVE_FIXUP = /[!'()~]|%20/g;
const NEEDS_FIXUP = /[!'()~]/;
const FIXUP: Readonly<Record<string, string>> = { '!': '%21', "'": '%27', '(': '%28', ')': '%29', '~': '%7E', '%20': '+' };

function encodeComponent(s: string): string {
  if (SAFE.test(s)) return s;
  try {
    const encoded = encodeURIComponent(s);
    if (NEEDS_FIXUP.test(encoded)) return encoded.replace(NATIVE_FIXUP, (m) => FIXUP[m] as string);
    return encoded.indexOf('%20') === -1 ? encoded : encoded.replaceAll('%20', '+');
  } catch {
    // Lone surrogates (cannot happen for USVStrings): use the byte-wise path.
  }
  const bytes = utf8Encode(s);
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += ENCODED[bytes[i] as number] as string;
  return out;
}

function serialize(list: readonly string[]): string {
  let out = '';
  for (let i = 0; i < list.length; i += 2) {
    if (i > 0) out += '&';
    out += encodeComponent(list[i] as string);
    out += '=';
    out += encodeComponent(list[i + 1] as string);
  }
  return out;
}


/** URLSearchParams' own @@iterator, as defined (see the constructor's shortcut). */
let paramsIterator: unknown;
let listOf: (p: URLSearchParams) => string[];
let bind: (p: URLSearchParams, onUpdate: (serialized: string) => void) => void;
let reset: (p: URLSearchParams, query: string) => void;

const URLSearchParamsIterator = pairIteratorClass<URLSearchParams>('URLSearchParams Iterator', (p) => listOf(p));

/** WHATWG `URLSearchParams`. */
export class URLSearchParams {
  #list: string[] = [];
  // Query not parsed yet (set by resetSearchParams / string init); null once materialised.
  #pending: string | null = null;
  #onUpdate: ((serialized: string) => void) | null = null;

  constructor(init: URLSearchParamsInit = '') {
    if (init !== null && (typeof init === 'object' || typeof init === 'function')) {
      // Another URLSearchParams is copied directly, unless its iterator was replaced.
      if (init instanceof URLSearchParams && (init as { [Symbol.iterator]: unknown })[Symbol.iterator] === paramsIterator) {
        this.#list = init.#entries().slice();
        return;
      }
      this.#list = pairListOf(init, 'URLSearchParams constructor', usv);
      return;
    }
    const query = usv(init);
    this.#pending = query.charCodeAt(0) === 0x3f ? query.slice(1) : query;
  }

  #entries(): string[] {
    const pending = this.#pending;
    if (pending !== null) {
      this.#pending = null;
      this.#list = pending === '' ? [] : parseQuery(pending);
    }
    return this.#list;
  }

  #update(): void {
    const onUpdate = this.#onUpdate;
    if (onUpdate !== null) onUpdate(serialize(this.#list));
  }

  /** Number of name/value pairs. */
  get size(): number {
    return this.#entries().length >> 1;
  }

  /** Appends a pair. */
  append(name: string, value: string): void {
    requiredArguments(arguments.length, 2, 'URLSearchParams.append');
    this.#entries().push(usv(name), usv(value));
    this.#update();
  }

  /** Removes every pair named `name` (and, when given, whose value is `value`). */
  delete(name: string, value?: string): void {
    requiredArguments(arguments.length, 1, 'URLSearchParams.delete');
    const n = usv(name);
    const v = value === undefined ? undefined : usv(value);
    const list = this.#entries();
    let w = 0;
    for (let r = 0; r < list.length; r += 2) {
      if (list[r] === n && (v === undefined || list[r + 1] === v)) continue;
      if (w !== r) {
        list[w] = list[r] as string;
        list[w + 1] = list[r + 1] as string;
      }
      w += 2;
    }
    list.length = w;
    this.#update();
  }

  /** First value of `name`, or null. */
  get(name: string): string | null {
    requiredArguments(arguments.length, 1, 'URLSearchParams.get');
    const n = usv(name);
    const list = this.#entries();
    for (let i = 0; i < list.length; i += 2) if (list[i] === n) return list[i + 1] as string;
    return null;
  }

  /** Every value of `name`, in order. */
  getAll(name: string): string[] {
    requiredArguments(arguments.length, 1, 'URLSearchParams.getAll');
    const n = usv(name);
    const list = this.#entries();
    const out: string[] = [];
    for (let i = 0; i < list.length; i += 2) if (list[i] === n) out.push(list[i + 1] as string);
    return out;
  }

  /** Whether a pair named `name` (and, when given, with value `value`) exists. */
  has(name: string, value?: string): boolean {
    requiredArguments(arguments.length, 1, 'URLSearchParams.has');
    const n = usv(name);
    const v = value === undefined ? undefined : usv(value);
    const list = this.#entries();
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === n && (v === undefined || list[i + 1] === v)) return true;
    }
    return false;
  }

  /** Sets the first pair named `name` to `value` and removes the others (or appends). */
  set(name: string, value: string): void {
    requiredArguments(arguments.length, 2, 'URLSearchParams.set');
    const n = usv(name);
    const v = usv(value);
    const list = this.#entries();
    let w = -1;
    for (let r = 0; r < list.length; r += 2) {
      if (w < 0) {
        if (list[r] === n) {
          list[r + 1] = v;
          w = r + 2;
        }
        continue;
      }
      if (list[r] === n) continue;
      if (w !== r) {
        list[w] = list[r] as string;
        list[w + 1] = list[r + 1] as string;
      }
      w += 2;
    }
    if (w < 0) list.push(n, v);
    else list.length = w;
    this.#update();
  }

  /** Stable sort by name, comparing UTF-16 code units. */
  sort(): void {
    const list = this.#entries();
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < list.length; i += 2) pairs.push([list[i] as string, list[i + 1] as string]);
    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (let i = 0; i < pairs.length; i++) {
      const pair = pairs[i] as [string, string];
      list[2 * i] = pair[0];
      list[2 * i + 1] = pair[1];
    }
    this.#update();
  }

  /** application/x-www-form-urlencoded serialization (no leading '?'). */
  toString(): string {
    return serialize(this.#entries());
  }

  /** Calls `callback(value, name, params)` for each pair. */
  forEach(callback: (value: string, name: string, params: URLSearchParams) => void, thisArg?: unknown): void {
    requiredArguments(arguments.length, 1, 'URLSearchParams.forEach');
    if (typeof callback !== 'function') throw typeError('URLSearchParams.forEach', 'callback is not a function');
    for (let i = 0; ; i += 2) {
      const list = this.#entries();
      if (i >= list.length) break;
      callback.call(thisArg, list[i + 1] as string, list[i] as string, this);
    }
  }

  /** Iterates [name, value] pairs. */
  entries(): IterableIterator<[string, string]> {
    this.#entries();
    return new URLSearchParamsIterator(this, 'key+value') as unknown as IterableIterator<[string, string]>;
  }

  /** Iterates names. */
  keys(): IterableIterator<string> {
    this.#entries();
    return new URLSearchParamsIterator(this, 'key') as unknown as IterableIterator<string>;
  }

  /** Iterates values. */
  values(): IterableIterator<string> {
    this.#entries();
    return new URLSearchParamsIterator(this, 'value') as unknown as IterableIterator<string>;
  }

  declare [Symbol.iterator]: () => IterableIterator<[string, string]>;

  static {
    Object.defineProperty(URLSearchParams.prototype, Symbol.iterator, {
      value: URLSearchParams.prototype.entries,
      writable: true,
      configurable: true,
    });
    paramsIterator = URLSearchParams.prototype.entries;
    defineInterface(URLSearchParams, 'URLSearchParams', 0);
    listOf = (p) => p.#entries();
    bind = (p, onUpdate) => {
      p.#onUpdate = onUpdate;
    };
    reset = (p, query) => {
      p.#list = [];
      p.#pending = query.charCodeAt(0) === 0x3f ? query.slice(1) : query;
    };
  }
}

/**
 * Links `params` to its URL: `onUpdate` receives the new serialization after every mutation
 * ('' when the list is empty).
 */
export function bindSearchParams(params: URLSearchParams, onUpdate: (serialized: string) => void): void {
  bind(params, onUpdate);
}

/**
 * Replaces the list of `params` with the parse of `query` without calling onUpdate. `query` is
 * in the form of `url.search`: a single leading '?' is removed. Parsing happens lazily.
 */
export function resetSearchParams(params: URLSearchParams, query: string): void {
  reset(params, query);
}
