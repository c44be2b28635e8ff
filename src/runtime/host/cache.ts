/**
 * The node-local cache behind `caches.default` / `caches.open(name)` and the subrequest cache: an
 * LRU bounded in bytes, per scope and in total (see {@link CacheStore}).
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

/** An entry's key within its scope; the name's length is spelled out, so no name reads as a URL. */
const keyOf = (space: CacheSpace, url: string): string => `${space.kind} ${space.name.length} ${space.name} ${url}`;

interface Scope {
  /** Least recently used first (a Map keeps insertion order; a hit moves its entry to the back). */
  entries: Map<string, Entry>;
  bytes: number;
}

/**
 * Bounded twice: one scope holds at most `maxScopeBytes` (its own least recently used entries go
 * first), and when all scopes together pass `maxBytes`, the scope holding the most gives way. A
 * zone that holds little is never evicted while another holds more, however many zones (or
 * variants) an attacker writes from.
 */
export class CacheStore {
  readonly #scopes = new Map<string, Scope>();
  readonly #maxBytes: number;
  readonly #maxScopeBytes: number;
  readonly #now: () => number;
  #bytes = 0;

  constructor(options: CacheStoreOptions) {
    this.#maxBytes = options.maxBytes;
    this.#maxScopeBytes = Math.min(options.maxScopeBytes ?? options.maxBytes, options.maxBytes);
    this.#now = options.now ?? Date.now;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Bytes one scope holds. */
  bytesOf(scope: string): number {
    return this.#scopes.get(scope)?.bytes ?? 0;
  }

  match(space: CacheSpace, url: string): CachedResponse | undefined {
    const scope = this.#scopes.get(space.scope);
    const key = keyOf(space, url);
    const entry = scope?.entries.get(key);
    if (!scope || !entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#remove(space.scope, scope, key, entry);
      return undefined;
    }
    scope.entries.delete(key);
    scope.entries.set(key, entry);
    return entry.response;
  }

  /** Stores a response; returns false when its headers forbid it or it is larger than a scope may hold. */
  put(space: CacheSpace, url: string, response: CachedResponse, ttlOverrideSeconds?: number): boolean {
    const now = this.#now();
    const seconds = ttlOverrideSeconds ?? freshnessOf(response.headers, now);
    const key = keyOf(space, url);
    this.delete(space, url);
    if (seconds === 0) return false;
    const bytes = response.body.byteLength + response.headers.reduce((n, h) => n + h.length, 0) + space.scope.length + key.length + 64;
    if (bytes > this.#maxScopeBytes) return false;
    let scope = this.#scopes.get(space.scope);
    if (!scope) this.#scopes.set(space.scope, (scope = { entries: new Map(), bytes: 0 }));
    scope.entries.set(key, { response, expiresAt: seconds === null ? Infinity : now + seconds * 1000, bytes });
    scope.bytes += bytes;
    this.#bytes += bytes;
    while (scope.bytes > this.#maxScopeBytes) this.#evictOldest(space.scope, scope);
    while (this.#bytes > this.#maxBytes) this.#evictFromLargest();
    return scope.entries.has(key);
  }

  delete(space: CacheSpace, url: string): boolean {
    const scope = this.#scopes.get(space.scope);
    const key = keyOf(space, url);
    const entry = scope?.entries.get(key);
    if (!scope || !entry) return false;
    this.#remove(space.scope, scope, key, entry);
    return true;
  }

  #evictFromLargest(): void {
    let largest: [string, Scope] | undefined;
    for (const pair of this.#scopes) if (!largest || pair[1].bytes > largest[1].bytes) largest = pair;
    if (largest) this.#evictOldest(largest[0], largest[1]);
  }

  #evictOldest(name: string, scope: Scope): void {
    const [key, entry] = scope.entries.entries().next().value as [string, Entry];
    this.#remove(name, scope, key, entry);
  }

  #remove(name: string, scope: Scope, key: string, entry: Entry): void {
    scope.entries.delete(key);
    scope.bytes -= entry.bytes;
    this.#bytes -= entry.bytes;
    if (scope.entries.size === 0) this.#scopes.delete(name);
  }
}

/** The wire form of a cache hit; the body is handed over as a host handle by the caller. */
export function cachedToWire(url: string, hit: CachedResponse, handle: number | null): WireFetchResponse {
  return { status: hit.status, statusText: hit.statusText, headers: hit.headers, url, redirected: false, body: handle };
}
