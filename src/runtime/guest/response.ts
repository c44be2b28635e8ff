/** Response, per WHATWG Fetch. Headers stay mutable on fetched and cached responses, as EdgeOne allows. */
import { Body, extractBody, includeBody, type BodyMembers, type BodySource } from './body.ts';
import { Headers, headersFromFlatList, headersToFlatList, setHeadersGuard, type HeadersInit } from './headers.ts';
import { URL } from './url.ts';
import { utf8Encode } from './utf8.ts';
import type { WireFetchResponse, WireResponse } from './protocol.ts';
import { defineInterface, toUnsignedShort } from './webidl.ts';
import { rangeError, typeError } from './errors.ts';

export interface ResponseInit {
  status?: number;
  statusText?: string;
  headers?: unknown;
}

const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);
const redirectStatuses = new Set([301, 302, 303, 307, 308]);
const reasonPhraseRe = /^[\t\x20-\x7e\x80-\xff]*$/;

interface ResponseState {
  type: 'basic' | 'cors' | 'default' | 'error' | 'opaque' | 'opaqueredirect';
  status: number;
  statusText: string;
  headers: Headers;
  url: string;
  redirected: boolean;
}

/** Passed as `body` to build a Response from ready state, skipping validation. */
const fromState = Symbol('fromState');

/** A response whose body is still on the host (from fetch or the cache). */
export let responseFromWire: (wire: WireFetchResponse) => Response;
/** Hands the response to the host; consumes the body. */
export let responseToWire: (res: Response) => WireResponse;

// The Body mixin's members, which includeBody puts on the prototype (WebIDL's `includes`).
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface Response extends BodyMembers {}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class Response {
  #s: ResponseState;
  #body: Body;

  constructor(body: unknown = null, init: ResponseInit = {}) {
    if (body === fromState) {
      const { state, source } = init as unknown as { state: ResponseState; source: BodySource | null };
      this.#s = state;
      this.#body = new Body(source, state.headers);
      return;
    }
    const status = init.status === undefined ? 200 : toUnsignedShort(init.status);
    if (status < 200 || status > 599) {
      throw rangeError('Response constructor', `the status provided (${String(init.status)}) is outside the range [200, 599]`);
    }
    const statusText = init.statusText === undefined ? '' : String(init.statusText);
    if (!reasonPhraseRe.test(statusText)) throw typeError('Response constructor', 'statusText is not a valid reason phrase');
    const headers = new Headers(init.headers as HeadersInit | undefined);
    let source: BodySource | null = null;
    if (body !== null && body !== undefined) {
      if (nullBodyStatuses.has(status)) throw typeError('Response constructor', `a response with status ${status} cannot have a body`);
      const extracted = extractBody(body);
      source = extracted.source;
      if (extracted.contentType !== null && !headers.has('content-type')) headers.set('content-type', extracted.contentType);
    }
    this.#s = { type: 'default', status, statusText, headers, url: '', redirected: false };
    this.#body = new Body(source, headers);
  }

  static error(): Response {
    const res = Response.#make({ type: 'error', status: 0, statusText: '', headers: new Headers(), url: '', redirected: false }, null);
    setHeadersGuard(res.#s.headers, 'immutable');
    return res;
  }

  static redirect(url: unknown, statusInit: unknown = 302): Response {
    const href = new URL(String(url)).href;
    const status = toUnsignedShort(statusInit);
    if (!redirectStatuses.has(status)) throw rangeError('Response.redirect', `${status} is not a redirect status`);
    const headers = headersFromFlatList(['location', href]);
    setHeadersGuard(headers, 'immutable');
    return Response.#make({ type: 'default', status, statusText: '', headers, url: '', redirected: false }, null);
  }

  static json(data: unknown, init: ResponseInit = {}): Response {
    const text = JSON.stringify(data);
    if (text === undefined) throw typeError('Response.json', 'the value is not JSON serializable');
    const headers = new Headers(init.headers as HeadersInit | undefined);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new Response(utf8Encode(text), { ...init, headers });
  }

  static {
    includeBody(Response, (target) => (target as Response).#body);
    defineInterface(Response, 'Response', 0);
    // The host's ways in and out, reachable from this module only (not members user code can call).
    responseFromWire = (wire) => {
      const source: BodySource | null = wire.body === null ? null : { kind: 'host', handle: wire.body };
      return Response.#make(
        { type: 'basic', status: wire.status, statusText: wire.statusText, headers: headersFromFlatList(wire.headers), url: wire.url, redirected: wire.redirected },
        source,
      );
    };
    responseToWire = (res) => {
      const s = res.#s;
      return {
        status: s.status,
        statusText: s.statusText,
        headers: headersToFlatList(s.headers),
        body: res.#body.takeWire(),
      };
    };
  }

  static #make(state: ResponseState, source: BodySource | null): Response {
    return new Response(fromState, { state, source } as unknown as ResponseInit);
  }

  get type(): string { return this.#s.type; }
  get url(): string { return this.#s.url; }
  get redirected(): boolean { return this.#s.redirected; }
  get status(): number { return this.#s.status; }
  get ok(): boolean { return this.#s.status >= 200 && this.#s.status <= 299; }
  get statusText(): string { return this.#s.statusText; }
  get headers(): Headers { return this.#s.headers; }
  get webSocket(): null { return null; }

  clone(): Response {
    if (this.#s.type === 'error') return Response.error();
    return Response.#make({ ...this.#s, headers: new Headers(this.#s.headers) }, this.#body.cloneSource());
  }

}
