/**
 * The core of the differential suites, shared by Node's realm and the isolate (it is bundled into
 * the isolate with the cases, so it imports nothing). A case is a scenario written against an
 * implementation object (`{ Headers }`, `{ Blob, File }`, ...): the guest's TypeScript classes or
 * Node's in Node's realm, the isolate's globals in the isolate. Its outcome is turned into plain
 * JSON by {@link serialise}, the one canonical form both sides compare.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A scenario run against one implementation; it may return a promise (awaited). */
export type Scenario<I> = (impl: I) => unknown;

export interface Case<I> {
  run: Scenario<I>;
  /** Compared with Node's outcome (Node's own classes run the same scenario). */
  differential: boolean;
  /**
   * Compared with this value too (for behaviour Node lacks or gets wrong, or to pin Node's). A
   * function is called for the value, in Node's realm only (it may use Node's APIs, and be async).
   */
  expected?: { value: unknown };
}

/** Group title (one test each) → case name → case. */
export type Suite<I> = Record<string, Record<string, Case<I>>>;

export interface Group<I> {
  /** The outcome must equal Node's. */
  same(name: string, run: Scenario<I>): void;
  /** The outcome must equal `expected` (Node's classes are not run: it lacks the API or deviates). */
  expect(name: string, run: Scenario<I>, expected: unknown): void;
  /** The outcome must equal Node's, and both must equal `expected`. */
  both(name: string, run: Scenario<I>, expected: unknown): void;
}

/** Builds a suite; case names are unique within a group. */
export function defineSuite<I>(define: (group: (title: string, body: (g: Group<I>) => void) => void) => void): Suite<I> {
  const suite: Suite<I> = {};
  define((title, body) => {
    if (Object.hasOwn(suite, title)) throw new Error(`duplicate group ${title}`);
    const cases: Record<string, Case<I>> = (suite[title] = {});
    const add = (name: string, c: Case<I>): void => {
      if (Object.hasOwn(cases, name)) throw new Error(`duplicate case ${title} › ${name}`);
      cases[name] = c;
    };
    body({
      same: (name, run) => add(name, { run, differential: true }),
      expect: (name, run, value) => add(name, { run, differential: false, expected: { value } }),
      both: (name, run, value) => add(name, { run, differential: true, expected: { value } }),
    });
  });
  return suite;
}

/** `{ value }`, or `{ threw }` with what `fn` threw (serialised like any error: name, not message). */
export function attempt(fn: () => unknown): { value: unknown } | { threw: unknown } {
  try {
    return { value: fn() };
  } catch (err) {
    return { threw: err };
  }
}

/** A short label for an input, for case names. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'symbol' || typeof value === 'bigint' || typeof value === 'function') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** A scenario's outcome in canonical form: its serialised result, or `{ $: 'threw', error }`. */
export async function outcomeOf<I>(run: Scenario<I>, impl: I): Promise<Json> {
  let result: unknown;
  try {
    result = await run(impl);
  } catch (err) {
    return { $: 'threw', error: await serialise(err) };
  }
  return serialise(result);
}

/** Every case's outcome: group title → case name → outcome. */
export async function runSuite<I>(suite: Suite<I>, impl: I): Promise<Record<string, Record<string, Json>>> {
  const out: Record<string, Record<string, Json>> = {};
  for (const [title, cases] of Object.entries(suite)) {
    const group: Record<string, Json> = (out[title] = {});
    for (const [name, c] of Object.entries(cases)) group[name] = await outcomeOf(c.run, impl);
  }
  return out;
}

function number(n: number): Json {
  if (Object.is(n, -0)) return { $: 'number', value: '-0' };
  return Number.isFinite(n) ? n : { $: 'number', value: String(n) };
}

function className(value: object): string | null {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === null) return null;
  if (proto === Object.prototype) return 'Object';
  try {
    const ctor = (proto as { constructor?: unknown }).constructor;
    return typeof ctor === 'function' ? ctor.name : Object.prototype.toString.call(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * Canonical JSON for a value, the same in every realm: strings, booleans, null and finite numbers
 * stand for themselves; everything else is an object tagged with `$`. Promises are awaited; errors
 * keep their name, constructor name and numeric code (a DOMException's legacy code) but not their
 * message; typed arrays and buffers keep their type and contents; other objects their class name
 * and own enumerable properties (symbols included), as `assert.deepStrictEqual` compares them.
 */
export async function serialise(value: unknown, seen: Set<object> = new Set()): Promise<Json> {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return number(value);
    case 'undefined':
      return { $: 'undefined' };
    case 'bigint':
      return { $: 'bigint', value: String(value) };
    case 'symbol':
      return { $: 'symbol', value: value.description ?? null };
    case 'function':
      return { $: 'function', name: value.name };
  }
  if (value === null) return null;
  const object = value as object;
  if (seen.has(object)) return { $: 'circular' };
  seen.add(object);
  try {
    return await serialiseObject(object, seen);
  } finally {
    seen.delete(object);
  }
}

async function serialiseObject(value: object, seen: Set<object>): Promise<Json> {
  if (value instanceof Promise) {
    return { $: 'promise', settled: await outcomeOf(() => value, undefined) };
  }
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { $: 'error', name: value.name, class: className(value), code: typeof code === 'number' ? code : null };
  }
  if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && value instanceof SharedArrayBuffer)) {
    return { $: className(value), bytes: [...new Uint8Array(value)] };
  }
  if (ArrayBuffer.isView(value)) {
    const items = value instanceof DataView
      ? [...new Uint8Array(value.buffer, value.byteOffset, value.byteLength)]
      : await serialise(Array.from(value as unknown as ArrayLike<unknown>), seen);
    return { $: className(value), items };
  }
  if (Array.isArray(value)) {
    const items: Json[] = [];
    for (let i = 0; i < value.length; i++) items.push(await serialise(value[i], seen));
    return items;
  }
  if (value instanceof Date) return { $: 'Date', time: number(value.getTime()) };
  if (value instanceof Map) return { $: 'Map', entries: await serialise([...value], seen) };
  if (value instanceof Set) return { $: 'Set', values: await serialise([...value], seen) };
  const props: [string, Json][] = [];
  for (const key of Reflect.ownKeys(value)) {
    if (!Object.prototype.propertyIsEnumerable.call(value, key)) continue;
    const read = attempt(() => (value as Record<PropertyKey, unknown>)[key]);
    const label = typeof key === 'symbol' ? `@@${key.description ?? ''}` : key;
    props.push([label, 'value' in read ? await serialise(read.value, seen) : { $: 'threw', error: await serialise(read.threw, seen) }]);
  }
  // In key order, as deepStrictEqual ignores the order of properties.
  props.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { $: 'object', class: className(value), props };
}

/**
 * A xorshift32 generator from `seed`: `rand(n)` is 0..n-1. Cases draw their random inputs when
 * the module loads, so Node's realm and the isolate get the same sequence.
 */
export function seededRandom(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
}
