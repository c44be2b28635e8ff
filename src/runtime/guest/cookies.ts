/**
 * `Cookies`: EdgeOne's non-standard global for reading request cookies and writing response ones.
 *
 * ```js
 * const cookies = new Cookies(request.headers.get('cookie'));
 * cookies.get('session');            // { name: 'session', value: 'abc' } or undefined
 * cookies.has('session');            // true
 * cookies.set('theme', 'dark', { path: '/', max_age: 3600, http_only: true, same_site: 'lax' }); // true
 * cookies.set('bad name', 'x');      // false: not a valid cookie name, nothing changes
 * cookies.delete('session');         // true: it was there
 * cookies.getAll();                  // every cookie in the jar, in order
 * cookies.serialize('theme');        // 'theme=dark; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax'
 * cookies.toCookieHeader();          // 'theme=dark' (a Cookie request header, e.g. for a subrequest)
 * for (const v of cookies.toSetCookieHeaders()) response.headers.append('Set-Cookie', v);
 * // ['theme=dark; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax', 'session=; Max-Age=0']
 * ```
 *
 * Parsing (RFC 6265 section 5.4 in reverse, as servers do): the header is split on `;`, each pair
 * is split at its first `=` (pairs without one are skipped), name and value are trimmed of spaces
 * and tabs, a value in double quotes loses them, and when a name repeats the first one wins (the
 * browser sends the most specific path first). Values are not percent-decoded.
 *
 * `set(name, value, options?)` returns false and changes nothing when the name is not an RFC 6265
 * token, the value is not cookie-octets (optionally in double quotes), or an option is invalid.
 * Options: `path`, `domain` (printable ASCII without `;`), `max_age` (finite number of seconds,
 * truncated), `expires` (a Date, or a string Date can parse; written as an IMF-fixdate), `secure`,
 * `http_only`, `same_site` ('Strict' | 'Lax' | 'None', any case). Attributes appear in the
 * Set-Cookie value in that order, and only when given. Cookies are keyed by name alone.
 *
 * `delete(name)` removes a cookie from the jar and returns whether it was there (false too for a
 * received name that is not a token, which could not be written back); its Set-Cookie
 * value is `name=; Max-Age=0` plus the Path and Domain it was set with.
 * `toSetCookieHeaders()` lists one value per cookie set or deleted through this object (received
 * cookies that were not touched are not repeated); `serialize(name)` gives that value for one
 * cookie, whether received, set or deleted, or undefined for an unknown name.
 */
import { isHttpToken } from './infra.ts';

/** Options of Cookies#set; names follow EdgeOne's snake_case. */
export interface CookieOptions {
  path?: string;
  domain?: string;
  max_age?: number;
  expires?: Date | string;
  secure?: boolean;
  http_only?: boolean;
  same_site?: string;
}

/** A cookie as returned by Cookies#get and Cookies#getAll; attributes only when they were set. */
export interface Cookie {
  name: string;
  value: string;
  path?: string;
  domain?: string;
  max_age?: number;
  expires?: string;
  secure?: boolean;
  http_only?: boolean;
  same_site?: 'Strict' | 'Lax' | 'None';
}

interface Change {
  cookie: Cookie;
  deleted: boolean;
}

// RFC 6265 cookie-value: cookie-octets, optionally in double quotes.
const COOKIE_VALUE = /^(?:[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*|"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*")$/;
// Path and Domain: anything printable but ';', so an attribute cannot smuggle in another.
const ATTRIBUTE_VALUE = /^[\x20-\x3a\x3c-\x7e]*$/;

/** EdgeOne's cookie jar: parses a Cookie header, records sets and deletes, writes Set-Cookie values. */
export class Cookies {
  #jar = new Map<string, Cookie>();
  #changes = new Map<string, Change>();

  static {
    Object.defineProperty(Cookies.prototype, Symbol.toStringTag, { value: 'Cookies', configurable: true });
  }

  constructor(cookieHeader?: string | null) {
    if (cookieHeader === undefined || cookieHeader === null) return;
    const jar = this.#jar;
    for (const pair of `${cookieHeader}`.split(';')) {
      const eq = pair.indexOf('=');
      if (eq === -1) continue;
      const name = trimOws(pair.slice(0, eq));
      if (name === '' || jar.has(name)) continue;
      let value = trimOws(pair.slice(eq + 1));
      if (value.length >= 2 && value.charCodeAt(0) === 0x22 && value.charCodeAt(value.length - 1) === 0x22) {
        value = value.slice(1, -1);
      }
      jar.set(name, { name, value });
    }
  }

  /** The cookie named `name` (a copy), or undefined. */
  get(name: string): Cookie | undefined {
    const cookie = this.#jar.get(`${name}`);
    return cookie === undefined ? undefined : { ...cookie };
  }

  has(name: string): boolean {
    return this.#jar.has(`${name}`);
  }

  /** All cookies in the jar (copies), received ones first, in header order. */
  getAll(): Cookie[] {
    return Array.from(this.#jar.values(), (cookie) => ({ ...cookie }));
  }

  /** Adds or replaces a cookie; false (and no change) if the name, value or an option is invalid. */
  set(name: string, value: string, options?: CookieOptions): boolean {
    const cookie = makeCookie(`${name}`, `${value}`, options);
    if (cookie === undefined) return false;
    this.#jar.set(cookie.name, cookie);
    this.#changes.set(cookie.name, { cookie, deleted: false });
    return true;
  }

  /** Removes a cookie and schedules a Set-Cookie that expires it; false if it was not there. */
  delete(name: string): boolean {
    const key = `${name}`;
    const cookie = this.#jar.get(key);
    if (cookie === undefined || !isHttpToken(key)) return false;
    this.#jar.delete(key);
    this.#changes.set(key, { cookie, deleted: true });
    return true;
  }

  /** The Set-Cookie value for one cookie (received, set or deleted), or undefined. */
  serialize(name: string): string | undefined {
    const key = `${name}`;
    const cookie = this.#jar.get(key);
    if (cookie !== undefined) return serializeCookie(cookie);
    const change = this.#changes.get(key);
    return change === undefined ? undefined : serializeDeletion(change.cookie);
  }

  /** One Set-Cookie value for every cookie set or deleted through this object. */
  toSetCookieHeaders(): string[] {
    const out: string[] = [];
    for (const { cookie, deleted } of this.#changes.values()) {
      out.push(deleted ? serializeDeletion(cookie) : serializeCookie(cookie));
    }
    return out;
  }

  /** The jar as a Cookie request-header value: `a=1; b=2`. */
  toCookieHeader(): string {
    let out = '';
    for (const { name, value } of this.#jar.values()) out += out === '' ? `${name}=${value}` : `; ${name}=${value}`;
    return out;
  }
}

function trimOws(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && (s.charCodeAt(start) === 0x20 || s.charCodeAt(start) === 0x09)) start++;
  while (end > start && (s.charCodeAt(end - 1) === 0x20 || s.charCodeAt(end - 1) === 0x09)) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

function makeCookie(name: string, value: string, options: CookieOptions | undefined): Cookie | undefined {
  if (!isHttpToken(name) || !COOKIE_VALUE.test(value)) return undefined;
  const cookie: Cookie = { name, value };
  if (options === undefined || options === null) return cookie;
  if (typeof options !== 'object') return undefined;
  const { path, domain, max_age: maxAge, expires, secure, http_only: httpOnly, same_site: sameSite } = options;
  if (path !== undefined) {
    const text = `${path}`;
    if (!ATTRIBUTE_VALUE.test(text)) return undefined;
    cookie.path = text;
  }
  if (domain !== undefined) {
    const text = `${domain}`;
    if (!ATTRIBUTE_VALUE.test(text)) return undefined;
    cookie.domain = text;
  }
  if (maxAge !== undefined) {
    if (typeof maxAge !== 'number' || !Number.isFinite(maxAge)) return undefined;
    cookie.max_age = Math.trunc(maxAge) + 0; // + 0: get() should not report -0
  }
  if (expires !== undefined) {
    const time = expires instanceof Date ? expires.getTime() : typeof expires === 'string' ? Date.parse(expires) : NaN;
    if (Number.isNaN(time)) return undefined;
    cookie.expires = new Date(time).toUTCString();
  }
  if (secure !== undefined) cookie.secure = Boolean(secure);
  if (httpOnly !== undefined) cookie.http_only = Boolean(httpOnly);
  if (sameSite !== undefined) {
    const canonical = typeof sameSite === 'string' ? canonicalSameSite(sameSite.toLowerCase()) : undefined;
    if (canonical === undefined) return undefined;
    cookie.same_site = canonical;
  }
  return cookie;
}

function canonicalSameSite(lower: string): 'Strict' | 'Lax' | 'None' | undefined {
  switch (lower) {
    case 'strict':
      return 'Strict';
    case 'lax':
      return 'Lax';
    case 'none':
      return 'None';
    default:
      return undefined;
  }
}

function serializeCookie(cookie: Cookie): string {
  let out = `${cookie.name}=${cookie.value}`;
  if (cookie.path !== undefined) out += `; Path=${cookie.path}`;
  if (cookie.domain !== undefined) out += `; Domain=${cookie.domain}`;
  if (cookie.max_age !== undefined) out += `; Max-Age=${cookie.max_age}`;
  if (cookie.expires !== undefined) out += `; Expires=${cookie.expires}`;
  if (cookie.secure === true) out += '; Secure';
  if (cookie.http_only === true) out += '; HttpOnly';
  if (cookie.same_site !== undefined) out += `; SameSite=${cookie.same_site}`;
  return out;
}

function serializeDeletion(cookie: Cookie): string {
  let out = `${cookie.name}=; Max-Age=0`;
  if (cookie.path !== undefined) out += `; Path=${cookie.path}`;
  if (cookie.domain !== undefined) out += `; Domain=${cookie.domain}`;
  return out;
}
