/**
 * The messages that cross the isolate boundary. Types only: the guest bundle and the host both
 * import this file. Every value is copied across (structured clone), never shared.
 */

/** A request as the host hands it to the guest. */
export interface WireRequest {
  method: string;
  url: string;
  /** [name, value, name, value, ...] */
  headers: string[];
  body: Uint8Array | null;
  clientIp: string;
  geo: Record<string, string | number>;
  clientId: string;
}

/**
 * A body as the guest hands it to the host: absent, complete text or bytes, a guest stream the
 * host pulls chunk by chunk, or a host stream the guest never touched (piped without a copy).
 */
export type WireBody = null | string | Uint8Array | { stream: number } | { host: number };

export interface WireResponse {
  status: number;
  statusText: string;
  headers: string[];
  body: WireBody;
}

/** What an execution produced, told to the host once. */
export type WireOutcome =
  | { kind: 'response'; response: WireResponse }
  | { kind: 'passthrough' }
  | { kind: 'error'; error: WireError };

export interface WireError {
  /** 'exception' for uncaught errors; other kinds map to their own error codes on the host. */
  kind: 'exception' | 'subrequests' | 'invalid-response';
  name: string;
  message: string;
  stack: string;
}

/** Host -> guest entries. */
export type EntryKind = 'init' | 'module' | 'dispatch' | 'resolve' | 'pull' | 'cancel';

/** Guest -> host asynchronous operations; the host answers with a 'resolve' entry. */
export type OpKind =
  | 'fetch'
  | 'read'
  | 'readAll'
  | 'readAllText'
  | 'cancelBody'
  | 'sleep'
  | 'crypto'
  | 'cacheMatch'
  | 'cachePut'
  | 'cacheDelete'
  | 'formData';

/** Guest -> host synchronous calls. */
export type SyncKind =
  | 'cancelOp'
  | 'urlParse'
  | 'urlSet'
  | 'randomBytes'
  | 'randomUUID'
  | 'clone'
  | 'now';

/** A URL's parts as the host's WHATWG URL parser gives them. */
export interface WireUrl {
  href: string;
  origin: string;
  protocol: string;
  username: string;
  password: string;
  host: string;
  hostname: string;
  port: string;
  pathname: string;
  search: string;
  hash: string;
}

/** Options the guest passes to the host fetch. */
export interface WireFetch {
  method: string;
  url: string;
  headers: string[];
  body: WireBody;
  redirect: 'follow' | 'manual' | 'error';
  maxFollow: number | null;
  eo: Record<string, unknown> | null;
}

/** A fetched response: body stays on the host until read. */
export interface WireFetchResponse {
  status: number;
  statusText: string;
  headers: string[];
  url: string;
  redirected: boolean;
  body: number | null;
}

/** Settings given to the guest once, before user code loads. */
export interface WireConfig {
  subrequests: number;
  env: Record<string, unknown>;
}
