// DOM events for targets without a tree: Event, CustomEvent, EventTarget, AbortController,
// AbortSignal. Dispatch follows the DOM standard with a single-element path.
import { DOMException } from './dom-exception.ts';
import { defineInterface, dictionaryOf, requiredArguments, sequenceOf } from './webidl.ts';
import { errorMessage, illegalConstructor, illegalInvocation, typeError } from './errors.ts';

/** Receives exceptions thrown by event listeners (they never stop the other listeners). */
export type ListenerErrorReporter = (err: unknown) => void;

/** Timer functions the guest provides; only setTimeout is needed (AbortSignal.timeout). */
export interface TimerHooks {
  setTimeout: (fn: () => void, ms: number) => unknown;
}

function defaultReporter(err: unknown): void {
  const con = (globalThis as { console?: { error?: (...args: unknown[]) => void } }).console;
  if (con !== undefined && typeof con.error === 'function') con.error('Uncaught', err);
}

let reportError: ListenerErrorReporter = defaultReporter;
let timerHooks: TimerHooks | null = null;

/** Replaces how listener exceptions are reported (default: console.error when available). */
export function setListenerErrorReporter(fn: ListenerErrorReporter): void {
  reportError = fn;
}

/** Installs the timer used by AbortSignal.timeout. */
export function setTimerHooks(hooks: TimerHooks): void {
  timerHooks = hooks;
}


function now(): number {
  const perf = (globalThis as { performance?: { now?: () => number } }).performance;
  return perf !== undefined && typeof perf.now === 'function' ? perf.now() : Date.now();
}

const PHASES = [
  ['NONE', 0],
  ['CAPTURING_PHASE', 1],
  ['AT_TARGET', 2],
  ['BUBBLING_PHASE', 3],
] as const;

/** Dictionary of the Event constructor. */
export interface EventInit {
  bubbles?: boolean;
  cancelable?: boolean;
  composed?: boolean;
}

let setTrusted: (e: Event, trusted: boolean) => void;
let dispatch: (target: EventTarget, e: Event) => boolean;
let isDispatching: (e: Event) => boolean;
let IS_TRUSTED: PropertyDescriptor;

/** DOM `Event`. */
export class Event {
  #type: string;
  #bubbles: boolean;
  #cancelable: boolean;
  #composed: boolean;
  #timeStamp: number;
  #target: EventTarget | null = null;
  #currentTarget: EventTarget | null = null;
  #phase = 0;
  #trusted = false;
  #dispatching = false;
  #canceled = false;
  #inPassiveListener = false;
  #stopPropagation = false;
  #stopImmediatePropagation = false;

  /** [LegacyUnforgeable]: an own accessor on every instance. */
  declare readonly isTrusted: boolean;
  declare static readonly NONE: 0;
  declare static readonly CAPTURING_PHASE: 1;
  declare static readonly AT_TARGET: 2;
  declare static readonly BUBBLING_PHASE: 3;
  declare readonly NONE: 0;
  declare readonly CAPTURING_PHASE: 1;
  declare readonly AT_TARGET: 2;
  declare readonly BUBBLING_PHASE: 3;

  constructor(type: string, eventInitDict?: EventInit) {
    requiredArguments(arguments.length, 1, 'Event constructor');
    this.#type = `${type}`;
    const init = dictionaryOf(eventInitDict, 'Event constructor');
    this.#bubbles = Boolean(init.bubbles);
    this.#cancelable = Boolean(init.cancelable);
    this.#composed = Boolean(init.composed);
    this.#timeStamp = now();
    Object.defineProperty(this, 'isTrusted', IS_TRUSTED);
  }

  /** The event type, e.g. 'abort'. */
  get type(): string {
    return this.#type;
  }

  /** The target the event is (or was last) dispatched to. */
  get target(): EventTarget | null {
    return this.#target;
  }

  /** Legacy alias of `target`. */
  get srcElement(): EventTarget | null {
    return this.#target;
  }

  /** The target whose listeners are running, null outside dispatch. */
  get currentTarget(): EventTarget | null {
    return this.#currentTarget;
  }

  /** [currentTarget] during dispatch, [] otherwise. */
  composedPath(): EventTarget[] {
    return this.#dispatching && this.#target !== null ? [this.#target] : [];
  }

  /** One of NONE, CAPTURING_PHASE, AT_TARGET, BUBBLING_PHASE. */
  get eventPhase(): number {
    return this.#phase;
  }

  /** Stops propagation to other targets (there are none without a tree). */
  stopPropagation(): void {
    this.#stopPropagation = true;
  }

  /** Legacy alias of the stop-propagation flag. */
  get cancelBubble(): boolean {
    return this.#stopPropagation;
  }

  set cancelBubble(value: boolean) {
    if (value) this.#stopPropagation = true;
  }

  /** Also skips the remaining listeners of the current target. */
  stopImmediatePropagation(): void {
    this.#stopPropagation = true;
    this.#stopImmediatePropagation = true;
  }

  get bubbles(): boolean {
    return this.#bubbles;
  }

  get cancelable(): boolean {
    return this.#cancelable;
  }

  /** Legacy: false once the event is canceled. */
  get returnValue(): boolean {
    return !this.#canceled;
  }

  set returnValue(value: boolean) {
    if (!value) this.#cancel();
  }

  /** Cancels the event if it is cancelable and not inside a passive listener. */
  preventDefault(): void {
    this.#cancel();
  }

  #cancel(): void {
    if (this.#cancelable && !this.#inPassiveListener) this.#canceled = true;
  }

  get defaultPrevented(): boolean {
    return this.#canceled;
  }

  get composed(): boolean {
    return this.#composed;
  }

  /** Milliseconds (performance.now() when available) at creation. */
  get timeStamp(): number {
    return this.#timeStamp;
  }

  /** Legacy re-initialisation; ignored during dispatch. */
  initEvent(type: string, bubbles: boolean = false, cancelable: boolean = false): void {
    requiredArguments(arguments.length, 1, 'Event.initEvent');
    if (this.#dispatching) return;
    this.#stopPropagation = false;
    this.#stopImmediatePropagation = false;
    this.#canceled = false;
    this.#trusted = false;
    this.#target = null;
    this.#type = `${type}`;
    this.#bubbles = Boolean(bubbles);
    this.#cancelable = Boolean(cancelable);
  }

  static #invoke(target: EventTarget, e: Event, listeners: readonly Listener[], capture: boolean): void {
    for (const l of listeners) {
      if (l.removed || l.capture !== capture) continue;
      if (l.once) removeListener(target, l);
      if (l.passive) e.#inPassiveListener = true;
      try {
        const cb = l.callback;
        if (typeof cb === 'function') {
          cb.call(e.#currentTarget, e);
        } else {
          const handleEvent = cb.handleEvent;
          if (typeof handleEvent !== 'function') throw typeError('EventTarget.dispatchEvent', "the listener's handleEvent is not a function");
          handleEvent.call(cb, e);
        }
      } catch (err) {
        reportError(err);
      }
      e.#inPassiveListener = false;
      if (e.#stopImmediatePropagation) break;
    }
  }

  static {
    const proto = Event.prototype;
    for (const [name, value] of PHASES) {
      const desc = { value, enumerable: true, writable: false, configurable: false };
      Object.defineProperty(Event, name, desc);
      Object.defineProperty(proto, name, desc);
    }
    defineInterface(Event, 'Event', 1);
    const getIsTrusted = function (this: Event): boolean {
      return this.#trusted;
    };
    Object.defineProperty(getIsTrusted, 'name', { value: 'get isTrusted' });
    IS_TRUSTED = { get: getIsTrusted, enumerable: true, configurable: false };
    setTrusted = (e, trusted) => {
      e.#trusted = trusted;
    };
    dispatch = (target, e) => {
      e.#dispatching = true;
      e.#target = target;
      const listeners = listenersOf(target, e.#type);
      if (listeners !== undefined && !e.#stopPropagation) {
        e.#phase = 2;
        e.#currentTarget = target;
        // At the target, capture listeners run before the others (DOM "inner invoke" twice).
        Event.#invoke(target, e, listeners.slice(), true);
        if (!e.#stopPropagation) {
          const current = listenersOf(target, e.#type);
          if (current !== undefined) Event.#invoke(target, e, current.slice(), false);
        }
      }
      e.#phase = 0;
      e.#currentTarget = null;
      e.#dispatching = false;
      e.#stopPropagation = false;
      e.#stopImmediatePropagation = false;
      return !e.#canceled;
    };
    isDispatching = (e) => e.#dispatching;
  }
}

/** Marks an event created by the runtime as trusted (isTrusted === true). */
export function markTrusted(e: Event): void {
  setTrusted(e, true);
}

/** Dispatches an event the runtime made: trusted (isTrusted === true), unlike dispatchEvent's. */
export function fireTrusted(target: EventTarget, e: Event): boolean {
  setTrusted(e, true);
  return dispatch(target, e);
}

/** Dictionary of the CustomEvent constructor. */
export interface CustomEventInit<T = unknown> extends EventInit {
  detail?: T;
}

/** DOM `CustomEvent`: an Event carrying `detail`. */
export class CustomEvent<T = unknown> extends Event {
  #detail: T | null;

  constructor(type: string, eventInitDict?: CustomEventInit<T>) {
    requiredArguments(arguments.length, 1, 'CustomEvent constructor');
    super(type, eventInitDict);
    const detail = (eventInitDict ?? {}).detail;
    this.#detail = detail === undefined ? null : detail;
  }

  /** The payload given at construction (null by default). */
  get detail(): T | null {
    return this.#detail;
  }

  /** Legacy re-initialisation; ignored during dispatch. */
  initCustomEvent(type: string, bubbles: boolean = false, cancelable: boolean = false, detail: T | null = null): void {
    requiredArguments(arguments.length, 1, 'CustomEvent.initCustomEvent');
    if (isDispatching(this)) return;
    this.initEvent(type, bubbles, cancelable);
    this.#detail = detail;
  }

  static {
    defineInterface(CustomEvent, 'CustomEvent', 1);
  }
}

/** Dictionary of the ErrorEvent constructor. */
export interface ErrorEventInit extends EventInit {
  message?: string;
  filename?: string;
  lineno?: number;
  colno?: number;
  error?: unknown;
}

/** HTML `ErrorEvent`: what `reportError` (and an exception in a listener) fires at the global scope. */
export class ErrorEvent extends Event {
  #message: string;
  #filename: string;
  #lineno: number;
  #colno: number;
  #error: unknown;

  constructor(type: string, eventInitDict?: ErrorEventInit) {
    requiredArguments(arguments.length, 1, 'ErrorEvent constructor');
    super(type, eventInitDict);
    const init = dictionaryOf(eventInitDict, 'ErrorEvent constructor');
    this.#message = init.message === undefined ? '' : `${init.message as string}`;
    this.#filename = init.filename === undefined ? '' : `${init.filename as string}`;
    this.#lineno = init.lineno === undefined ? 0 : Number(init.lineno) >>> 0;
    this.#colno = init.colno === undefined ? 0 : Number(init.colno) >>> 0;
    this.#error = init.error;
  }

  get message(): string { return this.#message; }
  get filename(): string { return this.#filename; }
  get lineno(): number { return this.#lineno; }
  get colno(): number { return this.#colno; }
  get error(): unknown { return this.#error; }

  static {
    defineInterface(ErrorEvent, 'ErrorEvent', 1);
  }
}

/** A callback or an object with handleEvent. */
export type EventListenerOrEventListenerObject =
  | ((event: Event) => void)
  | { handleEvent(event: Event): void };

/** Options of addEventListener. */
export interface AddEventListenerOptions {
  capture?: boolean;
  once?: boolean;
  passive?: boolean;
  signal?: AbortSignal;
}

/** Options of removeEventListener. */
export interface EventListenerOptions {
  capture?: boolean;
}

interface Listener {
  callback: ((event: Event) => void) | { handleEvent?: unknown };
  capture: boolean;
  once: boolean;
  passive: boolean;
  removed: boolean;
  type: string;
  // Detaches the listener from its AbortSignal, if any.
  unsubscribe: (() => void) | null;
}

let listenersOf: (target: EventTarget, type: string) => Listener[] | undefined;
let removeListener: (target: EventTarget, l: Listener) => void;
let abortListenerAdded: (target: EventTarget) => void = () => {};

function captureOf(options: unknown): boolean {
  if (options !== null && (typeof options === 'object' || typeof options === 'function')) {
    return Boolean((options as EventListenerOptions).capture);
  }
  return Boolean(options);
}

/** DOM `EventTarget`. */
export class EventTarget {
  #listeners: Map<string, Listener[]> | null = null;

  /** Registers a listener; duplicates of (type, callback, capture) are ignored. */
  addEventListener(
    type: string,
    callback: EventListenerOrEventListenerObject | null,
    options?: AddEventListenerOptions | boolean,
  ): void {
    requiredArguments(arguments.length, 2, 'EventTarget.addEventListener');
    const t = `${type}`;
    if (callback !== null && callback !== undefined && typeof callback !== 'object' && typeof callback !== 'function') {
      throw typeError('EventTarget.addEventListener', 'the listener must be an object or a function');
    }
    let capture = false;
    let once = false;
    let passive = false;
    let signal: AbortSignal | undefined;
    if (options !== null && (typeof options === 'object' || typeof options === 'function')) {
      capture = Boolean(options.capture);
      once = Boolean(options.once);
      passive = Boolean(options.passive);
      const s: unknown = options.signal;
      if (s !== undefined) {
        if (!(s instanceof AbortSignal)) throw typeError('EventTarget.addEventListener', 'signal is not an AbortSignal');
        signal = s;
      }
    } else {
      capture = Boolean(options);
    }
    if (signal !== undefined && signal.aborted) return;
    if (callback === null || callback === undefined) return;
    const map = (this.#listeners ??= new Map());
    let list = map.get(t);
    if (list === undefined) {
      list = [];
      map.set(t, list);
    }
    for (const l of list) if (l.callback === callback && l.capture === capture) return;
    const listener: Listener = { callback, capture, once, passive, removed: false, type: t, unsubscribe: null };
    list.push(listener);
    if (signal !== undefined) {
      listener.unsubscribe = addAbortAlgorithm(signal, () => removeListener(this, listener));
    }
    if (t === 'abort') abortListenerAdded(this);
  }

  /** Removes the listener registered with the same (type, callback, capture). */
  removeEventListener(
    type: string,
    callback: EventListenerOrEventListenerObject | null,
    options?: EventListenerOptions | boolean,
  ): void {
    requiredArguments(arguments.length, 2, 'EventTarget.removeEventListener');
    const t = `${type}`;
    if (callback !== null && callback !== undefined && typeof callback !== 'object' && typeof callback !== 'function') {
      throw typeError('EventTarget.removeEventListener', 'the listener must be an object or a function');
    }
    const capture = captureOf(options);
    const list = this.#listeners?.get(t);
    if (list === undefined) return;
    for (const l of list) {
      if (l.callback === callback && l.capture === capture) {
        removeListener(this, l);
        return;
      }
    }
  }

  /** Dispatches a script-created event synchronously; returns false if it was canceled. */
  dispatchEvent(event: Event): boolean {
    requiredArguments(arguments.length, 1, 'EventTarget.dispatchEvent');
    if (!(event instanceof Event)) throw typeError('EventTarget.dispatchEvent', 'parameter 1 is not an Event');
    if (!(#listeners in this)) throw illegalInvocation('EventTarget.dispatchEvent');
    if (isDispatching(event)) {
      throw new DOMException(errorMessage('EventTarget.dispatchEvent', 'the event is already being dispatched'), 'InvalidStateError');
    }
    setTrusted(event, false);
    return dispatch(this, event);
  }

  static {
    defineInterface(EventTarget, 'EventTarget', 0);
    listenersOf = (target, type) => target.#listeners?.get(type);
    removeListener = (target, l) => {
      l.removed = true;
      l.unsubscribe?.();
      l.unsubscribe = null;
      const list = target.#listeners?.get(l.type);
      if (list === undefined) return;
      const i = list.indexOf(l);
      if (i >= 0) list.splice(i, 1);
    };
  }
}

// ---------------------------------------------------------------------------------------------
// AbortController / AbortSignal

const ILLEGAL = Symbol('AbortSignal');
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function newAbortError(): DOMException {
  return new DOMException('signal is aborted without reason', 'AbortError');
}

let createSignal: () => AbortSignal;
let signalAbort: (signal: AbortSignal, reason: unknown) => void;
let addAlgorithm: (signal: AbortSignal, algorithm: () => void) => () => void;

/** Creates a WeakRef when available; otherwise a strong stand-in with the same shape. */
const makeRef: (s: AbortSignal) => { deref(): AbortSignal | undefined } =
  typeof WeakRef === 'function' ? (s) => new WeakRef(s) : (s) => ({ deref: () => s });

/** DOM `AbortSignal`. Only obtainable from AbortController or the static factories. */
export class AbortSignal extends EventTarget {
  #aborted = false;
  #reason: unknown = undefined;
  #algorithms: Set<() => void> | null = null;
  #onabort: unknown = null;
  #onabortListener: ((e: Event) => void) | null = null;
  // Dependent signals (AbortSignal.any): the sources they follow...
  #dependent = false;
  #sources: AbortSignal[] | null = null;
  // ...and, on a source, the signals following it. Held weakly, except those that have abort
  // listeners or algorithms, which must stay alive while a source can still abort ("pinned").
  #dependents: Set<{ deref(): AbortSignal | undefined }> | null = null;
  #pruneAt = 32;
  #pinned: Set<AbortSignal> | null = null;

  private constructor(key?: symbol) {
    super();
    if (key !== ILLEGAL) throw illegalConstructor('AbortSignal');
  }

  /** Whether the signal has been aborted. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** The abort reason; undefined until aborted. */
  get reason(): unknown {
    return this.#reason;
  }

  /** Throws `reason` if aborted. */
  throwIfAborted(): void {
    if (this.#aborted) throw this.#reason;
  }

  /** Event handler attribute for 'abort'. */
  get onabort(): ((this: AbortSignal, ev: Event) => unknown) | null {
    return this.#onabort as ((this: AbortSignal, ev: Event) => unknown) | null;
  }

  set onabort(value: ((this: AbortSignal, ev: Event) => unknown) | null) {
    const handler: unknown = value !== null && (typeof value === 'object' || typeof value === 'function') ? value : null;
    if (handler === null) {
      if (this.#onabortListener !== null) this.removeEventListener('abort', this.#onabortListener);
      this.#onabortListener = null;
    } else if (this.#onabortListener === null) {
      const listener = (e: Event): void => {
        const h = this.#onabort;
        if (typeof h !== 'function') throw typeError('AbortSignal.onabort', 'the handler is not a function');
        if ((h as (e: Event) => unknown).call(this, e) === false) e.preventDefault();
      };
      this.#onabortListener = listener;
      this.addEventListener('abort', listener);
    }
    this.#onabort = handler;
  }

  /** A signal that is already aborted with `reason` (default: AbortError DOMException). */
  static abort(reason?: unknown): AbortSignal {
    const s = new AbortSignal(ILLEGAL);
    s.#aborted = true;
    s.#reason = reason === undefined ? newAbortError() : reason;
    return s;
  }

  /** A signal that aborts with a TimeoutError DOMException after `milliseconds`. */
  static timeout(milliseconds: number): AbortSignal {
    requiredArguments(arguments.length, 1, 'AbortSignal.timeout');
    // WebIDL [EnforceRange] unsigned long long.
    let ms = Number(milliseconds);
    if (!Number.isFinite(ms)) throw typeError('AbortSignal.timeout', 'milliseconds is not a finite number');
    ms = Math.trunc(ms);
    if (ms < 0 || ms > MAX_SAFE) throw typeError('AbortSignal.timeout', 'milliseconds is out of range');
    const hooks = timerHooks;
    const fallback = (globalThis as { setTimeout?: (fn: () => void, ms: number) => unknown }).setTimeout;
    const schedule = hooks !== null ? hooks.setTimeout : fallback;
    if (typeof schedule !== 'function') throw typeError('AbortSignal.timeout', 'no timer is available');
    const s = new AbortSignal(ILLEGAL);
    schedule(() => s.#abort(new DOMException('signal timed out', 'TimeoutError')), ms);
    return s;
  }

  /** A signal that aborts when any of `signals` does, with that signal's reason. */
  static any(signals: Iterable<AbortSignal>): AbortSignal {
    requiredArguments(arguments.length, 1, 'AbortSignal.any');
    const list: AbortSignal[] = [];
    for (const s of sequenceOf(signals, 'AbortSignal.any')) {
      if (!(s instanceof AbortSignal)) throw typeError('AbortSignal.any', 'every item must be an AbortSignal');
      list.push(s);
    }
    const result = new AbortSignal(ILLEGAL);
    for (const s of list) {
      if (s.#aborted) {
        result.#aborted = true;
        result.#reason = s.#reason;
        return result;
      }
    }
    result.#dependent = true;
    const sources: AbortSignal[] = [];
    const add = (source: AbortSignal): void => {
      if (sources.includes(source)) return;
      sources.push(source);
      source.#addDependent(result);
    };
    for (const s of list) {
      if (!s.#dependent) add(s);
      else for (const source of s.#sources ?? []) add(source);
    }
    result.#sources = sources;
    return result;
  }

  #addDependent(dep: AbortSignal): void {
    const set = (this.#dependents ??= new Set());
    set.add(makeRef(dep));
    if (set.size >= this.#pruneAt) {
      for (const ref of set) if (ref.deref() === undefined) set.delete(ref);
      this.#pruneAt = Math.max(32, set.size * 2);
    }
  }

  #pin(): void {
    if (!this.#dependent || this.#aborted) return;
    for (const source of this.#sources ?? []) (source.#pinned ??= new Set()).add(this);
  }

  #abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason === undefined ? newAbortError() : reason;
    const followers: AbortSignal[] = [];
    for (const ref of this.#dependents ?? []) {
      const dep = ref.deref();
      if (dep !== undefined && !dep.#aborted) {
        dep.#aborted = true;
        dep.#reason = this.#reason;
        followers.push(dep);
      }
    }
    this.#dependents = null;
    this.#pinned = null;
    this.#runAbortSteps();
    for (const dep of followers) dep.#runAbortSteps();
  }

  #runAbortSteps(): void {
    for (const source of this.#sources ?? []) source.#pinned?.delete(this);
    this.#sources = null;
    const algorithms = this.#algorithms;
    this.#algorithms = null;
    if (algorithms !== null) {
      for (const algorithm of algorithms) {
        try {
          algorithm();
        } catch (err) {
          reportError(err);
        }
      }
    }
    const e = new Event('abort');
    setTrusted(e, true);
    dispatch(this, e);
  }

  static {
    defineInterface(AbortSignal, 'AbortSignal', 0);
    createSignal = () => new AbortSignal(ILLEGAL);
    signalAbort = (signal, reason) => signal.#abort(reason);
    addAlgorithm = (signal, algorithm) => {
      if (signal.#aborted) return () => {};
      const set = (signal.#algorithms ??= new Set());
      // Wrapped so that registering the same function twice yields two independent entries.
      const entry = (): void => algorithm();
      set.add(entry);
      signal.#pin();
      return () => {
        signal.#algorithms?.delete(entry);
      };
    };
    abortListenerAdded = (target) => {
      if (#aborted in target) (target as AbortSignal).#pin();
    };
  }
}

/**
 * Runs `algorithm` (before the 'abort' event fires) when `signal` aborts. Returns a function
 * that unregisters it. Does nothing if the signal is already aborted.
 */
export function addAbortAlgorithm(signal: AbortSignal, algorithm: () => void): () => void {
  return addAlgorithm(signal, algorithm);
}

/** DOM `AbortController`. */
export class AbortController {
  #signal: AbortSignal = createSignal();

  /** The signal this controller aborts. */
  get signal(): AbortSignal {
    return this.#signal;
  }

  /** Aborts the signal with `reason` (default: AbortError DOMException). */
  abort(reason?: unknown): void {
    signalAbort(this.#signal, reason);
  }

  static {
    defineInterface(AbortController, 'AbortController', 0);
  }
}
