/**
 * A function's `fetch`, as the host carries it out: counted against the subrequest limit, served
 * from the subrequest cache when asked, sent (host/fetch.ts), its image converted when asked, and
 * its body lent to the guest.
 */
import { Readable } from 'node:stream';
import type { WireFetch, WireFetchResponse } from '../guest/protocol.ts';
import { statedLength, withoutHeaders } from '../../domain/header-list.ts';
import { HostBody, encodingOf } from './bodies.ts';
import { cachedToWire } from './cache.ts';
import { performFetch } from './fetch.ts';
import { EgressRefused } from './egress.ts';
import { convertImage, parseImageOptions } from './image.ts';
import type { OpContext } from './ops.ts';
import { subrequestCachePolicy, teeForCache } from './subrequest-cache.ts';

/** Header lists a function hands the host (responses, subrequests): EdgeOne's request-header bounds. */
export const headerLimits = Object.freeze({ count: 256, bytes: 128 * 1024 });

/** Throws TypeError when a flat header list is past {@link headerLimits}. */
export function checkHeaders(headers: string[], what: string): void {
  if (headers.length / 2 > headerLimits.count) throw new TypeError(`${what} has more than ${headerLimits.count} headers`);
  let bytes = 0;
  for (const part of headers) bytes += part.length + 2;
  if (bytes > headerLimits.bytes) throw new TypeError(`${what} headers are larger than ${headerLimits.bytes} bytes`);
}

export async function fetchForGuest(ctx: OpContext, wire: WireFetch): Promise<WireFetchResponse> {
  const { exec, options, services } = ctx;
  const method = String(wire.method).toUpperCase();
  if (options.readOnlySubrequests && method !== 'GET' && method !== 'HEAD') {
    throw new TypeError(`${options.readOnlySubrequests}: subrequests may only GET or HEAD, not ${method}`);
  }
  // Counted here, not only in the guest: the guest's counter lives in a realm the function controls.
  if (!exec.countSubrequest()) throw new Error(`Too many subrequests: at most ${services.limits.subrequests} fetch calls per execution`);
  const image = parseImageOptions(wire.eo);
  const policy = subrequestCachePolicy(wire.method, wire.url, wire.headers, wire.eo);
  // The zone and variant's own subrequest cache: a cacheKey names an entry only within it.
  const space = { scope: options.cacheScope ?? 'local', kind: 'subrequests', name: '' } as const;
  if (policy) {
    const hit = services.cache.match(space, policy.key);
    if (hit) return cachedToWire(wire.url, hit, ctx.lend(Readable.from([hit.body]), encodingOf(hit.headers), hit.body.byteLength));
  }
  checkHeaders(wire.headers, 'The request');
  const body = ctx.outgoingBody(wire.body);
  let res: Awaited<ReturnType<typeof performFetch>>;
  try {
    res = await performFetch(
      options.subrequestHeaders ? { ...wire, headers: options.subrequestHeaders(wire.headers) } : wire,
      body,
      {
        defaultTimeoutMs: services.limits.fetchTimeoutMs,
        maxTimeoutMs: services.limits.fetchMaxTimeoutMs,
        maxRedirects: services.limits.fetchMaxRedirects,
        ...(options.route ? { route: options.route } : {}),
        ...(options.egress ? { dispatcher: options.egress } : {}),
      },
      exec.signal,
    );
  } catch (error) {
    // A refused destination is in the report even when the function catches the TypeError.
    if (error instanceof EgressRefused) exec.log('warn', `edgefn: ${error.message}`);
    throw error;
  }
  let stream = res.body;
  let headers = res.headers;
  if (image && stream && res.status >= 200 && res.status < 300) {
    // The origin's image, decoded, converted in the image pool, and handed on as a new
    // uncompressed body. As on EdgeOne, an image that cannot be converted (past the limits, not
    // an image, the pool busy) comes back as it was.
    const original = await new HostBody(stream, encodingOf(headers)).readAll(ctx.memory);
    let bytes = original;
    try {
      const converted = await services.imagePool.run(ctx.owner, () => convertImage(original, image), (ms) => exec.chargePool(ms));
      bytes = converted.bytes;
      headers = [...withoutHeaders(headers, (n) => ['content-length', 'content-encoding', 'content-type', 'etag'].includes(n)), 'content-type', `image/${converted.format}`];
    } catch {
      headers = withoutHeaders(headers, (n) => n === 'content-length' || n === 'content-encoding');
    } finally {
      ctx.memory.release(original.byteLength);
    }
    headers.push('content-length', String(bytes.byteLength));
    stream = Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]);
  }
  const ttl = policy?.ttlFor(res.status, headers) ?? 0;
  if (policy && ttl > 0) {
    const entry = { status: res.status, statusText: res.statusText, headers };
    const put = (bytes: Uint8Array): void => void services.cache.put(space, policy.key, { ...entry, body: bytes }, ttl);
    if (stream) stream = teeForCache(stream, put);
    else put(new Uint8Array(0));
  }
  // The length undici holds the origin to (a shorter body is an error, a longer one is cut).
  const handle = stream ? ctx.lend(stream, encodingOf(headers), statedLength(headers)) : null;
  return { status: res.status, statusText: res.statusText, headers, url: res.url, redirected: res.redirected, body: handle };
}

