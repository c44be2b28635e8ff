/**
 * SubtleCrypto for the guest, on Node's WebCrypto. Keys stay here, in a per-isolate table; the
 * guest holds handles. MD5 digests are accepted because EdgeOne accepts them.
 */
import { createHash, webcrypto } from 'node:crypto';
import type { WireKey } from '../guest/crypto.ts';
import type { MemoryBudget } from '../memory.ts';

type HostKey = webcrypto.CryptoKey;
type Algorithm = string | Record<string, unknown>;
// What Node's deriveKey/deriveBits accept: a parameter object, never a bare name.
type DeriveParams = Parameters<webcrypto.SubtleCrypto['deriveBits']>[0];

/** Keys one isolate may hold at once; each counts this much (plus its material) against its memory limit. */
export const maxKeys = 10_000;
export const keyBytes = 4096;

/**
 * The keys one isolate has created or imported, each until the guest's CryptoKey for it is
 * collected (the guest reports that, see guest/collect.ts).
 */
export class KeyTable {
  readonly #keys = new Map<number, { key: HostKey; size: number }>();
  readonly #memory: MemoryBudget;
  #next = 1;

  constructor(memory: MemoryBudget) {
    this.#memory = memory;
  }

  add(key: HostKey): WireKey {
    if (this.#keys.size >= maxKeys) throw new DOMException(`Too many CryptoKeys alive in this function: at most ${maxKeys}`, 'QuotaExceededError');
    const size = keySize(key);
    this.#memory.hold(size);
    const handle = this.#next++;
    this.#keys.set(handle, { key, size });
    return {
      handle,
      type: key.type,
      extractable: key.extractable,
      algorithm: structuredClone(key.algorithm) as unknown as Record<string, unknown>,
      usages: [...key.usages],
    };
  }

  get(ref: unknown): HostKey {
    const handle = (ref as { $key?: unknown } | null)?.$key;
    const entry = typeof handle === 'number' ? this.#keys.get(handle) : undefined;
    if (!entry) throw new TypeError('parameter is not of type CryptoKey');
    return entry.key;
  }

  /** The guest's key for `handle` was collected. */
  drop(handle: number): void {
    const entry = this.#keys.get(handle);
    if (!entry) return;
    this.#keys.delete(handle);
    this.#memory.release(entry.size);
  }

  get size(): number {
    return this.#keys.size;
  }
}

/**
 * Bounds on what one Web Crypto call may ask for (each runs on a thread of the shared pool, and
 * keys stay on the host): PBKDF2 iterations (100,000, as Cloudflare Workers allow), RSA key sizes
 * (4096 bits), generated or derived lengths (16 KB), and imported key data (16 KB).
 */
export const cryptoLimits = Object.freeze({ pbkdf2Iterations: 100_000, rsaModulusBits: 4096, lengthBits: 16 * 1024 * 8, keyDataBytes: 16 * 1024 });

const notSupported = (message: string): DOMException => new DOMException(message, 'NotSupportedError');

/**
 * Checks the costly numbers of an algorithm dictionary, and writes them back as numbers: WebCrypto
 * converts strings too, so the number checked must be the number used.
 */
function checkCost(alg: Record<string, unknown>): void {
  const numeric = (field: string): number | undefined => {
    if (alg[field] === undefined || alg[field] === null) return undefined;
    const n = Number(alg[field]);
    alg[field] = n;
    return n;
  };
  const name = typeof alg.name === 'string' ? alg.name.toUpperCase() : '';
  const iterations = numeric('iterations');
  if (name === 'PBKDF2' && iterations !== undefined && !(iterations <= cryptoLimits.pbkdf2Iterations)) {
    throw notSupported(`PBKDF2 with more than ${cryptoLimits.pbkdf2Iterations} iterations is not supported`);
  }
  const modulus = numeric('modulusLength');
  if (modulus !== undefined && !(modulus <= cryptoLimits.rsaModulusBits)) throw notSupported(`RSA keys longer than ${cryptoLimits.rsaModulusBits} bits are not supported`);
  checkLength(numeric('length'));
}

function checkLength(bits: number | undefined): void {
  if (bits !== undefined && !(bits <= cryptoLimits.lengthBits)) throw notSupported(`lengths over ${cryptoLimits.lengthBits} bits are not supported`);
}

function checkKeyData(size: number): void {
  if (size > cryptoLimits.keyDataBytes) throw notSupported(`key data larger than ${cryptoLimits.keyDataBytes} bytes is not supported`);
}

/** Host memory a key takes, roughly: its material plus bookkeeping. */
function keySize(key: HostKey): number {
  const alg = key.algorithm as { length?: number; modulusLength?: number };
  if (typeof alg.length === 'number') return keyBytes + alg.length / 8;
  if (typeof alg.modulusLength === 'number') return keyBytes + (alg.modulusLength / 8) * (key.type === 'private' ? 5 : 1);
  return keyBytes;
}

/** Replaces key handles inside an algorithm dictionary (e.g. ECDH's `public`). */
function hostAlgorithm(alg: unknown, keys: KeyTable): Algorithm {
  if (typeof alg === 'string') return alg;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(alg as Record<string, unknown>)) {
    out[k] = v !== null && typeof v === 'object' && '$key' in v ? keys.get(v) : v;
  }
  checkCost(out);
  return out;
}

type Result = { bytes: Uint8Array } | { key: WireKey } | { pair: [WireKey, WireKey] } | { jwk: object } | { bool: boolean };

const bytes = (buffer: ArrayBuffer): Result => ({ bytes: new Uint8Array(buffer) });

function keyResult(key: HostKey | webcrypto.CryptoKeyPair, keys: KeyTable): Result {
  if (!('publicKey' in key)) return { key: keys.add(key) };
  const publicKey = keys.add(key.publicKey);
  try {
    return { pair: [publicKey, keys.add(key.privateKey)] };
  } catch (error) {
    keys.drop(publicKey.handle);
    throw error;
  }
}

/** The key handles a result holds (to drop them when no execution is left to receive it). */
export function keyHandlesOf(result: unknown): number[] {
  const r = result as Partial<{ key: WireKey; pair: [WireKey, WireKey] }> | null;
  if (r?.key) return [r.key.handle];
  if (r?.pair) return r.pair.map((k) => k.handle);
  return [];
}

function digestName(alg: Algorithm): string {
  return (typeof alg === 'string' ? alg : String(alg.name ?? '')).toUpperCase();
}

type KeyFormat = 'raw' | 'spki' | 'pkcs8' | 'jwk';

/**
 * EdgeOne wraps and unwraps with a key whose usages allow only encrypt / decrypt (its published
 * AES-CBC example does, and succeeds there); Web Crypto asks for wrapKey / unwrapKey. So a key that
 * lacks `usage` but has `instead` does the same work through encrypt / decrypt, which is what
 * wrapKey is for every algorithm but AES-KW. A key with neither is refused as Web Crypto would.
 */
function encryptsInstead(key: webcrypto.CryptoKey, usage: webcrypto.KeyUsage, instead: webcrypto.KeyUsage): boolean {
  return !key.usages.includes(usage) && key.usages.includes(instead);
}

/** Runs one SubtleCrypto method for the guest. Errors keep WebCrypto's names (OperationError, ...). */
export async function runSubtle(method: string, args: unknown[], keys: KeyTable): Promise<Result> {
  const subtle = webcrypto.subtle;
  const a = args as [unknown, unknown, unknown, unknown, unknown, unknown, unknown];
  switch (method) {
    case 'digest': {
      const alg = a[0] as Algorithm;
      if (digestName(alg) === 'MD5') return { bytes: new Uint8Array(createHash('md5').update(a[1] as Uint8Array).digest()) };
      return bytes(await subtle.digest(alg as webcrypto.AlgorithmIdentifier, a[1] as Uint8Array));
    }
    case 'encrypt':
      return bytes(await subtle.encrypt(hostAlgorithm(a[0], keys) as webcrypto.AlgorithmIdentifier, keys.get(a[1]), a[2] as Uint8Array));
    case 'decrypt':
      return bytes(await subtle.decrypt(hostAlgorithm(a[0], keys) as webcrypto.AlgorithmIdentifier, keys.get(a[1]), a[2] as Uint8Array));
    case 'sign':
      return bytes(await subtle.sign(hostAlgorithm(a[0], keys) as webcrypto.AlgorithmIdentifier, keys.get(a[1]), a[2] as Uint8Array));
    case 'verify':
      return { bool: await subtle.verify(hostAlgorithm(a[0], keys) as webcrypto.AlgorithmIdentifier, keys.get(a[1]), a[2] as Uint8Array, a[3] as Uint8Array) };
    case 'generateKey':
      return keyResult(await subtle.generateKey(hostAlgorithm(a[0], keys) as unknown as webcrypto.RsaHashedKeyGenParams, a[1] as boolean, a[2] as webcrypto.KeyUsage[]), keys);
    case 'deriveKey':
      return keyResult(
        await subtle.deriveKey(hostAlgorithm(a[0], keys) as unknown as DeriveParams, keys.get(a[1]), hostAlgorithm(a[2], keys) as webcrypto.AlgorithmIdentifier, a[3] as boolean, a[4] as webcrypto.KeyUsage[]),
        keys,
      );
    case 'deriveBits': {
      const length = a[2] === null || a[2] === undefined ? null : Number(a[2]);
      checkLength(length ?? undefined);
      return bytes(await subtle.deriveBits(hostAlgorithm(a[0], keys) as unknown as DeriveParams, keys.get(a[1]), length as number));
    }
    case 'importKey': {
      const format = a[0] as 'raw' | 'spki' | 'pkcs8' | 'jwk';
      checkKeyData(format === 'jwk' ? JSON.stringify(a[1]).length : (a[1] as Uint8Array).byteLength);
      const alg = hostAlgorithm(a[2], keys) as webcrypto.AlgorithmIdentifier;
      const key =
        format === 'jwk'
          ? await subtle.importKey('jwk', a[1] as webcrypto.JsonWebKey, alg, a[3] as boolean, a[4] as webcrypto.KeyUsage[])
          : await subtle.importKey(format, a[1] as Uint8Array, alg, a[3] as boolean, a[4] as webcrypto.KeyUsage[]);
      return keyResult(key, keys);
    }
    case 'exportKey': {
      const format = a[0] as 'raw' | 'spki' | 'pkcs8' | 'jwk';
      if (format === 'jwk') return { jwk: await subtle.exportKey('jwk', keys.get(a[1])) };
      return bytes(await subtle.exportKey(format, keys.get(a[1])));
    }
    case 'wrapKey': {
      const [format, key, wrapping, algorithm] = [a[0] as KeyFormat, keys.get(a[1]), keys.get(a[2]), hostAlgorithm(a[3], keys) as webcrypto.AlgorithmIdentifier];
      if (!encryptsInstead(wrapping, 'wrapKey', 'encrypt')) return bytes(await subtle.wrapKey(format, key, wrapping, algorithm));
      // As wrapKey does for a non-KW algorithm: export, then encrypt (a JWK as its JSON text).
      const exported = format === 'jwk' ? new TextEncoder().encode(JSON.stringify(await subtle.exportKey('jwk', key))) : new Uint8Array(await subtle.exportKey(format, key));
      return bytes(await subtle.encrypt(algorithm, wrapping, exported));
    }
    case 'unwrapKey': {
      checkKeyData((a[1] as Uint8Array).byteLength);
      const [format, wrapped, unwrapping, algorithm] = [a[0] as KeyFormat, a[1] as Uint8Array, keys.get(a[2]), hostAlgorithm(a[3], keys) as webcrypto.AlgorithmIdentifier];
      const [keyAlgorithm, extractable, usages] = [hostAlgorithm(a[4], keys) as webcrypto.AlgorithmIdentifier, a[5] as boolean, a[6] as webcrypto.KeyUsage[]];
      if (!encryptsInstead(unwrapping, 'unwrapKey', 'decrypt')) return keyResult(await subtle.unwrapKey(format, wrapped, unwrapping, algorithm, keyAlgorithm, extractable, usages), keys);
      const plain = new Uint8Array(await subtle.decrypt(algorithm, unwrapping, wrapped));
      const key =
        format === 'jwk'
          ? await subtle.importKey('jwk', JSON.parse(new TextDecoder().decode(plain)) as webcrypto.JsonWebKey, keyAlgorithm, extractable, usages)
          : await subtle.importKey(format, plain, keyAlgorithm, extractable, usages);
      return keyResult(key, keys);
    }
    default:
      throw new TypeError(`SubtleCrypto has no method ${method}`);
  }
}
