/**
 * The two ways a function receives requests: Service Worker style (`addEventListener('fetch')` and
 * FetchEvent) and module style (`export default { fetch(request, env, ctx) }`). Both end in one
 * outcome for the host: a response, "go to origin" (passthrough), or an error.
 */
import { Event, markTrusted, type AddEventListenerOptions, type EventListenerOptions, type EventListenerOrEventListenerObject } from './events.ts';
import { DOMException } from './dom-exception.ts';
import type { Request } from './request.ts';
import { requestFromWire } from './request.ts';
import { Response, responseToWire } from './response.ts';
import { SubrequestLimitError } from './fetch.ts';
import { host } from './host.ts';
import { lastOpId } from './ops.ts';
import { beginExec, endExec, execState, setCurrentExec } from './exec.ts';
import type { DispatchResult, WireError, WireOutcome, WireRequest } from './protocol.ts';
import { defineInterface } from './webidl.ts';
import { addGlobalListener, removeGlobalListener } from './report-error.ts';
import { errorMessage, illegalConstructor, typeError } from './errors.ts';

type Listener = (event: FetchEvent) => unknown;
const listeners: Listener[] = [];
let moduleHandler: { fetch(request: Request, env: unknown, ctx: unknown): unknown } | undefined;
let envObject: unknown = {};

export function setEnvObject(env: unknown): void {
  envObject = env;
}

/** Registers a module's default export; called by the host after evaluating a module. */
export function setModuleHandler(exported: unknown): void {
  const handler = exported as { fetch?: unknown } | null | undefined;
  if (!handler || typeof handler.fetch !== 'function') {
    throw typeError('module', 'the default export has no fetch(request, env, ctx) method');
  }
  moduleHandler = handler as typeof moduleHandler;
}

/** The global addEventListener: only 'fetch' events exist for functions. */
// `options` defaults rather than being optional: WebIDL's `length` (2) counts required arguments.
export function addEventListener(type: string, listener: unknown, options: unknown = undefined): void {
  // Other events (error) go to the global scope's own target (report-error.ts).
  if (type !== 'fetch') return addGlobalListener(type, listener as EventListenerOrEventListenerObject | null, options as AddEventListenerOptions | boolean | undefined);
  if (typeof listener === 'function') listeners.push(listener as Listener);
  else if (listener && typeof (listener as { handleEvent?: unknown }).handleEvent === 'function') {
    listeners.push((e) => (listener as { handleEvent(e: FetchEvent): unknown }).handleEvent(e));
  }
}

export function removeEventListener(type: string, listener: unknown, options: unknown = undefined): void {
  if (type !== 'fetch') return removeGlobalListener(type, listener as EventListenerOrEventListenerObject | null, options as EventListenerOptions | boolean | undefined);
  const i = listeners.indexOf(listener as Listener);
  if (i >= 0) listeners.splice(i, 1);
}

/** Whether the function registered any way to handle requests. */
export function hasHandler(): boolean {
  return moduleHandler !== undefined || listeners.length > 0;
}

/** The key the constructor asks for: only this module holds it, so user code cannot construct one. */
const token = Symbol('construct');

/** Ends the dispatch: what respondWith was given, if anything; later calls throw (module-private). */
let endDispatch: (event: FetchEvent) => unknown;

export class FetchEvent extends Event {
  #request: Request;
  #clientId: string | undefined;
  #execId: number;
  #responded = false;
  #dispatching = true;
  #response: unknown;

  constructor(type: string, init: { request: Request; execId: number }, key?: symbol) {
    if (key !== token) throw illegalConstructor('FetchEvent');
    super(type);
    this.#request = init.request;
    this.#execId = init.execId;
  }

  get request(): Request { return this.#request; }
  /** A per-request id, made on first use. */
  get clientId(): string {
    this.#clientId ??= host.sync('randomUUID', null) as string;
    return this.#clientId;
  }

  respondWith(response: unknown): void {
    if (this.#responded) throw new DOMException(errorMessage('FetchEvent.respondWith', 'a response was already given'), 'InvalidStateError');
    if (!this.#dispatching) {
      throw new DOMException(
        errorMessage('FetchEvent.respondWith', 'call it while the event is dispatched: after an await, the request has already gone to the origin. Call it at once, with a promise: event.respondWith(handle(event.request)).'),
        'InvalidStateError',
      );
    }
    this.#responded = true;
    // A ready Response stays as it is, so dispatch can answer without a promise turn.
    this.#response = response instanceof Response ? response : Promise.resolve(response);
  }

  waitUntil(promise: unknown): void {
    execState(this.#execId)?.waitUntil.push(Promise.resolve(promise));
  }

  passThroughOnException(): void {
    const state = execState(this.#execId);
    if (state) state.passThroughOnException = true;
  }

  static {
    defineInterface(FetchEvent, 'FetchEvent', 2);
    endDispatch = (event) => {
      event.#dispatching = false;
      return event.#response;
    };
  }
}

function toWireError(error: unknown): WireError {
  if (error instanceof SubrequestLimitError) {
    return { kind: 'subrequests', name: 'Error', message: error.message, stack: error.stack ?? '' };
  }
  if (error instanceof Error) {
    return { kind: 'exception', name: error.name, message: error.message, stack: error.stack ?? `${error.name}: ${error.message}` };
  }
  let text: string;
  try {
    text = String(error);
  } catch {
    text = Object.prototype.toString.call(error);
  }
  return { kind: 'exception', name: 'Error', message: `Uncaught ${text}`, stack: '' };
}

function outcomeOf(value: unknown, execId: number): WireOutcome {
  if (!(value instanceof Response)) {
    return {
      kind: 'error',
      error: { kind: 'invalid-response', name: 'TypeError', message: 'The function responded with something that is not a Response', stack: '' },
    };
  }
  try {
    return { kind: 'response', response: responseToWire(value) };
  } catch (error) {
    return failure(error, execId);
  }
}

function failure(error: unknown, execId: number): WireOutcome {
  if (execState(execId)?.passThroughOnException && !(error instanceof SubrequestLimitError)) return { kind: 'passthrough' };
  return { kind: 'error', error: toWireError(error) };
}

/**
 * Entry: run one request. Returns the outcome at once when it is ready synchronously (the common
 * `respondWith(new Response('text'))` case needs no promise turn and no bridge call); otherwise
 * returns null and reports it later through host.outcome.
 */
export function dispatch(execId: number, wire: WireRequest): DispatchResult {
  setCurrentExec(execId);
  const state = beginExec(execId);
  const request = requestFromWire(wire);
  let pending: unknown;
  try {
    if (moduleHandler) {
      const ctx = Object.freeze({
        waitUntil: (p: unknown) => void state.waitUntil.push(Promise.resolve(p)),
        passThroughOnException: () => void (state.passThroughOnException = true),
      });
      pending = moduleHandler.fetch(request, envObject, ctx);
    } else {
      const event = new FetchEvent('fetch', { request, execId }, token);
      markTrusted(event); // dispatched by the platform, as a browser's own events are
      const opsBefore = lastOpId();
      try {
        for (const listener of listeners.slice()) watchListener(listener(event), execId, state);
      } finally {
        pending = endDispatch(event);
      }
      if (pending === undefined) {
        warnIfWorkPending(execId, lastOpId() - opsBefore, state);
        return encode({ kind: 'passthrough' }, settle(execId));
      }
    }
  } catch (error) {
    const outcome = failure(error, execId);
    return { outcome, done: settle(execId) };
  }
  if (pending instanceof Response) {
    const outcome = outcomeOf(pending, execId);
    return encode(outcome, settle(execId));
  }
  const promise = pending instanceof Promise ? pending : Promise.resolve(pending);
  promise.then(
    (value) => report(execId, outcomeOf(value, execId)),
    (error: unknown) => report(execId, failure(error, execId)),
  );
  return null;
}

/**
 * The listeners returned without respondWith while operations they started are still pending (none
 * can have finished: that takes another entry). Often that is a handler meant to answer after an
 * await, called without handing its promise to respondWith: the request has gone to the origin,
 * and the late respondWith will never run. Say so in the report.
 */
function warnIfWorkPending(execId: number, started: number, state: { waitUntil: Promise<unknown>[] }): void {
  if (started === 0 || state.waitUntil.length > 0) return;
  const what = started === 1 ? '1 operation it started was' : `${started} operations it started were`;
  host.log(
    execId,
    'warn',
    `edgefn: the fetch listener returned without calling respondWith while ${what} pending: the request went to the origin. To answer after that work, call event.respondWith(promise) in the listener itself; for work in the background, use event.waitUntil(promise).`,
  );
}

/**
 * What an async listener returns is not waited for before deciding the outcome (as in Service
 * Workers), but the execution lasts until it settles, so an error it ends with (a respondWith
 * called too late, say) reaches the report instead of vanishing.
 */
function watchListener(returned: unknown, execId: number, state: { waitUntil: Promise<unknown>[] }): void {
  if (!(returned instanceof Promise)) return;
  state.waitUntil.push(
    returned.then(undefined, (error: unknown) => {
      setCurrentExec(execId);
      host.log(execId, 'error', `Uncaught (in the fetch listener) ${describe(error)}`);
    }),
  );
}

function report(execId: number, outcome: WireOutcome): void {
  host.outcome(execId, outcome);
  if (settle(execId)) host.done(execId);
}

/** The string form of the common outcomes (see DispatchResult), or the object form. */
function encode(outcome: WireOutcome, done: boolean): DispatchResult {
  const flag = done ? '!' : '';
  if (outcome.kind === 'passthrough') return `pass${flag}`;
  if (outcome.kind === 'response') {
    const { status, statusText, headers, body } = outcome.response;
    if (body === null || typeof body === 'string') {
      return `${body === null ? 'null' : 'text'}${flag}\n${status}\n${statusText}\n${headers.length / 2}\n${headers.length > 0 ? headers.join('\n') + '\n' : ''}${body ?? ''}`;
    }
  }
  return { outcome, done };
}

/**
 * Records that the outcome is known. Returns true when the execution is also finished (no
 * waitUntil work); otherwise waits for that work and then tells the host.
 */
function settle(execId: number): boolean {
  const state = execState(execId);
  if (!state || state.settled) return false;
  state.settled = true;
  if (state.waitUntil.length === 0) {
    endExec(execId);
    return true;
  }
  void drainWaitUntil(execId);
  return false;
}

async function drainWaitUntil(execId: number): Promise<void> {
  const state = execState(execId);
  if (!state) return;
  // waitUntil may be called again while earlier promises run: keep going until none are added.
  while (state.waitUntil.length > 0) {
    const batch = state.waitUntil.splice(0);
    const results = await Promise.allSettled(batch);
    for (const r of results) {
      if (r.status === 'rejected') {
        setCurrentExec(execId);
        host.log(execId, 'error', `Uncaught (in waitUntil) ${describe(r.reason)}`);
      }
    }
  }
  endExec(execId);
  host.done(execId);
}

/** An error as a report line: name and message first (a DOMException's stack line lacks the message). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const head = `${error.name}: ${error.message}`;
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  return [head, ...frames].join('\n');
}
