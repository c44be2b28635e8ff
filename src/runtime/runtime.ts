/**
 * The runtime: runs function versions in isolates, one isolate per (code, env vars) pair, cached
 * while warm and evicted least-recently-used or after an idle time. A spare isolate with the guest
 * runtime already loaded is kept ready so a cold start only loads the user's code.
 */
import { createHash } from 'node:crypto';
import { defaultLimits, type RuntimeLimits } from '../domain/limits.ts';
import { UserCodeError, type SyntaxErrorInfo } from './isolate.ts';
import { CodeChecker, type CodeProblem } from './compile.ts';
import { Slot, type ExecutionOptions, type SlotServices, type SlotStats } from './slot.ts';
import { FairPool } from './host/pool.ts';
import { CacheStore } from './host/cache.ts';
import type { ConsoleLine, ExecutionFailure, ExecutionOutcome, ExecutionReport } from './execution.ts';
import type { SubrequestRoute } from './host/fetch.ts';

export type { CodeProblem, ConsoleLine, ExecutionFailure, ExecutionOutcome, ExecutionReport, SubrequestRoute, SyntaxErrorInfo };

export interface RuntimeOptions {
  limits?: Partial<RuntimeLimits>;
  /** Loaded isolates kept at most (least recently used go first). */
  maxIsolates?: number;
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
  readonly #slots = new Map<string, Slot>();
  readonly #failedLoads = new Map<string, LoadFailure>();
  readonly #sweeper: NodeJS.Timeout;
  #spare: Slot | undefined;
  #spareTimer: NodeJS.Immediate | undefined;
  #closed = false;

  constructor(options: RuntimeOptions = {}) {
    this.limits = { ...defaultLimits, ...options.limits };
    this.#maxIsolates = options.maxIsolates ?? 500;
    this.#idleTtlMs = options.idleTtlMs ?? 10 * 60_000;
    this.#services = {
      limits: this.limits,
      cache: new CacheStore({ maxBytes: options.cacheBytes ?? 64 * 2 ** 20, maxScopeBytes: options.cacheScopeBytes ?? 16 * 2 ** 20 }),
      // One image at a time per node (it may take a core for seconds); Web Crypto two at a time, so
      // libuv's other threads stay free for DNS, zlib and the file system.
      imagePool: new FairPool<object>({ what: 'image conversion', concurrency: 1, perOwner: 2 }),
      cryptoPool: new FairPool<object>({ what: 'Web Crypto', concurrency: 2, perOwner: 8 }),
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
    const loaded = this.#slotFor(key, fn);
    if ('failure' in loaded) {
      return { outcome: { kind: 'error', error: loaded.failure }, report: Promise.resolve(emptyReport(loaded.failure, loaded.logs)) };
    }
    const slot = loaded.slot;
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
    return { outcome: await exec.outcome, report: exec.report };
  }

  /** Loaded isolates right now. */
  get isolateCount(): number {
    return this.#slots.size;
  }

  /** What the host keeps for all loaded isolates, added up. */
  stats(): SlotStats & { isolates: number } {
    const total: SlotStats & { isolates: number } = { isolates: this.#slots.size, executions: 0, timers: 0, keys: 0, lentBodies: 0, streams: 0 };
    for (const slot of this.#slots.values()) {
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
    if (this.#spareTimer) clearImmediate(this.#spareTimer);
    this.#spare?.dispose();
    this.#checker.close();
    this.#spare = undefined;
    // Executions still running end here too, with their timers (a wall-clock timer would otherwise
    // keep the process alive for minutes after the platform stopped).
    for (const slot of this.#slots.values()) slot.kill('InternalError.SystemError', 'The runtime was stopped');
    this.#slots.clear();
  }

  #slotFor(key: string, fn: FunctionCode): { slot: Slot; logs: ConsoleLine[] } | LoadFailure {
    const existing = this.#slots.get(key);
    if (existing && !existing.dead) {
      this.#slots.delete(key);
      this.#slots.set(key, existing); // most recently used last
      return { slot: existing, logs: [] };
    }
    if (existing) this.#slots.delete(key);
    const failed = this.#failedLoads.get(key);
    if (failed) return failed;
    const slot = this.#takeSpare();
    try {
      slot.load(fn.code, fn.env ?? {}, fn.filename ?? 'function.js');
    } catch (error) {
      const logs = slot.takeLoadLogs();
      slot.dispose();
      const failure = loadFailure(error, this.limits);
      // A load that failed because of the code itself fails the same way every time: remember it.
      if (failure.code === 'FunctionRuntime.LoadError') this.#failedLoads.set(key, { failure, logs });
      return { failure, logs };
    }
    this.#slots.set(key, slot);
    this.#evict();
    return { slot, logs: slot.takeLoadLogs() };
  }

  #takeSpare(): Slot {
    const spare = this.#spare;
    this.#spare = undefined;
    this.#refillSpare();
    return spare ?? new Slot(this.#services);
  }

  #refillSpare(): void {
    if (this.#closed || this.#spareTimer) return;
    this.#spareTimer = setImmediate(() => {
      this.#spareTimer = undefined;
      if (!this.#closed && !this.#spare) this.#spare = new Slot(this.#services);
    });
  }

  #evict(): void {
    for (const [key, slot] of this.#slots) {
      if (this.#slots.size <= this.#maxIsolates) break;
      this.#slots.delete(key);
      slot.retire();
    }
  }

  #sweep(): void {
    const cutoff = Date.now() - this.#idleTtlMs;
    for (const [key, slot] of this.#slots) {
      if (slot.lastUsed < cutoff && slot.running === 0) {
        this.#slots.delete(key);
        slot.retire();
      }
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

