/**
 * One execution of a function: from dispatch to the last byte of the response and the last
 * waitUntil promise. Owns its limits (CPU, wall clock), its console lines, and the host resources
 * it opened; every entry into the isolate on its behalf goes through {@link Execution.enter}.
 */
import type { Readable } from 'node:stream';
import type { ErrorCode } from '../domain/errors.ts';
import type { RuntimeLimits } from '../domain/limits.ts';
import type { DispatchResult, EntryKind, WireOutcome, WireRequest } from './guest/protocol.ts';
import { EntryError, UserCodeError } from './isolate.ts';
import { MemoryLimitError } from './memory.ts';
import type { GuestIsolate } from './isolate.ts';
import type { EntryJob } from './entries.ts';

export interface ConsoleLine {
  level: string;
  message: string;
  /** ms since the epoch */
  timestamp: number;
}

/** A platform failure of one execution, with the error code the host reports. */
export interface ExecutionFailure {
  code: ErrorCode;
  message: string;
  stack?: string;
}

/** What the execution produced for the client. */
export type ExecutionOutcome =
  | { kind: 'response'; status: number; statusText: string; headers: string[]; body: null | string | Uint8Array | Readable }
  | { kind: 'passthrough' }
  | { kind: 'error'; error: ExecutionFailure };

/** The record of one execution, complete once the response and waitUntil work have finished. */
export interface ExecutionReport {
  id: number;
  outcome: 'ok' | 'passthrough' | 'error';
  error?: ExecutionFailure;
  logs: ConsoleLine[];
  droppedLogs: number;
  /**
   * CPU time in µs, I/O wait excluded: the isolate's, plus host work done on the main thread for
   * the function (URL parsing, form data). This is what the CPU limit bounds.
   */
  cpuUs: number;
  /** Time in µs the host's pools worked for the function (image conversion, Web Crypto). */
  hostCpuUs: number;
  /** Wall time in µs, from dispatch to the end of the response and waitUntil work. */
  wallUs: number;
  /** Subrequests the function made (fetches, the refused one past the limit included). */
  subrequests: number;
}

/** The host side of an execution needs these from its isolate slot. */
export interface ExecutionHost {
  readonly isolate: GuestIsolate;
  /** The isolate died (memory limit): fail every execution in it. */
  kill(code: ErrorCode, message: string): void;
  /** Queues an entry into the isolate behind the others (entries.ts): it charges the entry's CPU time. */
  submit(job: EntryJob): void;
  /** Whether the isolate is past its memory limit counting what V8 does not see (WebAssembly). */
  overMemory(): boolean;
  /** Turns a wire outcome into a client outcome (resolving body handles); may throw. */
  resolveOutcome(exec: Execution, outcome: WireOutcome): ExecutionOutcome;
  release(exec: Execution): void;
}

let nextExecId = 1;

export const cpuLimitMessage = (limits: RuntimeLimits): string => `Execution exceeded the CPU time limit of ${limits.cpuMs} ms`;

export class Execution {
  readonly id = nextExecId++;
  readonly #host: ExecutionHost;
  readonly #limits: RuntimeLimits;
  readonly #started = process.hrtime.bigint();
  readonly #logs: ConsoleLine[] = [];
  readonly #cleanups = new Set<() => void>();
  #abort: AbortController | undefined;
  #dropped = 0;
  #subrequests = 0;
  #cpuNs = 0n;
  #hostPoolMs = 0;
  #wallTimer: NodeJS.Timeout | undefined;
  #outcome: ExecutionOutcome | undefined;
  /** The outcome went to the caller. One delivered during an entry waits for the entry's checks. */
  #outcomeSent = false;
  #failure: ExecutionFailure | undefined;
  #bodyOpen = false;
  #guestDone = false;
  /** Entries submitted to the isolate and not ended yet. */
  #entries = 0;
  #closed = false;
  #resolveOutcome!: (o: ExecutionOutcome) => void;
  #resolveReport!: (r: ExecutionReport) => void;
  readonly outcome: Promise<ExecutionOutcome>;
  readonly report: Promise<ExecutionReport>;

  constructor(host: ExecutionHost, limits: RuntimeLimits, initialLogs: ConsoleLine[] = []) {
    this.#host = host;
    this.#limits = limits;
    for (const line of initialLogs) this.log(line.level, line.message, line.timestamp);
    this.outcome = new Promise((resolve) => (this.#resolveOutcome = resolve));
    this.report = new Promise((resolve) => (this.#resolveReport = resolve));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Aborts when the execution ends early (failure): in-flight subrequests stop. */
  get signal(): AbortSignal {
    this.#abort ??= new AbortController();
    return this.#abort.signal;
  }

  /**
   * Runs the request in the isolate; the outcome arrives on `outcome`. The wall clock counts from
   * now (waiting for the isolate or a thread counts); its timer starts once the dispatch entry has
   * ended, and only if the execution goes on: most are over by then. (The wait before is bounded:
   * each entry ahead in line is stopped at its CPU limit, and the line at --queue-per-function.)
   */
  dispatch(request: WireRequest): void {
    // The outcome is taken as the entry ends, before the next entry's end is handled (entries
    // submitted together can end in one event-loop task).
    void this.#run(
      () => this.#host.isolate.dispatch(this.id, request),
      undefined,
      (result) => {
        if (!result) return;
        const { outcome, done } = decodeDispatch(result);
        this.deliver(outcome);
        if (done) this.guestFinished();
      },
    ).then(() => {
      if (this.#closed) return;
      const leftMs = this.#limits.wallMs - Number(process.hrtime.bigint() - this.#started) / 1e6;
      this.#wallTimer = setTimeout(() => this.fail('FunctionRuntime.WallTimeExceeded', `Execution exceeded the wall-clock limit of ${this.#limits.wallMs} ms`), Math.max(0, leftMs));
    });
  }

  /**
   * Enters the isolate for this execution, within the CPU time it has left. Never rejects.
   * `skipped` runs instead when the execution has ended before the entry's turn came.
   */
  enter(kind: EntryKind, args: unknown[], skipped?: () => void): Promise<unknown> {
    return this.#run(() => this.#host.isolate.enter(kind, this.id, args), skipped);
  }

  #run<T>(call: () => Promise<T>, skipped?: () => void, result?: (value: T) => void): Promise<T | undefined> {
    if (this.#closed) {
      skipped?.();
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => {
      this.#host.submit({
        exec: this,
        start: () => {
          // The execution may have ended while the entry waited for its turn.
          const remainingMs = this.#limits.cpuMs - Number(this.#cpuNs) / 1e6;
          if (!this.#closed && remainingMs <= 0) this.fail('FunctionRuntime.CpuTimeExceeded', cpuLimitMessage(this.#limits));
          if (this.#closed) {
            skipped?.();
            resolve(undefined);
            return undefined;
          }
          this.#entries += 1;
          return { budgetMs: remainingMs, entry: call() };
        },
        end: (ok, value) => {
          // Still counted as in the entry: an outcome it gave waits for the checks below.
          if (ok && !this.#closed) result?.(value as T);
          this.#entries -= 1;
          if (!ok) return resolve(this.#failed(value));
          this.#afterEntry();
          resolve(value as T);
        },
      });
    });
  }

  /** An entry came back (its CPU time charged): the checks that follow every entry. */
  #afterEntry(): void {
    if (this.#closed) return;
    if (this.#host.overMemory()) {
      this.#host.kill('FunctionRuntime.MemoryExceeded', `The function's isolate exceeded the memory limit of ${this.#limits.memoryMb} MB`);
    } else if (Number(this.#cpuNs) / 1e6 > this.#limits.cpuMs) {
      this.fail('FunctionRuntime.CpuTimeExceeded', cpuLimitMessage(this.#limits));
    } else {
      // An outcome given in this entry (or before it) has passed the entry's checks.
      this.#sendOutcome();
      this.#maybeFinish();
    }
  }

  /** An entry threw. Nothing that happens in the isolate may throw into Node: this is where entries that fail end. */
  #failed(error: unknown): undefined {
    // Stopped from outside (the watchdog, the wall clock, the runtime closing): already reported.
    if (this.#closed) return undefined;
    if (error instanceof EntryError && error.failure === 'timeout') {
      this.fail('FunctionRuntime.CpuTimeExceeded', cpuLimitMessage(this.#limits));
    } else if (error instanceof EntryError && error.failure !== 'exception') {
      const detail = error.failure === 'memory' ? `exceeded the memory limit of ${this.#limits.memoryMb} MB` : `was disposed: ${error.message}`;
      this.#host.kill('FunctionRuntime.MemoryExceeded', `The function's isolate ${detail}`);
    } else {
      this.#uncaught(error);
    }
    return undefined;
  }

  /**
   * An error escaped an entry: a throw out of guest code, or a promise rejection nobody handled by
   * the end of the entry (isolated-vm reports those as the entry's exception, as Node and Deno treat
   * them as fatal). Before the response it is the request's failure; after it, the execution goes
   * on (other timers still run) and the error is kept in its report.
   */
  #uncaught(error: unknown): void {
    const name = error instanceof UserCodeError ? error.errorName : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    if (/Array buffer allocation failed/.test(message)) {
      this.fail('FunctionRuntime.MemoryExceeded', `The function exceeded the memory limit of ${this.#limits.memoryMb} MB`);
      return;
    }
    const failure: ExecutionFailure = { code: 'FunctionRuntime.UncaughtException', message: `${name}: ${message}` };
    if (error instanceof UserCodeError) failure.stack = error.guestStack;
    if (!this.#outcomeSent) {
      this.fail(failure.code, failure.message, failure.stack);
      return;
    }
    this.#failure ??= failure;
    this.log('error', `Uncaught ${failure.message}`);
    this.#maybeFinish();
  }

  /** CPU time used for this execution: its entries' (entries.ts) and host work done on the main thread for it. */
  chargeCpu(ns: bigint): void {
    this.#cpuNs += ns;
  }

  /** Time a host pool worked for this execution (reported; bounded by the pools' own limits). */
  chargePool(ms: number): void {
    this.#hostPoolMs += ms;
  }

  /** Counts one subrequest; false once the execution has used up its limit. */
  countSubrequest(): boolean {
    this.#subrequests += 1;
    return this.#subrequests <= this.#limits.subrequests;
  }

  /** A console line; the first N are kept, each cut to the byte limit. */
  log(level: string, message: string, timestamp = Date.now()): void {
    if (this.#logs.length >= this.#limits.consoleLines) {
      this.#dropped += 1;
      return;
    }
    this.#logs.push({ level, message: truncateUtf8(message, this.#limits.consoleLineBytes), timestamp });
  }

  /** The guest reported its outcome. */
  deliver(outcome: WireOutcome): void {
    if (this.#closed || this.#outcome) return;
    let resolved: ExecutionOutcome;
    try {
      resolved = this.#host.resolveOutcome(this, outcome);
    } catch (error) {
      const code = error instanceof MemoryLimitError ? 'FunctionRuntime.MemoryExceeded' : 'FunctionRuntime.InvalidResponse';
      resolved = { kind: 'error', error: { code, message: error instanceof Error ? error.message : String(error) } };
    }
    if (resolved.kind === 'error') this.#failure = resolved.error;
    this.#outcome = resolved;
    this.#bodyOpen = resolved.kind === 'response' && resolved.body !== null && typeof resolved.body === 'object' && !(resolved.body instanceof Uint8Array);
    if (this.#entries === 0) this.#sendOutcome();
    this.#maybeFinish();
  }

  #sendOutcome(): void {
    if (this.#outcomeSent || !this.#outcome) return;
    this.#outcomeSent = true;
    this.#resolveOutcome(this.#outcome);
  }

  /** The response body has been written out (or abandoned). */
  bodyFinished(): void {
    this.#bodyOpen = false;
    this.#maybeFinish();
  }

  /** Every waitUntil promise has settled. */
  guestFinished(): void {
    this.#guestDone = true;
    this.#maybeFinish();
  }

  /** Registers cleanup for a resource this execution opened (timers, sockets, host streams). */
  own(cleanup: () => void): () => void {
    this.#cleanups.add(cleanup);
    return () => this.#cleanups.delete(cleanup);
  }

  /** Ends the execution with a platform failure. */
  fail(code: ErrorCode, message: string, stack?: string): void {
    if (this.#closed) return;
    const failure: ExecutionFailure = stack === undefined ? { code, message } : { code, message, stack };
    this.#failure ??= failure;
    if (!this.#outcomeSent) {
      // A response the function gave in the entry that failed is dropped (its cleanups run below).
      this.#outcome = { kind: 'error', error: failure };
      this.#sendOutcome();
    }
    this.#abort?.abort(new Error(message));
    this.#close();
  }

  #maybeFinish(): void {
    // Finishing may dispose the isolate, so never while the guest is on the stack: the entry
    // calls this again when it returns.
    if (this.#entries === 0 && this.#outcome && !this.#bodyOpen && this.#guestDone) this.#close();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#wallTimer) clearTimeout(this.#wallTimer);
    for (const cleanup of this.#cleanups) cleanup();
    this.#cleanups.clear();
    this.#host.release(this);
    const outcome = this.#outcome;
    this.#resolveReport({
      id: this.id,
      outcome: this.#failure ? 'error' : outcome?.kind === 'passthrough' ? 'passthrough' : 'ok',
      ...(this.#failure ? { error: this.#failure } : {}),
      logs: this.#logs,
      droppedLogs: this.#dropped,
      cpuUs: Math.round(Number(this.#cpuNs) / 1000),
      hostCpuUs: Math.round(this.#hostPoolMs * 1000),
      wallUs: Math.round(Number(process.hrtime.bigint() - this.#started) / 1000),
      subrequests: this.#subrequests,
    });
  }
}

function truncateUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.byteLength <= maxBytes) return text;
  // Cut at a character boundary: drop continuation bytes at the cut.
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/** Reads a dispatch result (see DispatchResult in the protocol) into an outcome. */
export function decodeDispatch(result: Exclude<DispatchResult, null>): { outcome: WireOutcome; done: boolean } {
  if (typeof result !== 'string') return result;
  let at = result.indexOf('\n');
  const head = at === -1 ? result : result.slice(0, at);
  const done = head.endsWith('!');
  const kind = done ? head.slice(0, -1) : head;
  if (kind === 'pass') return { outcome: { kind: 'passthrough' }, done };
  const next = (): string => {
    const from = at + 1;
    at = result.indexOf('\n', from);
    return result.slice(from, at);
  };
  const status = Number(next());
  const statusText = next();
  const count = Number(next());
  const headers: string[] = new Array<string>(count * 2);
  for (let i = 0; i < count * 2; i++) headers[i] = next();
  const body = kind === 'text' ? result.slice(at + 1) : null;
  return { outcome: { kind: 'response', response: { status, statusText, headers, body } }, done };
}
