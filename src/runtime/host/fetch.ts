/**
 * Subrequests on behalf of functions, with EdgeOne's rules: redirects followed by default (at most
 * 12 hops; 301/302 turn POST into GET, 303 turns everything but GET/HEAD into GET, 307/308 keep
 * the method), 15 s timeout by default and up to 300 s through `eo.timeoutSetting`. Bodies stream
 * both ways. Where a request to some host really goes (e.g. the function's own host → origin) is
 * decided by the caller's `route` hook.
 */
import { STATUS_CODES } from 'node:http';
import { Readable } from 'node:stream';
import { request as undiciRequest, type Dispatcher } from 'undici';
import type { WireFetch } from '../guest/protocol.ts';
import { connectionScoped, withoutHeaders } from '../../domain/header-list.ts';
import { EgressRefused } from './egress.ts';

/** Where to send a subrequest: a different URL to connect to, keeping the Host header. */
export type SubrequestRoute = (url: URL) => URL | undefined;

export interface FetchSettings {
  defaultTimeoutMs: number;
  maxTimeoutMs: number;
  maxRedirects: number;
  route?: SubrequestRoute;
  /** Makes the connections (and enforces where they may go: host/egress.ts); undici's global one by default. */
  dispatcher?: Dispatcher;
}

export interface FetchedResponse {
  status: number;
  statusText: string;
  headers: string[];
  url: string;
  redirected: boolean;
  body: Readable | null;
}

/** A request body the host can send: bytes, text, or a stream (which cannot be replayed). */
export type OutgoingBody = null | string | Uint8Array | Readable;

interface TimeoutSetting {
  connectTimeout?: number;
  readTimeout?: number;
  writeTimeout?: number;
}

const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);

function timeoutsOf(eo: Record<string, unknown> | null, settings: FetchSettings): { headers: number; body: number } {
  const t = (eo?.timeoutSetting ?? {}) as TimeoutSetting;
  const clamp = (v: unknown): number | undefined =>
    typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.min(v, settings.maxTimeoutMs) : undefined;
  const connect = clamp(t.connectTimeout);
  const read = clamp(t.readTimeout);
  const write = clamp(t.writeTimeout);
  const fallback = settings.defaultTimeoutMs;
  return { headers: (connect ?? 0) + (write ?? 0) + (read ?? fallback), body: read ?? fallback };
}


/**
 * A fetched response's headers as the guest sees them: without the connection-level ones (they
 * describe the hop to the origin), as Fetch gives a response's header list.
 */
function flatten(raw: Record<string, string | string[] | undefined>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) out.push(name, v);
    else out.push(name, value);
  }
  return withoutHeaders(out, connectionScoped(out));
}

/** Drops a response body we will not read; undici reports that as an error we expect. */
function discard(res: Dispatcher.ResponseData): void {
  res.body.on('error', () => undefined);
  res.body.destroy();
}

/** Performs one fetch; `body` has already been resolved from the guest's wire body. */
export async function performFetch(wire: WireFetch, body: OutgoingBody, settings: FetchSettings, signal: AbortSignal): Promise<FetchedResponse> {
  const maxRedirects = wire.maxFollow ?? settings.maxRedirects;
  const timeouts = timeoutsOf(wire.eo, settings);
  let url = new URL(wire.url);
  // eo.resolveOverride: connect to another host for the requested host, keeping its Host header.
  const override = typeof wire.eo?.resolveOverride === 'string' && wire.eo.resolveOverride !== '' ? wire.eo.resolveOverride : undefined;
  const requestedHost = url.host;
  let method = wire.method;
  let headers = wire.headers;
  let currentBody = body;
  for (let hop = 0; ; hop++) {
    let target = settings.route?.(url) ?? url;
    if (override && url.host === requestedHost) {
      target = new URL(url.href);
      target.host = override;
    }
    // The Host header always names the URL's host, even when routed elsewhere (origin, override):
    // a Host copied from the incoming request must not leak to another site.
    const sendHeaders = [...withoutHeaders(headers, (n) => n === 'host'), 'host', url.host];
    // The timeout covers connecting and waiting for the headers; reading the body has its own
    // idle timeout (bodyTimeout), so a long download that keeps flowing is not cut off.
    const headersDeadline = new AbortController();
    const timer = setTimeout(() => headersDeadline.abort(new TypeError(`fetch timed out after ${timeouts.headers} ms`)), timeouts.headers);
    let res: Dispatcher.ResponseData;
    try {
      res = await undiciRequest(target, {
        method: method as Dispatcher.HttpMethod,
        headers: sendHeaders,
        body: currentBody,
        maxRedirections: 0,
        headersTimeout: timeouts.headers,
        bodyTimeout: timeouts.body,
        signal: AbortSignal.any([signal, headersDeadline.signal]),
        ...(settings.dispatcher ? { dispatcher: settings.dispatcher } : {}),
      });
    } catch (error) {
      if (headersDeadline.signal.aborted) throw headersDeadline.signal.reason;
      if (error instanceof EgressRefused) throw error;
      throw new TypeError(`fetch failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearTimeout(timer);
    }
    const location = res.headers.location;
    const isRedirect = res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string' && [301, 302, 303, 307, 308].includes(res.statusCode);
    if (!isRedirect || wire.redirect === 'manual') {
      return {
        status: res.statusCode,
        statusText: STATUS_CODES[res.statusCode] ?? '',
        headers: flatten(res.headers),
        url: url.href,
        redirected: hop > 0,
        body: nullBodyStatuses.has(res.statusCode) || method === 'HEAD' ? (discard(res), null) : res.body,
      };
    }
    discard(res);
    if (wire.redirect === 'error') throw new TypeError(`fetch failed: redirect to ${location} with redirect mode 'error'`);
    if (hop >= maxRedirects) throw new TypeError(`fetch failed: more than ${maxRedirects} redirects`);
    const next = new URL(location, url);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new TypeError(`fetch failed: redirect to unsupported scheme ${next.protocol}`);
    const status = res.statusCode;
    if (((status === 301 || status === 302) && method === 'POST') || (status === 303 && method !== 'GET' && method !== 'HEAD')) {
      method = 'GET';
      currentBody = null;
      headers = withoutHeaders(headers, (n) => n === 'content-type' || n === 'content-length' || n === 'content-encoding' || n === 'content-language' || n === 'content-location');
    } else if (currentBody instanceof Readable) {
      throw new TypeError('fetch failed: cannot follow a 307/308 redirect with a streamed request body');
    }
    if (next.origin !== url.origin) headers = withoutHeaders(headers, (n) => n === 'authorization');
    url = next;
  }
}
