/**
 * Timers run on the host's clock: a timer is a 'sleep' op the host resolves by entering the
 * isolate, so the callback's CPU time counts against the execution that set it. When an
 * execution ends, the host drops its pending timers.
 */
import { callHost, lastOpId } from './ops.ts';
import { host } from './host.ts';
import { currentExec } from './exec.ts';
import { typeError } from './errors.ts';

interface Timer {
  fn: (...args: unknown[]) => void;
  args: unknown[];
  ms: number;
  repeat: boolean;
  opId: number;
}

const timers = new Map<number, Timer>();
let nextTimerId = 1;

function arm(id: number, timer: Timer): void {
  const sleep = callHost<number>('sleep', timer.ms);
  // The host cancels a sleep by its op id.
  timer.opId = lastOpId();
  sleep.then(() => {
    if (timers.get(id) !== timer) return;
    if (timer.repeat) arm(id, timer);
    else timers.delete(id);
    timer.fn(...timer.args);
  }, () => timers.delete(id));
}

function add(fn: unknown, ms: unknown, args: unknown[], repeat: boolean): number {
  if (typeof fn !== 'function') throw typeError('timers', 'callback is not a function');
  // Global scope runs once per isolate, outside any request: a timer set there would never fire.
  if (currentExec() === 0) throw new Error('Timers are not allowed outside a request handler (global scope runs once per isolate, outside any request)');
  const delay = Math.max(0, Math.min(Number(ms) || 0, 2 ** 31 - 1));
  const id = nextTimerId++;
  const timer: Timer = { fn: fn as Timer['fn'], args, ms: repeat ? Math.max(delay, 1) : delay, repeat, opId: 0 };
  timers.set(id, timer);
  arm(id, timer);
  return id;
}

function clear(id: unknown): void {
  const timer = timers.get(Number(id));
  if (!timer) return;
  timers.delete(Number(id));
  host.sync('cancelOp', timer.opId);
}

// Defaults rather than optional parameters: WebIDL's `length` counts required arguments only.
export const setTimeout = (fn: unknown, ms: unknown = 0, ...args: unknown[]): number => add(fn, ms, args, false);
export const setInterval = (fn: unknown, ms: unknown = 0, ...args: unknown[]): number => add(fn, ms, args, true);
export const setImmediate = (fn: unknown, ...args: unknown[]): number => add(fn, 0, args, false);
// Three functions, not one under three names: each global keeps its own `name`.
export const clearTimeout = (id: unknown = 0): void => clear(id);
export const clearInterval = (id: unknown = 0): void => clear(id);
export const clearImmediate = (id: unknown = 0): void => clear(id);
