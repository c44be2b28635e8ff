/**
 * A gateway worker process (`edgefn serve --workers N`, started by gateway/workers.ts): one whole
 * gateway on the shared port. It reads the store itself and hears of changes from the serving
 * process, acknowledging each once applied; it stops when told, and at once if the serving process
 * goes away (the IPC channel closes even on kill -9), so it never serves routes nobody updates.
 */
import { join } from 'node:path';
import { SqliteStore } from '../store/sqlite.ts';
import { loadSecretBox } from '../store/secrets.ts';
import type { Change } from '../store/types.ts';
import { guardProcess } from './process-guard.ts';
import { Readiness } from './lane.ts';
import { startGatewayNode, type GatewayNode } from './node.ts';
import type { FromWorker, ToWorker, WorkerConfig } from './workers.ts';
import { batchNotes } from './records.ts';

/** Sends to the serving process; `sent` runs once the message is out (or cannot go). */
const send = (message: FromWorker, sent?: () => void): void => {
  if (process.connected) process.send!(message, () => sent?.());
  else sent?.();
};
const records = batchNotes(send);

guardProcess('gateway worker');
const config = JSON.parse(process.env.EDGEFN_WORKER ?? 'null') as WorkerConfig | null;
if (!config || !process.send) {
  process.stderr.write('the gateway worker is started by `edgefn serve --workers N`\n');
  process.exit(2);
}

const listeners = new Set<(change: Change) => void>();
const laneReadiness = new Readiness();
let node: GatewayNode | undefined;
let welcomed: () => void;
const welcome = new Promise<void>((resolve) => (welcomed = resolve));

let stopping = false;
function stop(drainMs: number): void {
  if (stopping) return;
  stopping = true;
  const exit = (): never => process.exit(0);
  setTimeout(exit, drainMs + 1000).unref();
  // The last requests' records go before the process does.
  void (node ? node.close(drainMs) : Promise.resolve()).finally(() => records.flush(exit));
}

process.on('message', (message: ToWorker) => {
  if (message.type === 'change') for (const listener of listeners) listener(message.change);
  else if (message.type === 'lane') laneReadiness.set(message.ready);
  else if (message.type === 'welcome') {
    laneReadiness.set(message.laneReady);
    welcomed();
  } else if (message.type === 'stop') stop(message.drainMs);
});
process.once('disconnect', () => stop(0));
// A terminal's Ctrl-C reaches the whole process group: drain as the serving process does.
process.once('SIGINT', () => stop(10_000));
process.once('SIGTERM', () => stop(10_000));
send({ type: 'hello' });
await welcome;

try {
  const store = new SqliteStore({ path: join(config.dataDir, 'edgefn.db') });
  node = await startGatewayNode({
    ...config,
    reusePort: true,
    store,
    secrets: loadSecretBox(config.dataDir),
    laneReadiness,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onApplied: (seq) => send({ type: 'applied', seq }),
    ...(config.invocationLogs ? { records: records.sink } : {}),
  });
  send({ type: 'ready', url: node.url });
} catch (error) {
  const failure: FromWorker = { type: 'failed', message: error instanceof Error ? error.message : String(error) };
  process.send!(failure, () => process.exit(1));
}
