/**
 * The request's host and path, validated once (RFC 9110 section 7.2, RFC 3986 section 3.2): a Host
 * header is `host[:port]` with a reg-name, an IPv4 address or a bracketed IPv6 address, and nothing
 * else (no userinfo, no path, query or fragment characters), exactly once; the request target is
 * origin-form (a path starting with `/`) that a URL parser keeps as it is: no fragment, no backslash
 * and no `.` or `..` segment (however percent-encoded) in the path, which the function's URL
 * parser, or the origin, would resolve to another path than the one rules matched. Rules, the
 * function's `request.url` and the origin are all built from these parts, so what a rule matched
 * is what the function sees and where a request goes.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface RequestTarget {
  /** `hostname[:port]`, lower case, as a URL writes it (no port 80, no leading zeros). */
  host: string;
  /** The host without the port (IPv6 in brackets). */
  hostname: string;
  /** Path and query, as received (starts with `/`). */
  path: string;
}

const regName = /^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?)*\.?$/;

/** A path segment that URL parsers resolve away: `.` or `..`, in any mix of `.` and `%2e`. */
const dotSegment = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)/i;

/**
 * The validated target, or why the request is malformed. `hostHeader` is every Host header the
 * request carried (node-io's hostHeaders; Node's `headers.host` would hide a second one).
 */
export function parseRequestTarget(hostHeader: string | string[] | undefined, target: string | undefined): RequestTarget | { error: 'host' | 'target' } {
  const only = Array.isArray(hostHeader) ? (hostHeader.length === 1 ? hostHeader[0] : undefined) : hostHeader;
  if (typeof only !== 'string') return { error: 'host' };
  const host = only.trim().toLowerCase();
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
  if (port !== '') {
    if (!/^:\d{1,5}$/.test(port) || Number(port.slice(1)) > 65535) return { error: 'host' };
    // The gateway speaks plain HTTP, whose default port a URL leaves out.
    port = Number(port.slice(1)) === 80 ? '' : `:${Number(port.slice(1))}`;
  }
  if (typeof target !== 'string' || !target.startsWith('/') || target.includes('#')) return { error: 'target' };
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  if (path.includes('\\') || dotSegment.test(path)) return { error: 'target' };
  return { host: hostname + port, hostname, path: target };
}

/**
 * The URL at `origin` for a path and query: the origin's scheme, host and port, and this path as it
 * is (a path that starts with `//` stays a path, never a host).
 */
export function atOrigin(origin: URL, path: string): URL {
  return new URL(`${origin.protocol}//${origin.host}${path.startsWith('/') ? path : `/${path}`}`);
}
