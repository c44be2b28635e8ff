/**
 * The node-local cache behind `caches.default` / `caches.open(name)` and the subrequest cache: an
 * LRU bounded in bytes, in total and per scope.
 * Freshness follows the stored response's Cache-Control (s-maxage, then max-age), then Expires;
 * responses marked no-store, no-cache or private, or already stale, are not stored. A response
 * without any freshness information stays until evicted.
 */
import type { WireFetchResponse } from '../guest/protocol.ts';

export interface CachedResponse {
  status: number;
  statusText: string;
  headers: string[];
  body: Uint8Array;
}

interface Entry {
  response: CachedResponse;
  expiresAt: number;
  bytes: number;
}

export interface CacheStoreOptions {
  maxBytes: number;
  /** Bytes one scope (zone and variant) may hold; the default is `maxBytes`. */
  maxScopeBytes?: number;
  now?: () => number;
}

/** Seconds of freshness a response allows, null when it says nothing, 0 when it must not be stored. */
export function freshnessOf(headers: string[], now: number): number | null {
  let cacheControl = '';
  let expires: string | undefined;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!.toLowerCase();
    if (name === 'cache-control') cacheControl += `${cacheControl ? ',' : ''}${headers[i + 1]!}`;
    else if (name === 'expires') expires = headers[i + 1];
  }
  const directives = new Map<string, string>();
  for (const part of cacheControl.split(',')) {
    const [k, v = ''] = part.trim().split('=');
    if (k) directives.set(k.toLowerCase(), v.replace(/^"|"$/g, ''));
  }
  if (directives.has('no-store') || directives.has('no-cache') || directives.has('private')) return 0;
  for (const key of ['s-maxage', 'max-age']) {
    const v = directives.get(key);
    if (v !== undefined) {
      const seconds = Number.parseInt(v, 10);
      return Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
    }
  }
  if (expires !== undefined) {
    const at = Date.parse(expires);
    return Number.isNaN(at) ? 0 : Math.max(0, Math.floor((at - now) / 1000));
  }
  return null;
}

/**
 * Where an entry lives: every entry belongs to one scope (a zone and a variant: production, or one
 * replica), and within it to the Cache API or to the subrequest cache. Nothing crosses scopes;
 * guest-chosen cache names only name caches inside the Cache API space of their own scope.
 */
export interface CacheSpace {
  scope: string;
  kind: 'api' | 'subrequests';
  /** The cache's name within the space (the guest's `caches.open` name for the Cache API). */
  name: string;
}

const keyOf = (space: CacheSpace, url: string): string => `${space.scope}\n${space.kind}\n${space.name}\n${url}`;

export class CacheStore {
  readonly #entries = new Map<string, Entry & { scope: string }>();
  readonly #scopeBytes = new Map<string, number>();
  readonly #maxBytes: number;
  readonly #maxScopeBytes: number;
  readonly #now: () => number;
  #bytes = 0;

  constructor(options: CacheStoreOptions) {
    this.#maxBytes = options.maxBytes;
    this.#maxScopeBytes = options.maxScopeBytes ?? options.maxBytes;
    this.#now = options.now ?? Date.now;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Bytes one scope holds. */
  bytesOf(scope: string): number {
    return this.#scopeBytes.get(scope) ?? 0;
  }

  match(space: CacheSpace, url: string): CachedResponse | undefined {
    const key = keyOf(space, url);
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#remove(key, entry);
      return undefined;
    }
    // Refresh recency: Map keeps insertion order, so re-inserting moves it to the back.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.response;
  }

  /** Stores a response; returns false when its headers forbid it or it is larger than a scope may hold. */
  put(space: CacheSpace, url: string, response: CachedResponse, ttlOverrideSeconds?: number): boolean {
    const now = this.#now();
    const seconds = ttlOverrideSeconds ?? freshnessOf(response.headers, now);
    const key = keyOf(space, url);
    const old = this.#entries.get(key);
    if (old) this.#remove(key, old);
    if (seconds === 0) return false;
    const bytes = response.body.byteLength + response.headers.reduce((n, h) => n + h.length, 0) + url.length + 64;
    if (bytes > this.#maxScopeBytes || bytes > this.#maxBytes) return false;
    this.#entries.set(key, { response, expiresAt: seconds === null ? Infinity : now + seconds * 1000, bytes, scope: space.scope });
    this.#bytes += bytes;
    this.#scopeBytes.set(space.scope, this.bytesOf(space.scope) + bytes);
    // Least recently used first: within the scope past its share, then anywhere past the total.
    for (const [k, e] of this.#entries) {
      if (this.bytesOf(space.scope) <= this.#maxScopeBytes) break;
      if (e.scope === space.scope) this.#remove(k, e);
    }
    for (const [k, e] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#remove(k, e);
    }
    return true;
  }

  delete(space: CacheSpace, url: string): boolean {
    const key = keyOf(space, url);
    const entry = this.#entries.get(key);
    if (!entry) return false;
    this.#remove(key, entry);
    return true;
  }

  #remove(key: string, entry: Entry & { scope: string }): void {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
    const left = this.bytesOf(entry.scope) - entry.bytes;
    if (left <= 0) this.#scopeBytes.delete(entry.scope);
    else this.#scopeBytes.set(entry.scope, left);
  }
}

/** The wire form of a cache hit; the body is handed over as a host handle by the caller. */
export function cachedToWire(url: string, hit: CachedResponse, handle: number | null): WireFetchResponse {
  return { status: hit.status, statusText: hit.statusText, headers: hit.headers, url, redirected: false, body: handle };
}
