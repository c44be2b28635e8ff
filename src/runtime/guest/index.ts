/**
 * The guest runtime: installs the Web APIs on the isolate's global scope and exposes one entry
 * function to the host. Heavy pieces (streams, URLPattern) load on first use.
 */
import { resolveOp } from './ops.ts';
import { setCurrentExec } from './exec.ts';
import { Headers } from './headers.ts';
import { Request } from './request.ts';
import { Response } from './response.ts';
import { fetch, setSubrequestLimit } from './fetch.ts';
import { FetchEvent, addEventListener, dispatch, removeEventListener, setEnvObject, setModuleHandler } from './fetch-event.ts';
import { URL } from './url.ts';
import { TextDecoder, TextEncoder } from './encoding.ts';
import { AbortController, AbortSignal, CustomEvent, ErrorEvent, Event, EventTarget, setTimerHooks } from './events.ts';
import { reportError } from './report-error.ts';
import { DOMException } from './dom-exception.ts';
import { console } from './console.ts';
import { setTimeout, setInterval, setImmediate, clearTimeout, clearInterval, clearImmediate } from './timers.ts';
import { cancelOutgoing, pullOutgoing } from './body.ts';
import { streams, type StreamsModule } from './streams.ts';
import { lazy } from './lazy.ts';
import { makeTextStreams } from './text-streams.ts';
import { patchWebAssembly } from './wasm.ts';
import type { EntryKind, WireConfig, WireRequest } from './protocol.ts';
import { setDomExceptionFactory, typeError } from './errors.ts';

declare function require(id: string): unknown;

const g = globalThis as unknown as Record<string, unknown>;

// Every interface gets its WebIDL shape where it is defined (webidl.ts defineInterface), so a
// lazily loaded one is shaped before any use; installing a global only defines it.
function define(name: string, value: unknown): void {
  Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
}

/** A global that builds its value on first access (and can still be overwritten by user code). */
function defineLazy(name: string, load: () => unknown): void {
  Object.defineProperty(g, name, {
    configurable: true,
    enumerable: false,
    get() {
      const value = load();
      define(name, value);
      return value;
    },
    set(value: unknown) {
      define(name, value);
    },
  });
}

function queueMicrotask(callback: unknown): void {
  if (typeof callback !== 'function') throw typeError('queueMicrotask', 'callback is not a function');
  void Promise.resolve().then(callback as () => void);
}

setDomExceptionFactory((message, name) => new DOMException(message, name));
setTimerHooks({ setTimeout: (fn, ms) => setTimeout(fn, ms) });
patchWebAssembly();

// A function runs on a shared thread, as a browser page runs on its main thread: it may not park
// that thread (the CPU watchdog would not see it, as waiting uses no CPU). Atomics.waitAsync stays.
Object.defineProperty(Atomics, 'wait', {
  value: function wait(): never {
    throw typeError('Atomics.wait', 'a function may not park its thread');
  },
  writable: true,
  configurable: true,
  enumerable: false,
});

const eager: Record<string, unknown> = {
  Headers, Request, Response, fetch, FetchEvent, URL, TextEncoder, TextDecoder, AbortController,
  AbortSignal, Event, EventTarget, CustomEvent, ErrorEvent, DOMException, reportError, console, setTimeout, setInterval,
  setImmediate, clearTimeout, clearInterval, clearImmediate, queueMicrotask,
  addEventListener, removeEventListener,
  navigator: Object.freeze({ userAgent: 'edgefn' }),
  self: globalThis,
};
for (const [name, value] of Object.entries(eager)) define(name, value);

// Loaded on first use (see lazy.ts): every module evaluated at start-up costs every isolate.
const lazyGlobals: Record<string, () => unknown> = {
  URLSearchParams: () => lazy.searchParams().URLSearchParams,
  Blob: () => lazy.blob().Blob,
  File: () => lazy.blob().File,
  FormData: () => lazy.formData().FormData,
  Cookies: () => lazy.cookies().Cookies,
  atob: () => lazy.base64().atob,
  btoa: () => lazy.base64().btoa,
  atobUTF8: () => lazy.base64().atobUTF8,
  btoaUTF8: () => lazy.base64().btoaUTF8,
  crypto: () => lazy.crypto().createCrypto(),
  Crypto: () => lazy.crypto().Crypto,
  CryptoKey: () => lazy.crypto().CryptoKey,
  SubtleCrypto: () => lazy.crypto().SubtleCrypto,
  caches: () => lazy.cache().createCacheStorage(),
  structuredClone: () => lazy.clone().structuredClone,
  MessageChannel: () => lazy.messaging().MessageChannel,
  MessagePort: () => lazy.messaging().MessagePort,
  MessageEvent: () => lazy.messaging().MessageEvent,
  Cache: () => lazy.cache().Cache,
  CacheStorage: () => lazy.cache().CacheStorage,
};
for (const [name, load] of Object.entries(lazyGlobals)) defineLazy(name, load);

const streamClasses: (keyof StreamsModule)[] = [
  'ReadableStream', 'ReadableStreamDefaultReader', 'ReadableStreamBYOBReader', 'ReadableStreamDefaultController',
  'ReadableByteStreamController', 'ReadableStreamBYOBRequest', 'WritableStream', 'WritableStreamDefaultWriter',
  'WritableStreamDefaultController', 'TransformStream', 'TransformStreamDefaultController',
  'ByteLengthQueuingStrategy', 'CountQueuingStrategy',
];
for (const name of streamClasses) defineLazy(name, () => streams()[name]);
let textStreams: ReturnType<typeof makeTextStreams> | undefined;
defineLazy('TextEncoderStream', () => (textStreams ??= makeTextStreams()).TextEncoderStream);
defineLazy('TextDecoderStream', () => (textStreams ??= makeTextStreams()).TextDecoderStream);
defineLazy('URLPattern', () => (require('urlpattern-polyfill/urlpattern') as { URLPattern: unknown }).URLPattern);

/** The one function the host calls to enter the isolate. */
function enter(kind: EntryKind, execId: number, ...args: unknown[]): unknown {
  const [a, b, c] = args;
  setCurrentExec(execId);
  switch (kind) {
    case 'dispatch':
      return dispatch(execId, args as WireRequest);
    case 'resolve':
      resolveOp(a as number, b as boolean, c);
      return undefined;
    case 'pull':
      pullOutgoing(a as number);
      return undefined;
    case 'cancel':
      cancelOutgoing(a as number);
      return undefined;
    case 'init': {
      // Before user code loads: limits and env vars, which are fixed for this isolate's life.
      const config = a as WireConfig;
      setSubrequestLimit(config.subrequests);
      const env = Object.freeze(config.env);
      setEnvObject(env);
      define('env', env);
      return undefined;
    }
    case 'module':
      setModuleHandler(a);
      return undefined;
    default:
      throw new TypeError(`unknown entry ${String(kind)}`);
  }
}

define('__edgefn_enter', enter);
