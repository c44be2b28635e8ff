/** The host side of the guest's URL: Node's WHATWG parser, strings in, plain records out. */
import type { WireUrl } from '../guest/protocol.ts';

function toWire(url: URL): WireUrl {
  return {
    href: url.href,
    origin: url.origin,
    protocol: url.protocol,
    username: url.username,
    password: url.password,
    host: url.host,
    hostname: url.hostname,
    port: url.port,
    pathname: url.pathname,
    search: url.search,
    hash: url.hash,
  };
}

/** Parses `input` against `base`; null when invalid. */
export function parseUrl(input: string, base: string | undefined): WireUrl | null {
  try {
    return toWire(base === undefined ? new URL(input) : new URL(input, base));
  } catch {
    return null;
  }
}

const settable = new Set(['href', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash']);

/** Applies one URL setter; null when the new href is invalid (other setters ignore bad input). */
export function setUrlPart(href: string, part: string, value: string): WireUrl | null {
  if (!settable.has(part)) return null;
  try {
    const url = new URL(href);
    (url as unknown as Record<string, string>)[part] = value;
    return toWire(url);
  } catch {
    return null;
  }
}
