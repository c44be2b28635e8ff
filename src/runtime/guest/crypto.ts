/**
 * Web Crypto. Randomness is a synchronous host call; SubtleCrypto runs on the host's WebCrypto
 * (plus MD5, which EdgeOne accepts). Keys live on the host: the guest's CryptoKey holds only a
 * handle and a copy of the key's public description.
 */
import { host } from './host.ts';
import { callHost } from './ops.ts';
import { DOMException } from './dom-exception.ts';
import { sweep, track } from './collect.ts';
import { defineInterface } from './webidl.ts';
import { errorMessage, illegalConstructor, typeError } from './errors.ts';
import { bufferSourceToBytes } from './encoding.ts';

/** A key as the host describes it. */
export interface WireKey {
  handle: number;
  type: string;
  extractable: boolean;
  algorithm: Record<string, unknown>;
  usages: string[];
}

/** The key the constructors ask for: only this module holds it, so user code cannot construct these. */
const token = Symbol('construct');

/** The host's handle of a key (module-private: not a member user code can call). */
let handleOf: (key: unknown) => number;

export class CryptoKey {
  #wire: WireKey;
  constructor(wire: WireKey, key?: symbol) {
    if (key !== token) throw illegalConstructor('CryptoKey');
    this.#wire = wire;
  }
  get type(): string { return this.#wire.type; }
  get extractable(): boolean { return this.#wire.extractable; }
  get algorithm(): Record<string, unknown> { return this.#wire.algorithm; }
  get usages(): string[] { return this.#wire.usages.slice(); }

  static {
    defineInterface(CryptoKey, 'CryptoKey', 0);
    handleOf = (key) => {
      if (typeof key !== 'object' || key === null || !(#wire in key)) throw typeError('SubtleCrypto', 'the key is not a CryptoKey');
      return key.#wire.handle;
    };
  }
}

let keysSinceSweep = 0;

/**
 * A guest key for a host key. The host keeps the key until the guest object is collected; every
 * 256 new keys a sweep finds the collected ones, so a function that imports a key per request
 * does not pile keys up on the host.
 */
function keyFromWire(wire: WireKey): CryptoKey {
  if (++keysSinceSweep >= 256) {
    keysSinceSweep = 0;
    sweep();
  }
  const key = new CryptoKey(wire, token);
  const handle = wire.handle;
  track([key], () => host.sync('dropKey', handle));
  return key;
}

/** A copy of a BufferSource's bytes (none for a detached buffer, as WebIDL says). */
function toBytes(data: unknown): Uint8Array {
  const bytes = bufferSourceToBytes(data, false);
  if (bytes === null) throw typeError('SubtleCrypto', 'the data is not a BufferSource (ArrayBuffer or ArrayBufferView)');
  // A view of a detached buffer has no bytes (and cannot be sliced).
  return bytes.byteLength === 0 ? new Uint8Array(0) : bytes.slice();
}

/** Copies an algorithm dictionary, replacing keys by handles and buffers by bytes. */
function wireAlgorithm(alg: unknown): unknown {
  if (typeof alg === 'string') return alg;
  if (alg === null || typeof alg !== 'object') throw typeError('SubtleCrypto', 'the algorithm must be a string or an object');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(alg)) {
    if (v instanceof CryptoKey) out[k] = { $key: handleOf(v) };
    else if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) out[k] = toBytes(v);
    else if (k === 'hash' && v !== null && typeof v === 'object') out[k] = { ...v };
    else out[k] = v;
  }
  return out;
}

type Result = { bytes: Uint8Array } | { key: WireKey } | { pair: [WireKey, WireKey] } | { jwk: object } | { bool: boolean };

async function subtleCall(method: string, args: unknown[]): Promise<unknown> {
  const result = await callHost<Result>('crypto', [method, args]);
  if ('bytes' in result) return result.bytes.buffer.slice(result.bytes.byteOffset, result.bytes.byteOffset + result.bytes.byteLength);
  if ('key' in result) return keyFromWire(result.key);
  if ('pair' in result) return { publicKey: keyFromWire(result.pair[0]), privateKey: keyFromWire(result.pair[1]) };
  if ('jwk' in result) return result.jwk;
  return result.bool;
}

const key = (k: unknown): { $key: number } => ({ $key: handleOf(k) });

// Every method is async: WebIDL turns an exception thrown while converting arguments (a bad
// algorithm, a key that is not a CryptoKey) into a rejected promise, never a synchronous throw.
export class SubtleCrypto {
  constructor(key?: symbol) {
    if (key !== token) throw illegalConstructor('SubtleCrypto');
  }
  async digest(alg: unknown, data: unknown) { return subtleCall('digest', [wireAlgorithm(alg), toBytes(data)]); }
  async encrypt(alg: unknown, k: unknown, data: unknown) { return subtleCall('encrypt', [wireAlgorithm(alg), key(k), toBytes(data)]); }
  async decrypt(alg: unknown, k: unknown, data: unknown) { return subtleCall('decrypt', [wireAlgorithm(alg), key(k), toBytes(data)]); }
  async sign(alg: unknown, k: unknown, data: unknown) { return subtleCall('sign', [wireAlgorithm(alg), key(k), toBytes(data)]); }
  async verify(alg: unknown, k: unknown, sig: unknown, data: unknown) {
    return subtleCall('verify', [wireAlgorithm(alg), key(k), toBytes(sig), toBytes(data)]);
  }
  async generateKey(alg: unknown, extractable: boolean, usages: string[]) {
    return subtleCall('generateKey', [wireAlgorithm(alg), Boolean(extractable), [...usages]]);
  }
  async deriveKey(alg: unknown, base: unknown, derived: unknown, extractable: boolean, usages: string[]) {
    return subtleCall('deriveKey', [wireAlgorithm(alg), key(base), wireAlgorithm(derived), Boolean(extractable), [...usages]]);
  }
  async deriveBits(alg: unknown, base: unknown, length: number | null = null) {
    return subtleCall('deriveBits', [wireAlgorithm(alg), key(base), length ?? null]);
  }
  async importKey(format: string, data: unknown, alg: unknown, extractable: boolean, usages: string[]) {
    const keyData = format === 'jwk' ? JSON.parse(JSON.stringify(data)) : toBytes(data);
    return subtleCall('importKey', [format, keyData, wireAlgorithm(alg), Boolean(extractable), [...usages]]);
  }
  async exportKey(format: string, k: unknown) { return subtleCall('exportKey', [format, key(k)]); }
  async wrapKey(format: string, k: unknown, wrappingKey: unknown, alg: unknown) {
    return subtleCall('wrapKey', [format, key(k), key(wrappingKey), wireAlgorithm(alg)]);
  }
  async unwrapKey(format: string, wrapped: unknown, unwrappingKey: unknown, unwrapAlg: unknown, keyAlg: unknown, extractable: boolean, usages: string[]) {
    return subtleCall('unwrapKey', [format, toBytes(wrapped), key(unwrappingKey), wireAlgorithm(unwrapAlg), wireAlgorithm(keyAlg), Boolean(extractable), [...usages]]);
  }
  static {
    defineInterface(SubtleCrypto, 'SubtleCrypto', 0);
  }
}

type IntegerArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

const integerArrays = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array];

export class Crypto {
  #subtle: SubtleCrypto;
  constructor(key?: symbol) {
    if (key !== token) throw illegalConstructor('Crypto');
    this.#subtle = new SubtleCrypto(token);
  }
  get subtle(): SubtleCrypto { return this.#subtle; }

  getRandomValues<T extends IntegerArray>(array: T): T {
    if (!integerArrays.some((C) => array instanceof C)) {
      throw new DOMException(errorMessage('Crypto.getRandomValues', 'the array must be an integer-type TypedArray'), 'TypeMismatchError');
    }
    if (array.byteLength > 65536) {
      throw new DOMException(errorMessage('Crypto.getRandomValues', `the array's byte length (${array.byteLength}) exceeds 65536`), 'QuotaExceededError');
    }
    const bytes = host.sync('randomBytes', array.byteLength) as Uint8Array;
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(bytes);
    return array;
  }

  randomUUID(): string {
    return host.sync('randomUUID', null) as string;
  }
  static {
    defineInterface(Crypto, 'Crypto', 0);
  }
}

/** The global `crypto`. */
export function createCrypto(): Crypto {
  return new Crypto(token);
}
