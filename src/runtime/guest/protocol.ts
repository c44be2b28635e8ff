/**
 * The messages that cross the isolate boundary. Types only: the guest bundle and the host both
 * import this file. Every value is copied across (structured clone), never shared.
 */

/**
 * A request as the host hands it to the guest: positional primitives, which cross without a
 * structured clone (the hot path). Headers are `name\nvalue\nname\nvalue`: HTTP forbids line
 * breaks in both. `geo` is JSON ('' when unknown).
 */
export type WireRequest = [method: string, url: string, headers: string, clientIp: string, geo: string, body: Uint8Array | null];

/**
 * What a dispatch entry returns: null while the function is still working (the outcome comes
 * later through the bridge), or the outcome at once. The common outcomes come as one string,
 * which crosses without a structured clone:
 *   line 1: 'text' | 'null' | 'pass', with '!' appended when the execution is already done;
 *   for text/null: status, statusText, header count n, then 2n lines of headers, then the body.
 */
export type DispatchResult = null | string | { outcome: WireOutcome; done: boolean };

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

/**
 * Guest -> host calls: what the host installs in the isolate as `__edgefn` before the guest
 * bundle runs. Each runs synchronously on the host; arguments and results are copied.
 */
export interface BridgeCalls {
  outcome(execId: number, outcome: WireOutcome): void;
  log(execId: number, level: string, message: string): void;
  op(execId: number, opId: number, kind: OpKind, args: unknown): void;
  sync(kind: SyncKind, args: unknown): unknown;
  chunk(streamId: number, chunk: Uint8Array | null, error: string | null): void;
  done(execId: number): void;
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
  | 'wasmModule'
  | 'wasmReserve'
  | 'wasmRelease'
  | 'wasmRoomPages'
  | 'dropKey'
  | 'textDecode';

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

/**
 * A TextDecoder call decoded by the host (legacy encodings): the execution it is made for (0 while
 * code loads), the streaming decoder's handle (0 for a fresh one), the encoding's name, fatal,
 * ignoreBOM, at most 64 KiB of input (null: drop the handle), and whether this call ends the stream.
 */
export type WireDecode = [execId: number, handle: number, encoding: string, fatal: boolean, ignoreBOM: boolean, bytes: Uint8Array | null, flush: boolean];

/**
 * The host's answer: the text and the handle that carries the stream on (0 once it has ended), or
 * an error to throw (TypeError for invalid input in fatal mode) and the handle still open.
 */
export type WireDecoded = [ok: true, text: string, handle: number] | [ok: false, name: string, message: string, handle: number];

/** Settings given to the guest once, before user code loads. */
export interface WireConfig {
  subrequests: number;
  env: Record<string, unknown>;
}
