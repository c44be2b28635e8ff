/**
 * Which execution the guest is working for. The host names the execution on every entry; code
 * that runs during that entry (including its microtasks) acts on its behalf: fetch counting,
 * console lines, timers.
 */
let current = 0;

export function currentExec(): number {
  return current;
}

export function setCurrentExec(execId: number): void {
  current = execId;
}

interface ExecState {
  subrequests: number;
  waitUntil: Promise<unknown>[];
  passThroughOnException: boolean;
  settled: boolean;
}

const states = new Map<number, ExecState>();

export function beginExec(execId: number): ExecState {
  const state: ExecState = { subrequests: 0, waitUntil: [], passThroughOnException: false, settled: false };
  states.set(execId, state);
  return state;
}

export function execState(execId = current): ExecState | undefined {
  return states.get(execId);
}

export function endExec(execId: number): void {
  states.delete(execId);
}
