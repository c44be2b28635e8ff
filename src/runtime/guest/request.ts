/** Request, per WHATWG Fetch, plus EdgeOne's `request.eo` and fetch-only init fields. */
import { Body, extractBody, includeBody, type BodyMembers, type BodySource } from './body.ts';
import { Headers, headersFromFlatList, headersToFlatList, type HeadersInit } from './headers.ts';
import { AbortController, type AbortSignal } from './events.ts';
import { URL } from './url.ts';
import type { WireBody, WireRequest } from './protocol.ts';
import { defineInterface } from './webidl.ts';
import { isHttpToken } from './infra.ts';
import { typeError } from './errors.ts';

/** `request.eo` on incoming requests: where the client is, as the host determined it. */
export interface EoInfo {
  clientIp: string;
  geo: Record<string, string | number>;
}

export interface RequestInit {
  method?: string;
  headers?: unknown;
  body?: unknown;
  redirect?: string;
  signal?: AbortSignal | null;
  duplex?: string;
  /** EdgeOne subrequest options (timeoutSetting, resolveOverride, cache*, image). */
  eo?: Record<string, unknown>;
  /** EdgeOne: redirect hop limit for this fetch. */
  maxFollow?: number;
  /**
   * EdgeOne: whether the new Request copies the headers of the Request it is made from. `true`
   * copies them and applies `headers` on top; `false` starts from `headers` alone (or none).
   * Unset: as the Fetch spec says (`headers` replaces them when given, else they are copied).
   */
  copyHeaders?: boolean;
}

const normalizedMethods = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH']);
const forbiddenMethods = new Set(['CONNECT', 'TRACE', 'TRACK']);
const redirectModes = new Set(['follow', 'manual', 'error']);

function normalizeMethod(method: string): string {
  if (!isHttpToken(method)) throw typeError('Request constructor', `'${method}' is not a valid HTTP method`);
  const upper = method.toUpperCase();
  if (forbiddenMethods.has(upper)) throw typeError('Request constructor', `'${method}' HTTP method is unsupported`);
  return normalizedMethods.has(upper) ? upper : method;
}

interface RequestState {
  method: string;
  url: string;
  headers: Headers;
  redirect: string;
  signal: AbortSignal | null;
  eo: EoInfo | undefined;
  fetchEo: Record<string, unknown> | undefined;
  maxFollow: number | undefined;
  body: BodySource | null;
}

/** Passed as `input` to build a Request from ready state, skipping parsing and validation. */
const fromState = Symbol('fromState');

/** The host's already-normalised request, built without re-parsing or re-validating. */
export let requestFromWire: (wire: WireRequest) => Request;
/** The signal a Request was given (or inherited from the Request it was made from), if any. */
export let requestSignal: (req: Request) => AbortSignal | null;
/** What the host fetch needs; consumes the body. */
export let requestToWire: (req: Request) => { method: string; url: string; headers: string[]; body: WireBody; redirect: string; maxFollow: number | null; eo: Record<string, unknown> | null };

// The Body mixin's members, which includeBody puts on the prototype (WebIDL's `includes`).
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface Request extends BodyMembers {}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class Request {
  #s: RequestState;
  #body: Body;

  constructor(input: unknown, init: RequestInit = {}) {
    if (input === fromState) {
      this.#s = init as unknown as RequestState;
      this.#body = new Body(this.#s.body, this.#s.headers);
      return;
    }
    let base: RequestState;
    let inputRequest: Request | undefined;
    if (input instanceof Request) {
      inputRequest = input;
      base = { ...input.#s, headers: input.#s.headers, body: null };
    } else {
      const parsed = new URL(String(input));
      // Fetch: a Request's URL may not carry credentials (they belong in an Authorization header).
      // The message leaves the URL out: it holds a password.
      if (parsed.username !== '' || parsed.password !== '') throw typeError('Request constructor', 'the URL includes credentials');
      const url = parsed.href;
      base = { method: 'GET', url, headers: new Headers(), redirect: 'follow', signal: null, eo: undefined, fetchEo: undefined, maxFollow: undefined, body: null };
    }
    const state: RequestState = { ...base };
    if (init.method !== undefined) state.method = normalizeMethod(String(init.method));
    if (init.redirect !== undefined) {
      if (!redirectModes.has(init.redirect)) throw typeError('Request constructor', `'${init.redirect}' is not a valid redirect mode`);
      state.redirect = init.redirect;
    }
    if (init.signal !== undefined) state.signal = init.signal;
    if (init.eo !== undefined) state.fetchEo = init.eo;
    if (init.maxFollow !== undefined) state.maxFollow = Number(init.maxFollow);
    if (init.copyHeaders === true && init.headers !== undefined) {
      state.headers = new Headers(base.headers);
      for (const [name, value] of new Headers(init.headers as HeadersInit)) state.headers.set(name, value);
    } else if (init.copyHeaders === false) {
      state.headers = new Headers(init.headers as HeadersInit | undefined);
    } else {
      state.headers = new Headers((init.headers !== undefined ? init.headers : base.headers) as HeadersInit);
    }

    let body: BodySource | null = null;
    if (init.body !== undefined && init.body !== null) {
      const extracted = extractBody(init.body);
      body = extracted.source;
      if (extracted.contentType !== null && !state.headers.has('content-type')) {
        state.headers.set('content-type', extracted.contentType);
      }
    } else if (inputRequest && init.body === undefined) {
      // Checked before the input's body is taken: a refused Request leaves the input usable.
      const taken = inputRequest.#body;
      if (taken.source !== null && (state.method === 'GET' || state.method === 'HEAD')) {
        throw typeError('Request constructor', 'a GET or HEAD request cannot have a body');
      }
      if (taken.source !== null && taken.disturbed) throw typeError('Request constructor', 'the input Request has already been used');
      body = taken.source;
      taken.used = true;
    }
    if (body !== null && (state.method === 'GET' || state.method === 'HEAD')) {
      throw typeError('Request constructor', 'a GET or HEAD request cannot have a body');
    }
    state.body = body;
    this.#s = state;
    this.#body = new Body(body, state.headers);
  }

  static {
    includeBody(Request, (target) => (target as Request).#body);
    defineInterface(Request, 'Request', 1);
    // The host's ways in and out, reachable from this module only (not members user code can call).
    requestFromWire = (wire) => {
      const [method, url, headers, clientIp, geo, bytes] = wire;
      const body: BodySource | null = bytes && bytes.byteLength > 0 ? { kind: 'bytes', bytes } : null;
      const state: RequestState = {
        method,
        url,
        headers: headersFromFlatList(headers === '' ? [] : headers.split('\n')),
        redirect: 'follow',
        signal: null,
        eo: { clientIp, geo: geo === '' ? {} : (JSON.parse(geo) as Record<string, string | number>) },
        fetchEo: undefined,
        maxFollow: undefined,
        body,
      };
      return new Request(fromState, state as unknown as RequestInit);
    };
    requestSignal = (req) => req.#s.signal;
    requestToWire = (req) => {
      const s = req.#s;
      return {
        method: s.method,
        url: s.url,
        headers: headersToFlatList(s.headers),
        body: req.#body.takeWire(),
        redirect: s.redirect,
        maxFollow: s.maxFollow ?? null,
        eo: s.fetchEo ?? null,
      };
    };
  }

  get method(): string { return this.#s.method; }
  get url(): string { return this.#s.url; }
  get headers(): Headers { return this.#s.headers; }
  get redirect(): string { return this.#s.redirect; }
  get signal(): AbortSignal {
    this.#s.signal ??= new AbortController().signal;
    return this.#s.signal;
  }
  /** EdgeOne: client IP and geolocation of an incoming request. */
  get eo(): EoInfo | undefined { return this.#s.eo; }
  get cache(): string { return 'default'; }
  get credentials(): string { return 'same-origin'; }
  get destination(): string { return ''; }
  get integrity(): string { return ''; }
  get keepalive(): boolean { return false; }
  get mode(): string { return 'cors'; }
  get referrer(): string { return 'about:client'; }
  get referrerPolicy(): string { return ''; }
  get duplex(): string { return 'half'; }
  get isReloadNavigation(): boolean { return false; }
  get isHistoryNavigation(): boolean { return false; }

  clone(): Request {
    const state: RequestState = { ...this.#s, headers: new Headers(this.#s.headers), body: this.#body.cloneSource() };
    return new Request(fromState, state as unknown as RequestInit);
  }

}
