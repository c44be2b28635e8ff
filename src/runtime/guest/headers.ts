import { defineInterface, pairIteratorClass, pairListOf, requiredArguments } from './webidl.ts';
import { isHttpToken } from './infra.ts';
import { illegalInvocation, typeError } from './errors.ts';
// WHATWG Fetch Headers. Storage is a flat [name, value, name, value, ...] list with lowercased
// names in insertion order; the sorted-and-combined view is built lazily for iteration only.

/** Header guard: 'immutable' makes append/delete/set throw. */
export type HeadersGuard = 'none' | 'immutable';

/** Anything the Headers constructor accepts. */
export type HeadersInit = Headers | Record<string, string> | Iterable<Iterable<string>>;

// After whitespace trimming a value may not contain NUL, CR, LF, nor anything beyond a ByteString.
const BAD_VALUE = /[\0\r\n\u0100-\uffff]/;

function isHttpWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : `${value as string}`;
}

/** Validates a header name and returns it lowercased. */
function checkName(value: unknown, method: string): string {
  const name = str(value);
  if (!isHttpToken(name)) throw typeError(`Headers.${method}`, `"${name}" is an invalid header name`);
  return name.toLowerCase();
}

/** Normalises (trims HTTP whitespace) and validates a header value. */
function checkValue(input: unknown, method: string): string {
  const raw = str(input);
  let start = 0;
  let end = raw.length;
  while (start < end && isHttpWhitespace(raw.charCodeAt(start))) start++;
  while (end > start && isHttpWhitespace(raw.charCodeAt(end - 1))) end--;
  const value = start === 0 && end === raw.length ? raw : raw.slice(start, end);
  if (BAD_VALUE.test(value)) throw typeError(`Headers.${method}`, `"${value}" is an invalid header value`);
  return value;
}


/** Headers' own @@iterator, as defined (a copy of another Headers takes a shortcut only while it is this). */
let headersIterator: unknown;
let sortedOf: (h: Headers) => string[];
let listOf: (h: Headers) => string[];
let replaceList: (h: Headers, list: string[]) => void;
let guardOf: (h: Headers, guard: HeadersGuard) => void;

const HeadersIterator = pairIteratorClass<Headers>('Headers Iterator', (h) => sortedOf(h));

/** WHATWG Fetch `Headers`. */
export class Headers {
  #list: string[] = [];
  #guard: HeadersGuard = 'none';
  // Sorted and combined pairs, flat; null when stale.
  #sorted: string[] | null = null;

  constructor(init?: HeadersInit) {
    if (init === undefined) return;
    // Another Headers is copied directly, unless its iterator was replaced (then it is a sequence).
    if (init instanceof Headers && (init as { [Symbol.iterator]: unknown })[Symbol.iterator] === headersIterator) {
      this.#list = init.#list.slice();
      return;
    }
    if (init === null || (typeof init !== 'object' && typeof init !== 'function')) {
      throw typeError('Headers constructor', 'init must be a sequence of pairs or a record');
    }
    // Converted whole first, as WebIDL does, then appended.
    const pairs = pairListOf(init, 'Headers constructor', str);
    for (let i = 0; i < pairs.length; i += 2) this.#append(pairs[i] as string, pairs[i + 1] as string, 'constructor');
  }

  #append(rawName: string, rawValue: string, method: string): void {
    const value = checkValue(rawValue, method);
    const name = checkName(rawName, method);
    if (this.#guard === 'immutable') throw typeError(`Headers.${method}`, 'these headers are immutable');
    this.#list.push(name, value);
    this.#sorted = null;
  }

  /** Appends a value, keeping existing values of the same name. */
  append(name: string, value: string): void {
    requiredArguments(arguments.length, 2, 'Headers.append');
    this.#append(name, value, 'append');
  }

  /** Removes every value of `name`. */
  delete(name: string): void {
    requiredArguments(arguments.length, 1, 'Headers.delete');
    const key = checkName(name, 'delete');
    if (this.#guard === 'immutable') throw typeError('Headers.delete', 'these headers are immutable');
    const list = this.#list;
    let w = 0;
    for (let r = 0; r < list.length; r += 2) {
      if (list[r] !== key) {
        if (w !== r) {
          list[w] = list[r] as string;
          list[w + 1] = list[r + 1] as string;
        }
        w += 2;
      }
    }
    if (w !== list.length) {
      list.length = w;
      this.#sorted = null;
    }
  }

  /** All values of `name` joined by ", ", or null when absent. */
  get(name: string): string | null {
    requiredArguments(arguments.length, 1, 'Headers.get');
    const key = checkName(name, 'get');
    const list = this.#list;
    let out: string | null = null;
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === key) out = out === null ? (list[i + 1] as string) : `${out}, ${list[i + 1] as string}`;
    }
    return out;
  }

  /** Every `set-cookie` value, one entry per cookie. */
  getSetCookie(): string[] {
    const list = this.#list;
    const out: string[] = [];
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === 'set-cookie') out.push(list[i + 1] as string);
    }
    return out;
  }

  /** Whether `name` has at least one value. */
  has(name: string): boolean {
    requiredArguments(arguments.length, 1, 'Headers.has');
    const key = checkName(name, 'has');
    const list = this.#list;
    for (let i = 0; i < list.length; i += 2) if (list[i] === key) return true;
    return false;
  }

  /** Replaces every value of `name` with `value` (in the position of the first one). */
  set(name: string, value: string): void {
    requiredArguments(arguments.length, 2, 'Headers.set');
    const v = checkValue(value, 'set');
    const key = checkName(name, 'set');
    if (this.#guard === 'immutable') throw typeError('Headers.set', 'these headers are immutable');
    const list = this.#list;
    // w: write index once the first match has been updated; later matches are dropped.
    let w = -1;
    for (let r = 0; r < list.length; r += 2) {
      if (w < 0) {
        if (list[r] === key) {
          list[r + 1] = v;
          w = r + 2;
        }
        continue;
      }
      if (list[r] === key) continue;
      if (w !== r) {
        list[w] = list[r] as string;
        list[w + 1] = list[r + 1] as string;
      }
      w += 2;
    }
    if (w < 0) list.push(key, v);
    else list.length = w;
    this.#sorted = null;
  }

  /** Calls `callback(value, name, headers)` for each sorted, combined entry. */
  forEach(callback: (value: string, name: string, headers: Headers) => void, thisArg?: unknown): void {
    requiredArguments(arguments.length, 1, 'Headers.forEach');
    if (typeof callback !== 'function') throw typeError('Headers.forEach', 'callback is not a function');
    for (let i = 0; ; i += 2) {
      const pairs = this.#sortedPairs();
      if (i >= pairs.length) break;
      callback.call(thisArg, pairs[i + 1] as string, pairs[i] as string, this);
    }
  }

  /** Iterates [name, value] pairs sorted by name; `set-cookie` yields one pair per cookie. */
  entries(): IterableIterator<[string, string]> {
    Headers.#check(this);
    return new HeadersIterator(this, 'key+value') as unknown as IterableIterator<[string, string]>;
  }

  /** Iterates sorted names (repeated for each `set-cookie`). */
  keys(): IterableIterator<string> {
    Headers.#check(this);
    return new HeadersIterator(this, 'key') as unknown as IterableIterator<string>;
  }

  /** Iterates combined values in name order. */
  values(): IterableIterator<string> {
    Headers.#check(this);
    return new HeadersIterator(this, 'value') as unknown as IterableIterator<string>;
  }

  declare [Symbol.iterator]: () => IterableIterator<[string, string]>;

  static #check(h: Headers): void {
    if (!(#list in h)) throw illegalInvocation('Headers');
  }

  #sortedPairs(): string[] {
    let sorted = this.#sorted;
    if (sorted !== null) return sorted;
    const list = this.#list;
    const byName = new Map<string, string[]>();
    for (let i = 0; i < list.length; i += 2) {
      const name = list[i] as string;
      const values = byName.get(name);
      if (values === undefined) byName.set(name, [list[i + 1] as string]);
      else values.push(list[i + 1] as string);
    }
    const names = [...byName.keys()].sort();
    sorted = [];
    for (const name of names) {
      const values = byName.get(name) as string[];
      if (name === 'set-cookie') {
        for (const value of values) sorted.push(name, value);
      } else {
        sorted.push(name, values.join(', '));
      }
    }
    this.#sorted = sorted;
    return sorted;
  }

  static {
    Object.defineProperty(Headers.prototype, Symbol.iterator, {
      value: Headers.prototype.entries,
      writable: true,
      configurable: true,
    });
    headersIterator = Headers.prototype.entries;
    defineInterface(Headers, 'Headers', 0);
    sortedOf = (h) => h.#sortedPairs();
    listOf = (h) => h.#list;
    replaceList = (h, list) => {
      h.#list = list;
      h.#sorted = null;
    };
    guardOf = (h, guard) => {
      h.#guard = guard;
    };
  }
}

/** Sets the guard of `h`; with 'immutable', append/delete/set throw TypeError. */
export function setHeadersGuard(h: Headers, guard: HeadersGuard): void {
  guardOf(h, guard);
}

/**
 * Builds Headers from a trusted flat list [name1, value1, name2, value2, ...] without
 * validation. Names may be in any case.
 */
export function headersFromFlatList(list: readonly string[]): Headers {
  const h = new Headers();
  const copy = list.slice();
  for (let i = 0; i < copy.length; i += 2) copy[i] = (copy[i] as string).toLowerCase();
  replaceList(h, copy);
  return h;
}

/**
 * Flat list [name1, value1, ...] in insertion order with lowercased names; every
 * `set-cookie` value is its own entry.
 */
export function headersToFlatList(h: Headers): string[] {
  return listOf(h).slice();
}
