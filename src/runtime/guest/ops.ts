/**
 * Asynchronous host operations. The guest never awaits a host promise directly: it registers a
 * pending op and the host later enters the isolate with `resolve`. Every entry into the isolate is
 * started by the host, so the host can attribute CPU time and enforce limits per execution.
 */
import { host } from './host.ts';
import { currentExec } from './exec.ts';
import type { OpKind } from './protocol.ts';
import { errorFromHost } from './errors.ts';

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const pending = new Map<number, Pending>();
let nextOpId = 1;

/** Starts a host operation on behalf of the current execution. */
export function callHost<T>(kind: OpKind, args: unknown): Promise<T> {
  const execId = currentExec();
  if (execId === 0) {
    // As on other edge platforms, global scope runs once per isolate, outside any request.
    return Promise.reject(new Error(`I/O (${kind}) is not allowed outside a request handler`));
  }
  const opId = nextOpId++;
  return new Promise<T>((resolve, reject) => {
    pending.set(opId, { resolve: resolve as (value: unknown) => void, reject });
    host.op(execId, opId, kind, args);
  });
}

/** The id of the most recently started op. */
export function lastOpId(): number {
  return nextOpId - 1;
}

/** Entry: the host finished an operation. Errors arrive as [name, message]. */
export function resolveOp(opId: number, ok: boolean, value: unknown): void {
  const p = pending.get(opId);
  if (!p) return;
  pending.delete(opId);
  if (ok) {
    p.resolve(value);
  } else {
    const [name, message] = value as [string, string];
    p.reject(errorFromHost(name, message));
  }
}

