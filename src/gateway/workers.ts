/**
 * Gateway worker processes (`edgefn serve --workers N`): each runs a whole gateway (gateway/node.ts)
 * on the same port (SO_REUSEPORT: the kernel spreads new connections across them), so one machine's
 * cores all parse HTTP and run functions. The serving process keeps the store, the API and the
 * replica lane; it relays each committed change to every worker and, before the API answers a
 * write, waits until every worker has applied it (`settled`). A worker that does not apply a change
 * in time is killed and started again, so no process serves the old code after the API answered.
 * A worker that dies is started again (with backoff); the others keep serving meanwhile.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Change } from '../store/types.ts';
import type { RuntimeOptions } from '../runtime/runtime.ts';
import type { ConnectionLimits } from './connections.ts';
import type { Readiness } from './lane.ts';
import type { RecordBatch, RecordSink } from './records.ts';

/** What a worker needs to start, passed to it as JSON. */
export interface WorkerConfig {
  dataDir: string;
  domainSuffix: string;
  host: string;
  port: number;
  runtime?: RuntimeOptions;
  connections: ConnectionLimits;
  egressAllow: string[];
  /** Reverse proxies trusted for X-Forwarded-For, as CIDR text. */
  trustProxy: string[];
  geoFile?: string;
  /** MMDB files for client locations (resolved: no `bundled`). */
  geoDb: string[];
  geoPollMs?: number;
  laneSocket: string;
  /** Make invocation records (`serve --invocation-logs`). */
  invocationLogs: boolean;
}

/** Messages from the serving process to a worker. */
export type ToWorker = { type: 'welcome'; laneReady: boolean } | { type: 'change'; change: Change } | { type: 'lane'; ready: boolean } | { type: 'stop'; drainMs: number };
/** Messages from a worker to the serving process. */
export type FromWorker = { type: 'hello' } | { type: 'ready'; url: string } | { type: 'applied'; seq: number } | { type: 'failed'; message: string } | RecordBatch;

export interface GatewayWorkersOptions {
  count: number;
  config: WorkerConfig;
  /** The store's change feed. */
  subscribe: (listener: (change: Change) => void) => () => void;
  laneReadiness: Readiness;
  /** Where the workers' invocation records go. */
  records?: RecordSink;
  /** How long a worker may take to apply a change before it is killed (default 5 s). */
  applyTimeoutMs?: number;
  log?: (line: string) => void;
}

interface Worker {
  child: ChildProcess;
  /** Hears of changes (it said hello; it loads the store after that). */
  registered: boolean;
  /** Every change up to this one is applied (or was committed before it loaded the store). */
  applied: number;
  /** Listens on the gateway port. */
  ready: boolean;
  waiters: { seq: number; done: () => void }[];
}

/** How to start a worker: the built `dist/worker.js`, or the TypeScript source under tsx (tests). */
function workerCommand(): { module: string; execArgv: string[] } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return { module: fileURLToPath(new URL('./worker-main.ts', here)), execArgv: ['--import', 'tsx'] };
  return { module: fileURLToPath(new URL('./worker.js', here)), execArgv: [] };
}

export class GatewayWorkers {
  readonly #options: GatewayWorkersOptions;
  readonly #log: (line: string) => void;
  readonly #workers = new Set<Worker>();
  #lastSeq = 0;
  #port = 0;
  #restarts = 0;
  #started = false;
  #stopping = false;
  #unsubscribe: (() => void) | undefined;

  constructor(options: GatewayWorkersOptions) {
    this.#options = options;
    this.#log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  }

  /** Starts every worker; resolves with the gateway's URL once all listen, rejects if one cannot. */
  async start(): Promise<string> {
    this.#unsubscribe = this.#options.subscribe((change) => {
      this.#lastSeq = Math.max(this.#lastSeq, change.seq);
      for (const worker of this.#workers) if (worker.registered) send(worker.child, { type: 'change', change });
    });
    this.#options.laneReadiness.onChange((ready) => {
      for (const worker of this.#workers) if (worker.registered) send(worker.child, { type: 'lane', ready });
    });
    this.#port = this.#options.config.port;
    const first = await this.#spawn();
    // Port 0 means any free port: the first worker's, which the others (and replacements) share.
    this.#port = Number(new URL(first).port);
    await Promise.all(Array.from({ length: this.#options.count - 1 }, () => this.#spawn()));
    this.#started = true;
    return first;
  }

  /** Process ids of the workers serving now. */
  get pids(): number[] {
    return [...this.#workers].filter((worker) => worker.ready).map((worker) => worker.child.pid!);
  }

  /** Resolves once every worker has applied every change committed so far. */
  settled(): Promise<void> {
    const seq = this.#lastSeq;
    const waits: Promise<void>[] = [];
    for (const worker of this.#workers) {
      if (!worker.registered || worker.applied >= seq) continue;
      waits.push(
        new Promise<void>((done) => {
          const timer = setTimeout(() => {
            this.#log(`gateway worker ${worker.child.pid} did not apply change ${seq} within ${this.#options.applyTimeoutMs ?? 5000} ms; restarting it`);
            worker.child.kill('SIGKILL');
          }, this.#options.applyTimeoutMs ?? 5000);
          worker.waiters.push({ seq, done: () => (clearTimeout(timer), done()) });
        }),
      );
    }
    return Promise.all(waits).then(() => undefined);
  }

  /** Starts one worker; resolves with its URL once it listens. */
  #spawn(): Promise<string> {
    const { module, execArgv } = workerCommand();
    const config: WorkerConfig = { ...this.#options.config, port: this.#port };
    const child = fork(module, [], { execArgv, env: { ...process.env, EDGEFN_WORKER: JSON.stringify(config) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const worker: Worker = { child, registered: false, applied: 0, ready: false, waiters: [] };
    const startedAt = Date.now();
    this.#workers.add(worker);
    return new Promise((resolve, reject) => {
      child.on('message', (message: FromWorker) => {
        if (message.type === 'hello') {
          // From now on it hears of every change, and what it loads next includes all before.
          worker.registered = true;
          worker.applied = this.#lastSeq;
          send(child, { type: 'welcome', laneReady: this.#options.laneReadiness.ready });
        } else if (message.type === 'applied') {
          worker.applied = Math.max(worker.applied, message.seq);
          this.#wake(worker, (waiter) => waiter.seq <= worker.applied);
        } else if (message.type === 'ready') {
          worker.ready = true;
          resolve(message.url);
        } else if (message.type === 'records') {
          const sink = this.#options.records;
          if (sink) for (const note of message.notes) sink(note);
        } else if (message.type === 'failed') {
          reject(new Error(message.message));
        }
      });
      child.once('exit', (code, signal) => {
        this.#workers.delete(worker);
        // It serves nothing any more: whoever waited for it to apply a change need not.
        this.#wake(worker, () => true);
        if (!worker.ready) reject(new Error(`a gateway worker exited while starting (${signal ?? code})`));
        if (this.#stopping || !this.#started) return;
        this.#log(`gateway worker ${child.pid} exited (${signal ?? code}); starting another`);
        // Backoff grows while workers keep dying young (a crash loop), and resets after a good run.
        if (Date.now() - startedAt > 30_000) this.#restarts = 0;
        const delay = Math.min(5000, 50 * 2 ** this.#restarts++);
        setTimeout(() => {
          if (!this.#stopping) this.#spawn().catch((error: unknown) => this.#log(`gateway worker failed to start: ${error instanceof Error ? error.message : String(error)}`));
        }, delay).unref();
      });
    });
  }

  #wake(worker: Worker, due: (waiter: Worker['waiters'][number]) => boolean): void {
    const still: Worker['waiters'] = [];
    for (const waiter of worker.waiters) {
      if (due(waiter)) waiter.done();
      else still.push(waiter);
    }
    worker.waiters = still;
  }

  /** Each worker drains its requests for up to `drainMs`; one that has not exited by then is killed. */
  async stop(drainMs: number): Promise<void> {
    this.#stopping = true;
    this.#unsubscribe?.();
    await Promise.all(
      [...this.#workers].map((worker) => {
        const child = worker.child;
        if (child.exitCode !== null || child.signalCode !== null) return undefined;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        send(child, { type: 'stop', drainMs });
        const timer = setTimeout(() => child.kill('SIGKILL'), drainMs + 2000);
        return exited.then(() => clearTimeout(timer));
      }),
    );
  }
}

/** Sends unless the worker's channel is already gone (it is exiting; its exit is handled). */
function send(child: ChildProcess, message: ToWorker): void {
  if (child.connected) child.send(message, (error) => void error);
}
