/**
 * The runtime: runs function versions in isolates, one pool of isolates per (owner, code, env vars),
 * cached while warm and evicted least-recently-used or after an idle time. Guest code runs on
 * isolate threads (scheduler.ts), never on the event loop. A spare isolate with the guest runtime
 * already loaded is kept ready so a cold start only loads the user's code.
 */
import { createHash } from 'node:crypto';
import { defaultLimits, type RuntimeLimits } from '../domain/limits.ts';
import { UserCodeError, type SyntaxErrorInfo } from './isolate.ts';
export { cpuClock } from './isolate.ts';
import { CodeChecker, type CodeProblem } from './compile.ts';
import { Slot, type ExecutionOptions, type SlotServices, type SlotStats } from './slot.ts';
import { Scheduler, defaultThreads } from './scheduler.ts';
import { VersionPool, type VersionPoolLimits } from './version-pool.ts';
import { availableParallelism } from 'node:os';
import { GuestThreadPolicy } from './guest-threads.ts';
import { FairPool } from './host/pool.ts';
import { CacheStore } from './host/cache.ts';
import type { ConsoleLine, ExecutionFailure, ExecutionOutcome, ExecutionReport } from './execution.ts';
import type { SubrequestRoute } from './host/fetch.ts';

export type { CodeProblem, ConsoleLine, ExecutionFailure, ExecutionOutcome, ExecutionReport, SubrequestRoute, SyntaxErrorInfo };

export interface RuntimeOptions {
  limits?: Partial<RuntimeLimits>;
  /** Loaded isolates kept at most (least recently used versions go first). */
  maxIsolates?: number;
  /** Threads running guest code at once (default: cores + 1). */
  threads?: number;
  /** Isolates one version may have at once when its requests queue (default: the number of threads, at most 4). */
  isolatesPerVersion?: number;
  /** Entries that may wait for one version's isolates before new requests get 503 (default 256). */
  queuePerVersion?: number;
  /** An isolate idle this long is disposed. */
  idleTtlMs?: number;
  /** Bytes the node-local caches (Cache API and subrequest cache) may hold in all. */
  cacheBytes?: number;
  /** Bytes one zone's production, or one replica, may hold of them. */
  cacheScopeBytes?: number;
}

/** Who runs a piece of code: one variant (production, or a replica's name) of one function of one zone. */
export interface CodeOwner {
  zone: string;
  function: string;
  variant: string;
}

/** A function version to run: code plus the env vars it sees. */
export interface FunctionCode {
  code: string;
  /** String values, and JSON values already parsed. */
  env?: Record<string, unknown>;
  /** Shown in stack traces. */
  filename?: string;
  /**
   * Whose code this is. An isolate serves exactly one owner (identical code in two zones gets two
   * isolates), and the owner's zone and variant choose the caches its executions use. Without one
   * (`edgefn dev`, tests), everything belongs to a single local owner.
   */
  owner?: CodeOwner;
}

/** An incoming request, already read and normalised by the caller. */
export interface IncomingRequest {
  method: string;
  /** Absolute URL. */
  url: string;
  /** [name, value, ...] */
  headers: string[];
  body: Uint8Array | null;
  clientIp: string;
  geo?: Record<string, string | number>;
}

/** Per-execution settings chosen by the platform. */
export type RunOptions = ExecutionOptions;

/** The outcome (available as soon as the function answers) and the full report (later). */
export interface ExecutionResult {
  outcome: ExecutionOutcome;
  report: Promise<ExecutionReport>;
}

const emptyReport = (failure: ExecutionFailure, logs: ConsoleLine[]): ExecutionReport => ({
  id: 0,
  outcome: 'error',
  error: failure,
  logs,
  droppedLogs: 0,
  cpuUs: 0,
  hostCpuUs: 0,
  wallUs: 0,
  subrequests: 0,
});

interface LoadFailure {
  failure: ExecutionFailure;
  logs: ConsoleLine[];
}

export class Runtime {
  readonly limits: RuntimeLimits;
  readonly #maxIsolates: number;
  readonly #idleTtlMs: number;
  readonly #services: SlotServices;
  readonly #checker: CodeChecker;
  readonly #pools = new Map<string, VersionPool>();
  /** First loads in progress, shared by the requests that wait for them. */
  readonly #loads = new Map<string, Promise<{ pool: VersionPool; logs: ConsoleLine[] } | LoadFailure>>();
  readonly #failedLoads = new Map<string, LoadFailure>();
  readonly #sweeper: NodeJS.Timeout;
  readonly #guestThreads = new GuestThreadPolicy();
  readonly #poolLimits: VersionPoolLimits;
  #spare: Promise<Slot> | undefined;
  #refillTimer: NodeJS.Immediate | undefined;
  #closed = false;

  constructor(options: RuntimeOptions = {}) {
    this.limits = { ...defaultLimits, ...options.limits };
    this.#maxIsolates = options.maxIsolates ?? 500;
    const scheduler = new Scheduler(options.threads ?? defaultThreads);
    const isolates = Math.max(1, options.isolatesPerVersion ?? Math.min(scheduler.threads, 4));
    // A heavy version leaves one core to the others (on a 2-core machine it runs in one isolate at a time).
    const heavyIsolates = Math.max(1, Math.min(isolates, availableParallelism() - 1));
    this.#poolLimits = { isolates, heavyIsolates, queue: Math.max(1, options.queuePerVersion ?? 256) };
    this.#idleTtlMs = options.idleTtlMs ?? 10 * 60_000;
    this.#services = {
      limits: this.limits,
      cache: new CacheStore({ maxBytes: options.cacheBytes ?? 64 * 2 ** 20, maxScopeBytes: options.cacheScopeBytes ?? 16 * 2 ** 20 }),
      // One image at a time per node (it may take a core for seconds); Web Crypto two at a time, so
      // libuv's other threads stay free for DNS, zlib and the file system.
      imagePool: new FairPool<object>({ what: 'image conversion', concurrency: 1, perOwner: 2 }),
      cryptoPool: new FairPool<object>({ what: 'Web Crypto', concurrency: 2, perOwner: 8 }),
      scheduler,
    };
    this.#checker = new CodeChecker(this.limits.codeBytes);
    this.#sweeper = setInterval(() => this.#sweep(), Math.min(this.#idleTtlMs, 30_000));
    this.#sweeper.unref();
    this.#refillSpare();
  }

  /** Checks code without running it: size and syntax. Returns null when it is fine. */
  compile(code: string): CodeProblem | null {
    return this.#checker.check(code);
  }

  /** Runs one request through a function version. Never throws for anything the guest does. */
  async execute(fn: FunctionCode, request: IncomingRequest, options: RunOptions = {}): Promise<ExecutionResult> {
    if (request.body && request.body.byteLength > this.limits.requestBodyBytes) {
      const failure: ExecutionFailure = { code: 'FunctionRuntime.RequestBodyTooLarge', message: `Request body exceeds ${this.limits.requestBodyBytes} bytes` };
      return { outcome: { kind: 'error', error: failure }, report: Promise.resolve(emptyReport(failure, [])) };
    }
    const key = versionKey(fn);
    const loaded = await this.#poolFor(key, fn);
    if ('failure' in loaded) {
      if (!this.#spare) this.#refillSoon();
      return { outcome: { kind: 'error', error: loaded.failure }, report: Promise.resolve(emptyReport(loaded.failure, loaded.logs)) };
    }
    // No await between choosing an isolate and starting in it unless the choice itself waits.
    const choice = loaded.pool.pick();
    const picked = choice instanceof Promise ? await choice : choice;
    if ('busy' in picked) {
      const failure: ExecutionFailure = { code: 'FunctionRuntime.TooManyRequests', message: 'The function has more requests waiting than it may queue; try again shortly' };
      return { outcome: { kind: 'error', error: failure }, report: Promise.resolve(emptyReport(failure, loaded.logs)) };
    }
    const slot = picked.slot;
    const cacheScope = fn.owner ? `${fn.owner.zone}:${fn.owner.variant}` : 'local';
    const exec = slot.start({ ...options, cacheScope }, loaded.logs);
    exec.dispatch([
      request.method,
      request.url,
      request.headers.join('\n'),
      request.clientIp,
      request.geo && Object.keys(request.geo).length > 0 ? JSON.stringify(request.geo) : '',
      request.body,
    ]);
    const outcome = await exec.outcome;
    // A spare taken by a cold start is made again once the answer is on its way: making an isolate
    // holds the event loop for a few milliseconds (isolated-vm has no asynchronous way).
    if (!this.#spare) this.#refillSoon();
    return { outcome, report: exec.report };
  }

  /** Loaded isolates right now. */
  get isolateCount(): number {
    let count = 0;
    for (const pool of this.#pools.values()) count += pool.size;
    return count;
  }

  /** What the host keeps for all loaded isolates, added up. */
  stats(): SlotStats & { isolates: number } {
    const total: SlotStats & { isolates: number } = { isolates: this.isolateCount, executions: 0, timers: 0, keys: 0, lentBodies: 0, streams: 0 };
    for (const slot of this.#allSlots()) {
      const s = slot.stats();
      total.executions += s.executions;
      total.timers += s.timers;
      total.keys += s.keys;
      total.lentBodies += s.lentBodies;
      total.streams += s.streams;
    }
    return total;
  }

  /** Disposes every isolate. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#sweeper);
    this.#guestThreads.stop();
    if (this.#refillTimer) clearImmediate(this.#refillTimer);
    void this.#spare?.then((slot) => slot.dispose());
    this.#checker.close();
    this.#spare = undefined;
    // Executions still running end here too, with their timers (a wall-clock timer would otherwise
    // keep the process alive for minutes after the platform stopped).
    for (const slot of this.#allSlots()) slot.kill('InternalError.SystemError', 'The runtime was stopped');
    this.#pools.clear();
  }

  *#allSlots(): Iterable<Slot> {
    for (const pool of this.#pools.values()) yield* pool.slots;
  }

  #poolFor(key: string, fn: FunctionCode): Promise<{ pool: VersionPool; logs: ConsoleLine[] } | LoadFailure> | { pool: VersionPool; logs: ConsoleLine[] } | LoadFailure {
    const existing = this.#pools.get(key);
    if (existing && !existing.dead) {
      this.#pools.delete(key);
      this.#pools.set(key, existing); // most recently used last
      return { pool: existing, logs: [] };
    }
    if (existing) this.#pools.delete(key);
    const failed = this.#failedLoads.get(key);
    if (failed) return failed;
    let loading = this.#loads.get(key);
    if (!loading) {
      loading = this.#load(fn).then((loaded) => {
        this.#loads.delete(key);
        if ('failure' in loaded) {
          // A load that failed because of the code itself fails the same way every time: remember it.
          if (loaded.failure.code === 'FunctionRuntime.LoadError') this.#failedLoads.set(key, loaded);
          return loaded;
        }
        const pool: VersionPool = new VersionPool(loaded.slot, this.#poolLimits, (): Promise<Slot | null> => this.#grow(fn));
        if (this.#closed) loaded.slot.dispose();
        else this.#pools.set(key, pool);
        this.#evict();
        return { pool, logs: loaded.logs };
      });
      this.#loads.set(key, loading);
    }
    return loading;
  }

  /** Loads a version into an isolate (the spare, when there is one). */
  async #load(fn: FunctionCode): Promise<{ slot: Slot; logs: ConsoleLine[] } | LoadFailure> {
    let slot: Slot;
    try {
      slot = await this.#takeSpare();
    } catch (error) {
      // No isolate could be made (the machine is out of memory, say): this request fails, not the process.
      return { failure: loadFailure(error, this.limits), logs: [] };
    }
    try {
      await slot.load(fn.code, fn.env ?? {}, fn.filename ?? 'function.js');
    } catch (error) {
      const logs = slot.takeLoadLogs();
      slot.dispose();
      return { failure: loadFailure(error, this.limits), logs };
    }
    return { slot, logs: slot.takeLoadLogs() };
  }

  /** One more isolate for a version whose requests queue, unless the node has no room for it. */
  async #grow(fn: FunctionCode): Promise<Slot | null> {
    if (this.#closed || this.isolateCount >= this.#maxIsolates) return null;
    const loaded = await this.#load(fn);
    if ('failure' in loaded) return null;
    loaded.slot.takeLoadLogs(); // shown once, with the version's first execution
    if (this.#closed) {
      loaded.slot.dispose();
      return null;
    }
    return loaded.slot;
  }

  #takeSpare(): Promise<Slot> {
    const spare = this.#spare;
    this.#spare = undefined;
    return spare ?? Slot.create(this.#services);
  }

  #refillSoon(): void {
    if (this.#refillTimer) return;
    this.#refillTimer = setImmediate(() => {
      this.#refillTimer = undefined;
      this.#refillSpare();
    });
  }

  #refillSpare(): void {
    if (this.#closed || this.#spare) return;
    const spare = Slot.create(this.#services);
    // Made in the background; a request that needs it before it is ready waits for it.
    spare.catch(() => {
      if (this.#spare === spare) this.#spare = undefined;
    });
    this.#spare = spare;
  }

  #evict(): void {
    let count = this.isolateCount;
    for (const [key, pool] of this.#pools) {
      if (count <= this.#maxIsolates) break;
      this.#pools.delete(key);
      count -= pool.size;
      pool.retire();
    }
  }

  #sweep(): void {
    const now = Date.now();
    const cutoff = now - this.#idleTtlMs;
    const extraCutoff = now - Math.min(this.#idleTtlMs, 30_000);
    for (const [key, pool] of this.#pools) {
      pool.sweep(cutoff, extraCutoff);
      if (pool.size === 0) this.#pools.delete(key);
    }
    if (this.#failedLoads.size > 1000) this.#failedLoads.clear();
  }
}

const keys = new WeakMap<FunctionCode, string>();

/** Identity of a loaded version: its owner, the code and the env vars it was loaded with (memoised). */
function versionKey(fn: FunctionCode): string {
  const known = keys.get(fn);
  if (known) return known;
  const hash = createHash('sha256').update(JSON.stringify(fn.owner ?? null)).update('\0').update(fn.code);
  if (fn.env) hash.update('\0').update(JSON.stringify(fn.env));
  const key = hash.digest('base64url');
  keys.set(fn, key);
  return key;
}

function loadFailure(error: unknown, limits: RuntimeLimits): ExecutionFailure {
  if (error instanceof UserCodeError) {
    const where = error.location ? ` (line ${error.location.line}, column ${error.location.column})` : '';
    return { code: 'FunctionRuntime.LoadError', message: `${error.errorName}: ${error.message}${where}`, stack: error.guestStack };
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/memory limit/i.test(message)) return { code: 'FunctionRuntime.MemoryExceeded', message: `Loading the function exceeded the memory limit of ${limits.memoryMb} MB` };
  if (/timed out/i.test(message)) return { code: 'FunctionRuntime.CpuTimeExceeded', message: `Loading the function exceeded the CPU time limit of ${limits.cpuMs} ms` };
  return { code: 'FunctionRuntime.LoadError', message };
}

