/**
 * The guest's only door to the host. The host installs `__edgefn` before this bundle runs; we take
 * the functions and delete the global so user code cannot call them. Each one is an isolated-vm
 * Callback: arguments and results are copied, never shared.
 */
import type { OpKind, SyncKind, WireOutcome } from './protocol.ts';

interface HostBridge {
  outcome(execId: number, outcome: WireOutcome): void;
  log(execId: number, level: string, message: string): void;
  op(execId: number, opId: number, kind: OpKind, args: unknown): void;
  sync(kind: SyncKind, args: unknown): unknown;
  chunk(streamId: number, chunk: Uint8Array | null, error: string | null): void;
  done(execId: number): void;
}

const scope = globalThis as unknown as { __edgefn?: HostBridge };
const bridge = scope.__edgefn;
delete scope.__edgefn;
if (!bridge) throw new Error('edgefn guest loaded without its host bridge');

/** Host calls, bound so callers cannot reach the bridge object. */
export const host: Readonly<HostBridge> = Object.freeze({
  outcome: bridge.outcome,
  log: bridge.log,
  op: bridge.op,
  sync: bridge.sync,
  chunk: bridge.chunk,
  done: bridge.done,
});
