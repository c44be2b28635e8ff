/** Small WebIDL behaviours shared by the guest's classes. */
import { typeError } from './errors.ts';

/** WebIDL members are enumerable, unlike class members: make a prototype's members so. */
export function makeEnumerable(proto: object): void {
  for (const key of Object.getOwnPropertyNames(proto)) {
    if (key === 'constructor') continue;
    const desc = Object.getOwnPropertyDescriptor(proto, key) as PropertyDescriptor;
    desc.enumerable = true;
    Object.defineProperty(proto, key, desc);
  }
}

/** The prototypes of every interface, with their names: what makes an object a platform object. */
const interfacePrototypes = new WeakMap<object, string>();

/**
 * The interface of a platform object (an instance of one of the guest's interfaces, or of a
 * subclass of one), or undefined for an ordinary object. structuredClone refuses the ones that are
 * not serializable, as browsers do, instead of copying them as empty objects.
 */
export function interfaceOf(value: object): string | undefined {
  for (let proto = Object.getPrototypeOf(value) as object | null; proto !== null; proto = Object.getPrototypeOf(proto) as object | null) {
    const name = interfacePrototypes.get(proto);
    if (name !== undefined) return name;
  }
  return undefined;
}

/**
 * WebIDL: an operation called with fewer arguments than it requires throws a TypeError. `context`
 * names the operation as browsers do ("Headers.append", "Blob constructor").
 */
export function requiredArguments(count: number, required: number, context: string): void {
  if (count < required) throw typeError(context, `${required} argument${required === 1 ? '' : 's'} required, but only ${count} present.`);
}

/**
 * Gives a class the shape WebIDL gives an interface object: its `name`, its `length` (how many
 * constructor arguments are required), enumerable members (attributes and operations, not
 * @@iterator), and the class string as a data property of its prototype
 * (not a getter), as `Object.prototype.toString` and WPT's idlharness expect.
 */
export function defineInterface(iface: unknown, name: string, length: number): void {
  if (typeof iface !== 'function') return;
  interfacePrototypes.set(iface.prototype as object, name);
  makeEnumerable(iface.prototype as object);
  Object.defineProperty(iface, 'name', { value: name, configurable: true });
  Object.defineProperty(iface, 'length', { value: length, configurable: true });
  Object.defineProperty(iface.prototype as object, Symbol.toStringTag, { value: name, configurable: true });
}

/**
 * WebIDL's `unsigned short` conversion (no [EnforceRange]): ToNumber, then NaN and infinities are
 * 0, fractions are truncated, and the result wraps modulo 2^16. So `status: 200.5` is 200 and
 * `'301'` is 301. ToNumber throws for symbols and BigInts, as WebIDL does.
 */
export function toUnsignedShort(value: unknown): number {
  const x = +(value as number);
  if (!Number.isFinite(x)) return 0;
  const wrapped = Math.trunc(x) % 65536;
  return wrapped < 0 ? wrapped + 65536 : wrapped + 0;
}

// Taken before any user code runs: the fast paths below are only for arrays nobody re-wired.
const arrayIterator = Array.prototype[Symbol.iterator];

/**
 * WebIDL's conversion of `record<K, V> or sequence<sequence<T>>`-style init arguments (Headers,
 * URLSearchParams): the pairs of `init`, as `[name, value]` arrays of unconverted values, or null
 * when `init` has no @@iterator (it is a record then). @@iterator is read once, as WebIDL does, and
 * a custom one is used; each pair must have exactly two items.
 */
function pairsOf(init: object, what: string): unknown[][] | null {
  const method = (init as { [Symbol.iterator]?: unknown })[Symbol.iterator];
  if (method === undefined || method === null) return null;
  if (typeof method !== 'function') throw typeError(what, 'init[Symbol.iterator] is not a function');
  const iterate = method as (this: unknown) => unknown;
  const pairs: unknown[][] = [];
  for (const pair of listFrom(init, iterate, what)) {
    if (pair === null || (typeof pair !== 'object' && typeof pair !== 'function')) throw typeError(what, 'each item must be a sequence of two values');
    const inner = (pair as { [Symbol.iterator]?: unknown })[Symbol.iterator];
    if (typeof inner !== 'function') throw typeError(what, 'each item must be a sequence of two values');
    const items = listFrom(pair, inner as (this: unknown) => unknown, what);
    if (items.length !== 2) throw typeError(what, `expected a name/value pair of length 2, found ${items.length}`);
    pairs.push(items);
  }
  return pairs;
}

/**
 * WebIDL's `sequence<sequence<T>> or record<K, T>` (the Headers and URLSearchParams inits) as a
 * flat `[name, value, ...]` list, each string converted by `convert` (to a ByteString, a
 * USVString). Record keys that convert to the same string keep the last value, in first place.
 */
export function pairListOf(init: object, what: string, convert: (value: unknown) => string): string[] {
  const list: string[] = [];
  const pairs = pairsOf(init, what);
  if (pairs !== null) {
    for (const [name, value] of pairs) list.push(convert(name), convert(value));
    return list;
  }
  const record = new Map<string, string>();
  for (const key of Reflect.ownKeys(init)) {
    const desc = Reflect.getOwnPropertyDescriptor(init, key);
    if (desc === undefined || !desc.enumerable) continue;
    if (typeof key === 'symbol') throw typeError(what, 'a record key cannot be a Symbol');
    record.set(convert(key), convert((init as Record<string, unknown>)[key]));
  }
  for (const [name, value] of record) list.push(name, value);
  return list;
}

/** WebIDL dictionary conversion's first step: undefined and null are `{}`, other non-objects a TypeError. */
export function dictionaryOf<T extends object = Record<string, unknown>>(value: unknown, context: string): Partial<T> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' && typeof value !== 'function') throw typeError(context, 'the options are not an object');
  return value as Partial<T>;
}

/** WebIDL `sequence<T>` conversion (items unconverted): @@iterator read once, a custom one used. */
export function sequenceOf(value: unknown, what: string): unknown[] {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) throw typeError(what, 'the value is not a sequence');
  const method = (value as { [Symbol.iterator]?: unknown })[Symbol.iterator];
  if (typeof method !== 'function') throw typeError(what, 'the value is not a sequence');
  const list = listFrom(value, method as (this: unknown) => unknown, what);
  // The fast path hands back the caller's own array: the conversion is a copy, fixed from now on.
  return list === value ? list.slice() : list;
}

/** The items of an iterable, given its @@iterator method (read once by the caller). */
function listFrom(value: object, method: (this: unknown) => unknown, what: string): unknown[] {
  if (method === arrayIterator && Array.isArray(value)) return value as unknown[];
  const iterator = method.call(value) as { next?: unknown } | null;
  if (iterator === null || (typeof iterator !== 'object' && typeof iterator !== 'function')) throw typeError(what, 'the iterator is not an object');
  const next = iterator.next;
  if (typeof next !== 'function') throw typeError(what, 'the iterator has no next method');
  const items: unknown[] = [];
  for (;;) {
    const step = next.call(iterator) as { done?: unknown; value?: unknown } | null;
    if (step === null || (typeof step !== 'object' && typeof step !== 'function')) throw typeError(what, 'the iterator result is not an object');
    if (step.done) return items;
    items.push(step.value);
  }
}

const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())) as object;

export type IterKind = 'key' | 'value' | 'key+value';

export interface PairIterator {
  next(): IteratorResult<string | [string, string], undefined>;
}

/**
 * A class of WebIDL pair iterators over a flat `[name, value, ...]` list. The list is read again
 * on every step, so iteration is live, as WebIDL requires.
 */
export function pairIteratorClass<T>(tag: string, listOf: (target: T) => string[]): new (target: T, kind: IterKind) => PairIterator {
  class PairIteratorImpl implements PairIterator {
    #target: T;
    #kind: IterKind;
    #index = 0;

    constructor(target: T, kind: IterKind) {
      this.#target = target;
      this.#kind = kind;
    }

    next(): IteratorResult<string | [string, string], undefined> {
      const list = listOf(this.#target);
      const i = this.#index;
      if (i >= list.length) return { value: undefined, done: true };
      this.#index = i + 2;
      const name = list[i] as string;
      const value = list[i + 1] as string;
      const kind = this.#kind;
      return { value: kind === 'key' ? name : kind === 'value' ? value : [name, value], done: false };
    }
  }
  // WebIDL: the iterator prototype's `next` is an enumerable operation.
  makeEnumerable(PairIteratorImpl.prototype);
  Object.setPrototypeOf(PairIteratorImpl.prototype, IteratorPrototype);
  Object.defineProperty(PairIteratorImpl.prototype, Symbol.toStringTag, { value: tag, configurable: true });
  return PairIteratorImpl;
}
