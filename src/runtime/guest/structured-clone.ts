/**
 * HTML's structured clone, done inside the isolate: `structuredClone(value, {transfer})` and what
 * MessagePort.postMessage sends. Serialising first and deserialising afterwards (not one pass)
 * keeps the standard's order: every getter runs and every error is thrown before anything in the
 * transfer list is detached. All the work and memory is the function's own, charged to it like
 * any other guest code (the host never holds a copy).
 *
 * Serializable: primitives (not symbols), Boolean/Number/BigInt/String objects, Date, RegExp,
 * ArrayBuffer (resizable ones stay resizable), typed arrays, DataView, Map, Set, Error objects,
 * arrays, plain objects, Blob, File and DOMException. Transferable: ArrayBuffer and MessagePort.
 * Anything else (functions, symbols, promises, weak collections, other platform objects) is a
 * DataCloneError. Object identity and cycles are kept.
 */
import { DOMException } from './dom-exception.ts';
import { interfaceOf, requiredArguments, sequenceOf } from './webidl.ts';
import { lazy } from './lazy.ts';
import type { Blob } from './blob.ts';
import { errorMessage, typeError } from './errors.ts';

// Intrinsics taken when this module loads, so user code that re-wires a prototype later does not
// change what a clone reads: brand checks call these on the value and throw for other objects.
const keysOf = Object.keys;
const defineProperty = Object.defineProperty;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const getter = (proto: object, name: string | symbol): ((this: unknown) => unknown) => getOwnPropertyDescriptor(proto, name)!.get!;
const bufferByteLength = getter(ArrayBuffer.prototype, 'byteLength');
const bufferResizable = getter(ArrayBuffer.prototype, 'resizable');
const bufferMaxByteLength = getter(ArrayBuffer.prototype, 'maxByteLength');
const bufferDetached = getter(ArrayBuffer.prototype, 'detached');
const bufferTransfer = (ArrayBuffer.prototype as unknown as { transfer: (this: ArrayBuffer) => ArrayBuffer }).transfer;
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayKind = getter(TypedArrayPrototype, Symbol.toStringTag);
const typedArrayBuffer = getter(TypedArrayPrototype, 'buffer');
const typedArrayOffset = getter(TypedArrayPrototype, 'byteOffset');
const typedArrayLength = getter(TypedArrayPrototype, 'length');
const typedArrayIncludes = (TypedArrayPrototype as { includes: (this: unknown, item: unknown, from: number) => boolean }).includes;
const dataViewBuffer = getter(DataView.prototype, 'buffer');
const dataViewOffset = getter(DataView.prototype, 'byteOffset');
const dataViewLength = getter(DataView.prototype, 'byteLength');
const mapSize = getter(Map.prototype, 'size');
const mapEntries = Map.prototype.entries;
const setSize = getter(Set.prototype, 'size');
const setValues = Set.prototype.values;
const regexpSource = getter(RegExp.prototype, 'source');
const regexpFlags = getter(RegExp.prototype, 'flags');
const symbolValueOf = Symbol.prototype.valueOf;
const sharedByteLength = typeof SharedArrayBuffer === 'function' ? getter(SharedArrayBuffer.prototype, 'byteLength') : undefined;
const dateValue = Date.prototype.getTime;
const weakMapHas = WeakMap.prototype.has;
const weakSetHas = WeakSet.prototype.has;
const weakRefDeref = WeakRef.prototype.deref;
const boxed: [string, (this: unknown) => unknown][] = [
  ['Boolean', Boolean.prototype.valueOf],
  ['Number', Number.prototype.valueOf],
  ['String', String.prototype.valueOf],
  ['BigInt', BigInt.prototype.valueOf],
];
// ES2024's constructor form (the guest's type library is ES2022).
const ResizableBuffer = ArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => ArrayBuffer;
const isArray = Array.isArray;
const isView = ArrayBuffer.isView;
const isError = (Error as { isError?: (value: unknown) => boolean }).isError ?? ((value: unknown) => value instanceof Error);
const ERRORS: Record<string, ErrorConstructor> = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
const VIEWS: Record<string, new (buffer: ArrayBuffer, offset: number, length: number) => ArrayBufferView> = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView,
};

/** How MessagePorts move; set by their module when it loads (before that, no port exists). */
export interface PortHooks {
  /** True for a port that can still be transferred. */
  movable(value: object): boolean;
  /** Detaches the port and returns the one that takes its place. */
  move(port: object): unknown;
}

let ports: PortHooks = { movable: () => false, move: () => undefined };

export function setPortHooks(hooks: PortHooks): void {
  ports = hooks;
}

/** A serialized value: primitives stay as they are; objects become records. */
type Serialized = undefined | null | boolean | number | string | bigint | Rec;

type Rec =
  | { k: 'boxed'; type: string; value: unknown }
  | { k: 'date'; value: number }
  | { k: 'regexp'; source: string; flags: string }
  | { k: 'buffer'; bytes: ArrayBuffer }
  | { k: 'moved'; index: number }
  | { k: 'view'; type: string; buffer: Rec; offset: number; length: number }
  | { k: 'map'; entries: Serialized[] }
  | { k: 'set'; items: Serialized[] }
  | { k: 'error'; name: string; message?: string; stack?: string; cause?: Serialized }
  | { k: 'array'; length: number; props: [string, Serialized][] }
  | { k: 'object'; props: [string, Serialized][] }
  | { k: 'platform'; value: object };

function cloneError(what: string): DOMException {
  return new DOMException(errorMessage('structuredClone', `${what} could not be cloned`), 'DataCloneError');
}

function brand(fn: (this: unknown, ...args: never[]) => unknown, value: unknown, ...args: never[]): boolean {
  try {
    fn.call(value, ...args);
    return true;
  } catch {
    return false;
  }
}

/** A copy of an ArrayBuffer's bytes, resizable if the original is. */
function copyBuffer(source: ArrayBuffer): ArrayBuffer {
  const length = bufferByteLength.call(source) as number;
  const copy = bufferResizable.call(source) ? new ResizableBuffer(length, { maxByteLength: bufferMaxByteLength.call(source) as number }) : new ArrayBuffer(length);
  new Uint8Array(copy).set(new Uint8Array(source, 0, length));
  return copy;
}

class Serializer {
  readonly memory = new Map<object, Rec>();

  constructor(transfer: readonly object[]) {
    transfer.forEach((item, index) => this.memory.set(item, { k: 'moved', index }));
  }

  value(value: unknown): Serialized {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
      if (typeof value === 'symbol') throw cloneError('Symbol()');
      return value as Serialized;
    }
    const known = this.memory.get(value);
    if (known !== undefined) return known;
    if (typeof value === 'function') throw cloneError(`function ${String((value as { name?: unknown }).name ?? '')}`);
    const rec = this.#object(value);
    this.memory.set(value, rec);
    this.#fill(value, rec);
    return rec;
  }

  /** The record for an object, before its contents (filled after it is in memory, for cycles). */
  #object(value: object): Rec {
    for (const [type, valueOf] of boxed) if (brand(valueOf, value)) return { k: 'boxed', type, value: valueOf.call(value) };
    if (brand(dateValue, value)) return { k: 'date', value: dateValue.call(value) };
    // The `source` getter throws for anything but a RegExp (and RegExp.prototype, an ordinary object).
    if (value !== RegExp.prototype && brand(regexpSource, value)) {
      return { k: 'regexp', source: regexpSource.call(value) as string, flags: regexpFlags.call(value) as string };
    }
    if (brand(bufferByteLength, value)) {
      if (bufferDetached.call(value)) throw cloneError('A detached ArrayBuffer');
      return { k: 'buffer', bytes: copyBuffer(value as ArrayBuffer) };
    }
    if (isView(value)) {
      const type = (typedArrayKind.call(value) as string | undefined) ?? 'DataView';
      const typed = type !== 'DataView';
      // A view whose buffer was detached, or shrunk below it, cannot be cloned: a typed array's
      // getters would answer 0 for it (includes() checks), a DataView's throw.
      if (typed && !brand(typedArrayIncludes as never, value, undefined as never, Infinity as never)) throw cloneError('An out-of-bounds or detached TypedArray');
      let offset: number;
      let length: number;
      try {
        offset = (typed ? typedArrayOffset : dataViewOffset).call(value) as number;
        length = (typed ? typedArrayLength : dataViewLength).call(value) as number;
      } catch {
        throw cloneError('An out-of-bounds or detached DataView');
      }
      const buffer = (typed ? typedArrayBuffer : dataViewBuffer).call(value);
      return { k: 'view', type, buffer: this.value(buffer) as Rec, offset, length };
    }
    if (brand(mapSize, value)) return { k: 'map', entries: [] };
    if (brand(setSize, value)) return { k: 'set', items: [] };
    const iface = interfaceOf(value);
    if (iface === 'Blob' || iface === 'File' || iface === 'DOMException') return { k: 'platform', value };
    if (iface !== undefined) throw cloneError(`${iface} object`);
    if (isError(value)) return this.#error(value as Error);
    if (isArray(value)) return { k: 'array', length: (value as unknown[]).length, props: [] };
    this.#refuseExotic(value);
    return { k: 'object', props: [] };
  }

  #refuseExotic(value: object): void {
    if (brand(weakMapHas as never, value, {} as never)) throw cloneError('#<WeakMap>');
    if (brand(weakSetHas as never, value, {} as never)) throw cloneError('#<WeakSet>');
    if (brand(weakRefDeref, value)) throw cloneError('#<WeakRef>');
    if (value instanceof Promise) throw cloneError('#<Promise>');
    if (brand(symbolValueOf, value)) throw cloneError('Symbol object');
    if (sharedByteLength !== undefined && brand(sharedByteLength, value)) throw cloneError('A SharedArrayBuffer');
  }

  #error(value: Error): Rec {
    const name = (value as { name?: unknown }).name;
    const message = getOwnPropertyDescriptor(value, 'message');
    const stack = getOwnPropertyDescriptor(value, 'stack');
    // Own keys only: a name such as 'constructor' or '__proto__' is not an error type.
    const rec: Rec = { k: 'error', name: typeof name === 'string' && Object.hasOwn(ERRORS, name) ? name : 'Error' };
    if (message !== undefined && 'value' in message) rec.message = `${message.value as string}`;
    if (stack !== undefined && 'value' in stack && typeof stack.value === 'string') rec.stack = stack.value;
    return rec;
  }

  #fill(value: object, rec: Rec): void {
    switch (rec.k) {
      case 'map': {
        const pairs = [...(mapEntries.call(value as Map<unknown, unknown>) as Iterable<[unknown, unknown]>)];
        for (const [key, item] of pairs) rec.entries.push(this.value(key), this.value(item));
        return;
      }
      case 'set': {
        const items = [...(setValues.call(value as Set<unknown>) as Iterable<unknown>)];
        for (const item of items) rec.items.push(this.value(item));
        return;
      }
      case 'error': {
        const cause = getOwnPropertyDescriptor(value, 'cause');
        if (cause !== undefined && 'value' in cause) rec.cause = this.value(cause.value);
        return;
      }
      case 'array':
      case 'object':
        for (const key of keysOf(value)) {
          if (getOwnPropertyDescriptor(value, key) === undefined) continue;
          rec.props.push([key, this.value((value as Record<string, unknown>)[key])]);
        }
        return;
      default:
    }
  }
}

class Deserializer {
  readonly #memory = new Map<Rec, unknown>();

  constructor(private readonly moved: readonly unknown[]) {}

  value(ser: Serialized): unknown {
    if (ser === null || typeof ser !== 'object') return ser;
    const known = this.#memory.get(ser);
    if (known !== undefined || this.#memory.has(ser)) return known;
    const out = this.#object(ser);
    this.#memory.set(ser, out);
    this.#fill(ser, out);
    return out;
  }

  #object(rec: Rec): unknown {
    switch (rec.k) {
      case 'boxed': return Object(rec.value);
      case 'date': return new Date(rec.value);
      case 'regexp': return new RegExp(rec.source, rec.flags);
      case 'buffer': return rec.bytes;
      case 'moved': return this.moved[rec.index];
      case 'view': return new VIEWS[rec.type]!(this.value(rec.buffer) as ArrayBuffer, rec.offset, rec.length);
      case 'map': return new Map();
      case 'set': return new Set();
      case 'error': {
        const error = new ERRORS[rec.name]!();
        if (rec.message !== undefined) defineProperty(error, 'message', { value: rec.message, writable: true, configurable: true });
        if (rec.stack !== undefined) defineProperty(error, 'stack', { value: rec.stack, writable: true, configurable: true });
        return error;
      }
      case 'array': return new Array(rec.length);
      case 'object': return {};
      case 'platform': return clonePlatform(rec.value);
    }
  }

  #fill(rec: Rec, out: unknown): void {
    if (rec.k === 'map') for (let i = 0; i < rec.entries.length; i += 2) (out as Map<unknown, unknown>).set(this.value(rec.entries[i]), this.value(rec.entries[i + 1]));
    else if (rec.k === 'set') for (const item of rec.items) (out as Set<unknown>).add(this.value(item));
    else if (rec.k === 'error' && 'cause' in rec) defineProperty(out, 'cause', { value: this.value(rec.cause), writable: true, configurable: true });
    else if (rec.k === 'array' || rec.k === 'object') {
      // Defined, not assigned: a key such as "__proto__" or a setter on Object.prototype changes nothing.
      for (const [key, item] of rec.props) defineProperty(out, key, { value: this.value(item), writable: true, enumerable: true, configurable: true });
    }
  }
}

function clonePlatform(value: object): object {
  const { Blob, File, isFile } = lazy.blob();
  if (value instanceof DOMException) return new DOMException(value.message, value.name);
  if (isFile(value)) return new File([value], value.name, { type: value.type, lastModified: value.lastModified });
  return new Blob([value as Blob], { type: (value as Blob).type });
}

/**
 * The transfer list checked: ArrayBuffers that can be detached (not already detached, not
 * shared, not a WebAssembly memory's) and ports that say they can move, each at most once.
 */
function checkTransfer(transfer: readonly object[]): void {
  const seen = new Set<object>();
  for (const item of transfer) {
    if (seen.has(item)) throw new DOMException(errorMessage('structuredClone', 'the transfer list names an object twice'), 'DataCloneError');
    seen.add(item);
    if (ports.movable(item)) continue;
    if (!brand(bufferByteLength, item)) throw new DOMException(errorMessage('structuredClone', 'the transfer list holds an object that cannot be transferred'), 'DataCloneError');
    if (bufferDetached.call(item)) throw new DOMException(errorMessage('structuredClone', 'a detached ArrayBuffer cannot be transferred'), 'DataCloneError');
  }
}

/** What crossed: the value's records and the transferred objects' new selves, in list order. */
export interface Serialization {
  readonly data: Serialized;
  readonly moved: readonly unknown[];
}

/** StructuredSerializeWithTransfer: serialises `value`, then detaches what `transfer` lists. */
export function serializeWithTransfer(value: unknown, transfer: readonly object[]): Serialization {
  checkTransfer(transfer);
  const data = new Serializer(transfer).value(value);
  const moved = transfer.map((item) => {
    if (ports.movable(item)) return ports.move(item);
    try {
      return bufferTransfer.call(item as ArrayBuffer);
    } catch {
      // A WebAssembly.Memory's buffer cannot be detached.
      throw new DOMException(errorMessage('structuredClone', 'an ArrayBuffer could not be transferred'), 'DataCloneError');
    }
  });
  return { data, moved };
}

/** StructuredDeserializeWithTransfer. */
export function deserialize(serialization: Serialization): unknown {
  return new Deserializer(serialization.moved).value(serialization.data);
}

/**
 * The transfer list of `postMessage(message, transfer)` or `(message, {transfer})` and of
 * `structuredClone(value, {transfer})`: WebIDL picks the sequence overload for an object with
 * @@iterator, the dictionary otherwise.
 */
export function transferList(options: unknown): object[] {
  if (options === undefined || options === null) return [];
  if (typeof options !== 'object' && typeof options !== 'function') throw typeError('structuredClone', 'the options are not an object');
  const iterable = typeof (options as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
  const list = iterable ? options : (options as { transfer?: unknown }).transfer;
  if (list === undefined) return [];
  const items = sequenceOf(list, 'transfer');
  for (const item of items) if (item === null || (typeof item !== 'object' && typeof item !== 'function')) throw typeError('structuredClone', 'every item of the transfer list must be an object');
  return items as object[];
}

/** The global `structuredClone(value, {transfer})`. */
export function structuredClone(value: unknown, options: unknown = undefined): unknown {
  requiredArguments(arguments.length, 1, 'structuredClone');
  return deserialize(serializeWithTransfer(value, transferList(options)));
}
