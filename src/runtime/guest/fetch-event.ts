/**
 * The two ways a function receives requests: Service Worker style (`addEventListener('fetch')` and
 * FetchEvent) and module style (`export default { fetch(request, env, ctx) }`). Both end in one
 * outcome for the host: a response, "go to origin" (passthrough), or an error.
 */
import { Event } from './events.ts';
import { DOMException } from './dom-exception.ts';
import { Request } from './request.ts';
import { Response } from './response.ts';
import { SubrequestLimitError } from './fetch.ts';
import { host } from './host.ts';
import { beginExec, endExec, execState, setCurrentExec } from './exec.ts';
import type { WireError, WireOutcome, WireRequest } from './protocol.ts';

type Listener = (event: FetchEvent) => void;
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
    throw new TypeError('The module has no default export with a fetch(request, env, ctx) method');
  }
  moduleHandler = handler as typeof moduleHandler;
}

/** The global addEventListener: only 'fetch' events exist for functions. */
export function addEventListener(type: string, listener: unknown): void {
  if (type !== 'fetch') return;
  if (typeof listener === 'function') listeners.push(listener as Listener);
  else if (listener && typeof (listener as { handleEvent?: unknown }).handleEvent === 'function') {
    listeners.push((e) => (listener as { handleEvent(e: FetchEvent): void }).handleEvent(e));
  }
}

export function removeEventListener(type: string, listener: unknown): void {
  if (type !== 'fetch') return;
  const i = listeners.indexOf(listener as Listener);
  if (i >= 0) listeners.splice(i, 1);
}

/** Whether the function registered any way to handle requests. */
export function hasHandler(): boolean {
  return moduleHandler !== undefined || listeners.length > 0;
}

let constructing = false;

export class FetchEvent extends Event {
  #request: Request;
  #clientId: string;
  #execId: number;
  #responded = false;
  #response: Promise<unknown> | undefined;

  constructor(type: string, init: { request: Request; clientId: string; execId: number }) {
    if (!constructing) throw new TypeError('Illegal constructor');
    super(type);
    this.#request = init.request;
    this.#clientId = init.clientId;
    this.#execId = init.execId;
  }

  get request(): Request { return this.#request; }
  get clientId(): string { return this.#clientId; }

  respondWith(response: unknown): void {
    if (this.#responded) throw new DOMException('FetchEvent.respondWith() has already been called.', 'InvalidStateError');
    this.#responded = true;
    this.#response = Promise.resolve(response);
    void this.#response.catch(() => undefined);
  }

  waitUntil(promise: unknown): void {
    execState(this.#execId)?.waitUntil.push(Promise.resolve(promise));
  }

  passThroughOnException(): void {
    const state = execState(this.#execId);
    if (state) state.passThroughOnException = true;
  }

  static responseOf(event: FetchEvent): Promise<unknown> | undefined {
    return event.#response;
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
    return { kind: 'response', response: Response.toWire(value) };
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
 * `respondWith(new Response(...))` case saves a host call); otherwise returns null and reports it
 * later through host.outcome.
 */
export function dispatch(execId: number, wire: WireRequest): WireOutcome | null {
  setCurrentExec(execId);
  const state = beginExec(execId);
  const request = Request.fromWire(wire);
  let pending: unknown;
  try {
    if (moduleHandler) {
      const ctx = Object.freeze({
        waitUntil: (p: unknown) => void state.waitUntil.push(Promise.resolve(p)),
        passThroughOnException: () => void (state.passThroughOnException = true),
      });
      pending = moduleHandler.fetch(request, envObject, ctx);
    } else {
      constructing = true;
      let event: FetchEvent;
      try {
        event = new FetchEvent('fetch', { request, clientId: wire.clientId, execId });
      } finally {
        constructing = false;
      }
      for (const listener of listeners.slice()) listener(event);
      pending = FetchEvent.responseOf(event);
      if (pending === undefined) return settle(execId, { kind: 'passthrough' });
    }
  } catch (error) {
    return settle(execId, failure(error, execId));
  }
  if (pending instanceof Response) return settle(execId, outcomeOf(pending, execId));
  const promise = pending instanceof Promise ? pending : Promise.resolve(pending);
  promise.then(
    (value) => host.outcome(execId, settle(execId, outcomeOf(value, execId))),
    (error: unknown) => host.outcome(execId, settle(execId, failure(error, execId))),
  );
  return null;
}

/** Records the outcome and, once every waitUntil promise has settled, tells the host. */
function settle(execId: number, outcome: WireOutcome): WireOutcome {
  const state = execState(execId);
  if (state && !state.settled) {
    state.settled = true;
    void drainWaitUntil(execId);
  }
  return outcome;
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

function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
