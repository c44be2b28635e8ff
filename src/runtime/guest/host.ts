/**
 * The guest's only door to the host. The host installs `__edgefn` before this bundle runs; we take
 * the functions and delete the global so user code cannot call them. Each one is an isolated-vm
 * Callback: arguments and results are copied, never shared.
 */
import type { BridgeCalls } from './protocol.ts';

const scope = globalThis as unknown as { __edgefn?: BridgeCalls };
const bridge = scope.__edgefn;
delete scope.__edgefn;
if (!bridge) throw new Error('edgefn guest loaded without its host bridge');

/** Host calls, bound so callers cannot reach the bridge object. */
export const host: Readonly<BridgeCalls> = Object.freeze({
  outcome: bridge.outcome,
  log: bridge.log,
  op: bridge.op,
  sync: bridge.sync,
  chunk: bridge.chunk,
  done: bridge.done,
});
