/**
 * Reporting exceptions (HTML, "report an exception"): `reportError(e)`, and an exception thrown by
 * any event listener, fire an `ErrorEvent` named `error` at the global scope; unless a listener
 * cancels it, the exception is logged as uncaught (console.error, which the invocation record
 * keeps). The global scope's listeners for events other than `fetch` live on one EventTarget
 * here. An exception thrown while an `error` event is being handled is only logged, never
 * reported again, so a throwing error listener cannot loop.
 */
import { ErrorEvent, EventTarget, setListenerErrorReporter, type AddEventListenerOptions, type EventListenerOptions, type EventListenerOrEventListenerObject } from './events.ts';
import { requiredArguments } from './webidl.ts';

const globalTarget = new EventTarget();
let reporting = false;

function logUncaught(error: unknown): void {
  const con = (globalThis as { console?: { error?: (...args: unknown[]) => void } }).console;
  if (con !== undefined && typeof con.error === 'function') con.error('Uncaught', error);
}

function messageOf(error: unknown): string {
  try {
    return error instanceof Error ? String(error.message) : String(error);
  } catch {
    // A value whose conversion throws (a hostile toString) still gets reported.
    return 'Uncaught exception';
  }
}

/** The global `reportError(e)`. */
export function reportError(e: unknown): void {
  requiredArguments(arguments.length, 1, 'reportError');
  if (reporting) {
    logUncaught(e);
    return;
  }
  reporting = true;
  try {
    const event = new ErrorEvent('error', { message: messageOf(e), error: e, cancelable: true });
    if (globalTarget.dispatchEvent(event)) logUncaught(e);
  } finally {
    reporting = false;
  }
}

/** The global scope's listeners for any event but `fetch` (fetch-event.ts keeps those). */
export function addGlobalListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: AddEventListenerOptions | boolean): void {
  globalTarget.addEventListener(type, listener, options);
}

export function removeGlobalListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: EventListenerOptions | boolean): void {
  globalTarget.removeEventListener(type, listener, options);
}

setListenerErrorReporter((error) => reportError(error));
