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

/** Longest URL the host parses for a function (as Chromium): longer ones are refused, not parsed. */
export const maxUrlLength = 2 * 2 ** 20;

function checkLength(length: number): void {
  if (length > maxUrlLength) throw new TypeError(`Invalid URL: longer than ${maxUrlLength} characters`);
}

/** Parses `input` against `base`; null when invalid. Throws TypeError past {@link maxUrlLength}. */
export function parseUrl(input: string, base: string | undefined): WireUrl | null {
  checkLength(input.length + (base?.length ?? 0));
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
  checkLength(href.length + value.length);
  try {
    const url = new URL(href);
    (url as unknown as Record<string, string>)[part] = value;
    return toWire(url);
  } catch {
    return null;
  }
}
