/**
 * EdgeOne's subrequest cache options on `fetch(url, { eo: {...} })`: responses to GET subrequests
 * are kept in the node-local cache by `cacheTtl` (seconds, for 2xx), `cacheTtlByStatus`
 * (`{'200-299': 3600, '404': 10, '500-599': 0}`: 0 means never), or, with `cacheEverything`, by
 * the response's own Cache-Control; `cacheKey` replaces the URL as the key. Without these options
 * nothing is cached.
 */
import { PassThrough, type Readable } from 'node:stream';
import { freshnessOf } from './cache.ts';

/** How one subrequest may be cached; undefined when it may not. */
export interface SubrequestCachePolicy {
  key: string;
  /** Seconds to keep a response with this status and these headers (0: do not keep). */
  ttlFor(status: number, headers: string[]): number;
}


/** Largest response kept, in bytes; larger bodies stream through uncached. */
export const maxCachedBodyBytes = 8 * 1024 * 1024;

function ttlByStatus(table: unknown, status: number): number | undefined {
  if (table === null || typeof table !== 'object') return undefined;
  for (const [range, seconds] of Object.entries(table as Record<string, unknown>)) {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(range.trim());
    if (!m || typeof seconds !== 'number') continue;
    const low = Number(m[1]);
    const high = Number(m[2] ?? m[1]);
    if (status >= low && status <= high) return Math.max(0, seconds);
  }
  return undefined;
}

/**
 * How a GET subrequest may be cached; undefined when it may not. A request carrying credentials
 * (Authorization or Cookie) is never cached unless the function says so with
 * `eo.cacheCredentialed: true`: its answer is usually meant for one user.
 */
export function subrequestCachePolicy(method: string, url: string, headers: string[], eo: Record<string, unknown> | null): SubrequestCachePolicy | undefined {
  if (!eo || method !== 'GET') return undefined;
  const { cacheTtl, cacheTtlByStatus, cacheEverything, cacheKey, cacheCredentialed } = eo;
  if (cacheCredentialed !== true && hasCredentials(headers)) return undefined;
  const hasTtl = typeof cacheTtl === 'number';
  if (!hasTtl && cacheTtlByStatus === undefined && cacheEverything !== true) return undefined;
  return {
    key: typeof cacheKey === 'string' && cacheKey !== '' ? cacheKey : url,
    ttlFor(status, headers) {
      const byStatus = ttlByStatus(cacheTtlByStatus, status);
      if (byStatus !== undefined) return byStatus;
      if (hasTtl) return status >= 200 && status < 300 ? Math.max(0, cacheTtl) : 0;
      if (cacheEverything === true) return freshnessOf(headers, Date.now()) ?? 0;
      return 0;
    },
  };
}

/**
 * Passes a body through while keeping a copy; `keep` gets the whole body once it has ended,
 * unless it grew past the size limit or failed.
 */
export function teeForCache(body: Readable, keep: (bytes: Uint8Array) => void): Readable {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooBig = false;
  const out = new PassThrough();
  body.on('data', (chunk: Buffer) => {
    if (!tooBig) {
      size += chunk.byteLength;
      if (size > maxCachedBodyBytes) {
        tooBig = true;
        chunks.length = 0;
      } else chunks.push(chunk);
    }
  });
  body.once('end', () => {
    if (!tooBig) keep(Buffer.concat(chunks, size));
  });
  body.once('error', (error) => out.destroy(error));
  out.once('close', () => body.destroy());
  body.pipe(out);
  return out;
}

function hasCredentials(headers: string[]): boolean {
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!.toLowerCase();
    if (name === 'authorization' || name === 'cookie') return true;
  }
  return false;
}
