/**
 * The Cache API (`caches.default`, `caches.open(name)`), kept on the host, local to the node and
 * bounded in bytes. Only GET requests match; `put` reads the whole response body. Which zone and
 * variant (production or a replica) a cache belongs to is the host's business: the names here are
 * only names within that space. Neither class is constructible by user code, as in browsers.
 */
import { Request } from './request.ts';
import { Response, responseFromWire } from './response.ts';
import { headersToFlatList } from './headers.ts';
import { callHost } from './ops.ts';
import type { WireFetchResponse } from './protocol.ts';
import { defineInterface } from './webidl.ts';
import { illegalConstructor, typeError } from './errors.ts';

function keyOf(request: unknown): Request {
  return request instanceof Request ? request : new Request(String(request));
}

/**
 * Only this module holds the token the constructors ask for: a flag set around construction could
 * be seen by user code that runs meanwhile (a replaced global the constructor touches).
 */
const token = Symbol('construct');

/** The longest cache name `caches.open` takes (the host refuses longer ones too). */
const maxNameLength = 1024;

export class Cache {
  #name: string;
  constructor(name: string, key?: symbol) {
    if (key !== token) throw illegalConstructor('Cache');
    this.#name = name;
  }

  async match(request: unknown, options?: { ignoreMethod?: boolean }): Promise<Response | undefined> {
    const req = keyOf(request);
    if (req.method !== 'GET' && !options?.ignoreMethod) return undefined;
    const hit = await callHost<WireFetchResponse | null>('cacheMatch', { cache: this.#name, url: req.url, headers: headersToFlatList(req.headers) });
    return hit === null ? undefined : responseFromWire(hit);
  }

  async put(request: unknown, response: unknown): Promise<void> {
    const req = keyOf(request);
    if (req.method !== 'GET') throw typeError('Cache.put', 'only GET requests can be cached');
    if (!(response instanceof Response)) throw typeError('Cache.put', 'response is not a Response');
    if (response.status === 206) throw typeError('Cache.put', 'partial (206) responses cannot be cached');
    if ((response.headers.get('vary') ?? '').includes('*')) throw typeError('Cache.put', "responses with 'Vary: *' cannot be cached");
    if (response.bodyUsed) throw typeError('Cache.put', 'the response body has already been used');
    const body = new Uint8Array(await response.arrayBuffer());
    await callHost<void>('cachePut', {
      cache: this.#name,
      url: req.url,
      status: response.status,
      statusText: response.statusText,
      headers: headersToFlatList(response.headers),
      body,
    });
  }

  async delete(request: unknown, options?: { ignoreMethod?: boolean }): Promise<boolean> {
    const req = keyOf(request);
    if (req.method !== 'GET' && !options?.ignoreMethod) return false;
    return callHost<boolean>('cacheDelete', { cache: this.#name, url: req.url });
  }

  static {
    defineInterface(Cache, 'Cache', 0);
  }
}

export class CacheStorage {
  readonly #named = new Map<string, Cache>();
  readonly #default: Cache;

  constructor(key?: symbol) {
    if (key !== token) throw illegalConstructor('CacheStorage');
    this.#default = new Cache(':default', token);
  }

  get default(): Cache {
    return this.#default;
  }

  async open(name: unknown): Promise<Cache> {
    const text = String(name);
    if (text.length > maxNameLength) throw typeError('CacheStorage.open', `a cache name is at most ${maxNameLength} characters`);
    let cache = this.#named.get(text);
    if (!cache) {
      cache = new Cache(`named:${text}`, token);
      this.#named.set(text, cache);
    }
    return cache;
  }

  static {
    defineInterface(CacheStorage, 'CacheStorage', 0);
  }
}

/** The global `caches`. */
export function createCacheStorage(): CacheStorage {
  return new CacheStorage(token);
}
