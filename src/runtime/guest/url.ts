/**
 * URL, with parsing and serialising delegated to the host's WHATWG URL parser (which passes the
 * web-platform tests). Loading a pure-JS parser cost ~12 ms and ~2 MB per isolate (runtime notes);
 * a host call costs microseconds. Strings go in, a plain record comes out.
 */
import { host } from './host.ts';
import { lazy } from './lazy.ts';
import type { URLSearchParams } from './url-search-params.ts';
import type { WireUrl } from './protocol.ts';
import { defineInterface, requiredArguments } from './webidl.ts';
import { typeError } from './errors.ts';

type Settable = 'href' | 'protocol' | 'username' | 'password' | 'host' | 'hostname' | 'port' | 'pathname' | 'search' | 'hash';

function parse(url: string, base: string | undefined): WireUrl | null {
  return host.sync('urlParse', [url, base]) as WireUrl | null;
}

export class URL {
  #parts: WireUrl;
  #params: URLSearchParams | undefined;

  constructor(url: unknown, base?: unknown) {
    requiredArguments(arguments.length, 1, 'URL constructor');
    const parts = parse(String(url), base === undefined ? undefined : String(base));
    if (parts === null) throw typeError('URL constructor', `Invalid URL: ${String(url)}`);
    this.#parts = parts;
  }

  static canParse(url: unknown, base?: unknown): boolean {
    return parse(String(url), base === undefined ? undefined : String(base)) !== null;
  }

  static parse(url: unknown, base?: unknown): URL | null {
    try {
      return new URL(url, base);
    } catch {
      return null;
    }
  }

  #set(part: Settable, value: unknown): void {
    const next = host.sync('urlSet', [this.#parts.href, part, String(value)]) as WireUrl | null;
    if (next === null) {
      if (part === 'href') throw typeError('URL.href', `Invalid URL: ${String(value)}`);
      return;
    }
    this.#parts = next;
    if (this.#params && (part === 'href' || part === 'search')) lazy.searchParams().resetSearchParams(this.#params, next.search);
  }

  get href(): string { return this.#parts.href; }
  set href(v: string) { this.#set('href', v); }
  get origin(): string { return this.#parts.origin; }
  get protocol(): string { return this.#parts.protocol; }
  set protocol(v: string) { this.#set('protocol', v); }
  get username(): string { return this.#parts.username; }
  set username(v: string) { this.#set('username', v); }
  get password(): string { return this.#parts.password; }
  set password(v: string) { this.#set('password', v); }
  get host(): string { return this.#parts.host; }
  set host(v: string) { this.#set('host', v); }
  get hostname(): string { return this.#parts.hostname; }
  set hostname(v: string) { this.#set('hostname', v); }
  get port(): string { return this.#parts.port; }
  set port(v: string) { this.#set('port', v); }
  get pathname(): string { return this.#parts.pathname; }
  set pathname(v: string) { this.#set('pathname', v); }
  get search(): string { return this.#parts.search; }
  set search(v: string) { this.#set('search', v); }
  get hash(): string { return this.#parts.hash; }
  set hash(v: string) { this.#set('hash', v); }

  get searchParams(): URLSearchParams {
    if (!this.#params) {
      const { URLSearchParams, bindSearchParams } = lazy.searchParams();
      const params = new URLSearchParams(this.#parts.search);
      bindSearchParams(params, (serialized) => {
        const next = host.sync('urlSet', [this.#parts.href, 'search', serialized]) as WireUrl | null;
        if (next) this.#parts = next;
      });
      this.#params = params;
    }
    return this.#params;
  }

  toString(): string { return this.#parts.href; }
  toJSON(): string { return this.#parts.href; }

  static {
    defineInterface(URL, 'URL', 1);
  }
}
