/**
 * The request's host and path, validated once (RFC 9110 section 7.2, RFC 3986 section 3.2): a Host
 * header is `host[:port]` with a reg-name, an IPv4 address or a bracketed IPv6 address, and nothing
 * else (no userinfo, no path, query or fragment characters); the request target is origin-form (a
 * path starting with `/`). Rules, the function's `request.url` and the origin are all built from
 * these parts, so what a rule matched is what the function sees and where a request goes.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface RequestTarget {
  /** `hostname[:port]`, lower case. */
  host: string;
  /** The host without the port (IPv6 in brackets). */
  hostname: string;
  /** Path and query, as received (starts with `/`). */
  path: string;
}

const regName = /^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?)*\.?$/;

/** The validated target, or why the request is malformed. */
export function parseRequestTarget(hostHeader: string | string[] | undefined, target: string | undefined): RequestTarget | { error: 'host' | 'target' } {
  if (typeof hostHeader !== 'string') return { error: 'host' };
  const host = hostHeader.trim().toLowerCase();
  let hostname = host;
  let port = '';
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    if (end === -1 || !isIPv6(host.slice(1, end))) return { error: 'host' };
    hostname = host.slice(0, end + 1);
    port = host.slice(end + 1);
  } else {
    const colon = host.indexOf(':');
    if (colon !== -1) {
      hostname = host.slice(0, colon);
      port = host.slice(colon);
    }
    if (!(isIPv4(hostname) || (hostname.length <= 253 && regName.test(hostname)))) return { error: 'host' };
  }
  if (port !== '' && !/^:\d{1,5}$/.test(port)) return { error: 'host' };
  if (port !== '' && Number(port.slice(1)) > 65535) return { error: 'host' };
  if (typeof target !== 'string' || !target.startsWith('/')) return { error: 'target' };
  return { host: hostname + port, hostname, path: target };
}

/**
 * The URL at `origin` for a path and query: the origin's scheme, host and port, and this path as it
 * is (a path that starts with `//` stays a path, never a host).
 */
export function atOrigin(origin: URL, path: string): URL {
  return new URL(`${origin.protocol}//${origin.host}${path.startsWith('/') ? path : `/${path}`}`);
}
