/**
 * The only importer of isolated-vm. Creates an isolate with the guest runtime loaded, loads user
 * code into it, and enters it. Everything that crosses is copied; the guest never holds a host
 * reference (the bridge is a set of Callbacks whose arguments and results are structured clones).
 */
import ivm from 'isolated-vm';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { BridgeCalls, DispatchResult, EntryKind, WireRequest } from './guest/protocol.ts';
import { guestSource } from './guest-source.ts';

/** Why an entry into the isolate failed. */
export type EntryFailure = 'timeout' | 'memory' | 'disposed' | 'exception';

export class EntryError extends Error {
  constructor(
    readonly failure: EntryFailure,
    message: string,
  ) {
    super(message);
    this.name = 'EntryError';
  }
}

/**
 * The wall-clock limit of an entry, from the CPU time it has left: the backstop for a guest that
 * holds its thread without using CPU. The CPU limit itself is enforced on the thread's CPU time by
 * the entry watchdog (scheduler.ts), which also applies this limit to request entries; only code
 * loading passes it to isolated-vm as a timeout, because each such timeout costs a native timer
 * (and at times a timer thread), too much on every request.
 */
const backstopFactor = 3;

export function backstop(cpuMs: number): number {
  return Math.max(10, Math.ceil(cpuMs * backstopFactor));
}

/**
 * What `isolate.cpuTime` counts with the isolated-vm binary in use: 'thread' for the build made by
 * scripts/build-isolated-vm.mjs (the CPU time of the thread running the isolate), 'wall' for the
 * prebuilt one (time entered, which grows while the thread waits for a core, so busy machines
 * would fail functions within their CPU limit).
 */
export function cpuClock(): 'thread' | 'wall' {
  try {
    const require = createRequire(import.meta.url);
    const packageDir = dirname(require.resolve('isolated-vm/package.json'));
    const loader = createRequire(join(packageDir, 'package.json'))('node-gyp-build') as { path(dir: string): string };
    return existsSync(`${loader.path(packageDir)}.edgefn`) ? 'thread' : 'wall';
  } catch {
    return 'wall';
  }
}

/** A syntax error in user code, with where it is. */
export interface SyntaxErrorInfo {
  message: string;
  line: number;
  column: number;
}

export interface GuestIsolateOptions {
  memoryMb: number;
  /** What the host does when the guest calls out; each runs on the main thread (see {@link GuestIsolate}). */
  handlers: BridgeCalls;
}

type EnterRef = ivm.Reference<(...args: unknown[]) => unknown>;

/*
 * Every context made from here on has a `gc()` global: the guest runtime takes it before user code
 * runs (guest/wasm.ts) to collect WebAssembly memories that are garbage when a new one does not fit.
 * Node's own context already exists, so it does not get one. (V8 fixes the function's name when it
 * starts, so `--expose-gc-as` set now would not rename it.)
 */
setFlagsFromString('--expose-gc');

const bridgeScript = 'globalThis.__edgefn = { outcome: $0, log: $1, op: $2, sync: $3, chunk: $4, done: $5 };';
const guestFilename = 'edgefn:guest';
let cachedData: ivm.ExternalCopy<ArrayBuffer> | undefined;

/**
 * V8's code cache for the guest bundle, made once per process. isolated-vm makes a code cache
 * right after compiling, when only the top level is compiled; every function the bundle runs at
 * start-up and on a first request would then be compiled again in every isolate (~2 ms). So a
 * throw-away isolate evaluates the bundle and serves one request first; compiling the same source
 * again in that isolate returns the warmed script, whose cache holds those functions too.
 */
function guestCodeCache(source: string): ivm.ExternalCopy<ArrayBuffer> | undefined {
  if (cachedData) return cachedData;
  const isolate = new ivm.Isolate({ memoryLimit: 64 });
  const releaseLater: { release(): void }[] = [];
  try {
    const context = isolate.createContextSync();
    const noop = new ivm.Callback(() => undefined);
    context.evalClosureSync(bridgeScript, [noop, noop, noop, noop, noop, noop]);
    const first = isolate.compileScriptSync(source, { filename: guestFilename });
    releaseLater.push(first);
    first.runSync(context);
    const enter = context.global.getSync('__edgefn_enter', { reference: true }) as EnterRef;
    releaseLater.push(enter, context);
    enter.applySync(undefined, ['init', 0, { subrequests: 1, env: {} }], { arguments: { copy: true } });
    context.evalSync(`addEventListener('fetch', (e) => e.respondWith(new Response('warm', { headers: { 'content-type': 'text/plain' } })))`);
    enter.applySync(undefined, ['dispatch', 1, 'GET', 'http://warm.up/', 'host\nwarm.up', '127.0.0.1', '', null]);
    const again = isolate.compileScriptSync(source, { filename: guestFilename, produceCachedData: true });
    cachedData = (again as ivm.Script & ivm.CachedDataResult).cachedData;
    again.release();
  } catch {
    // No warm cache: every isolate compiles from source, slower but correct.
  } finally {
    for (const handle of releaseLater) handle.release();
    isolate.dispose();
  }
  return cachedData;
}

/**
 * An isolate with the guest runtime loaded, ready for user code. Every entry runs on isolated-vm's
 * thread pool (`apply`, never `applySync`), so guest code never runs on the event loop; the caller
 * (the slot) makes sure one entry at a time is in flight, which keeps the CPU time of each entry
 * exact and lets the host read the heap only while the isolate is idle. Guest calls without a
 * result reach the host as `ignored` callbacks, queued on the event loop ahead of the entry's own
 * completion, so the guest never waits for the main thread; only `sync` (calls that return a value)
 * blocks the guest's thread until the main thread has answered.
 */
export class GuestIsolate {
  readonly #isolate: ivm.Isolate;
  readonly #context: ivm.Context;
  readonly #enter: EnterRef;

  private constructor(isolate: ivm.Isolate, context: ivm.Context, enter: EnterRef) {
    this.#isolate = isolate;
    this.#context = context;
    this.#enter = enter;
  }

  /** Makes an isolate and loads the guest runtime into it, off the event loop. */
  static async create(options: GuestIsolateOptions): Promise<GuestIsolate> {
    const isolate = new ivm.Isolate({ memoryLimit: options.memoryMb });
    try {
      const context = await isolate.createContext();
      const h = options.handlers;
      const ignored = (fn: (...args: never[]) => void): ivm.Callback => new ivm.Callback(fn, { ignored: true });
      const callbacks = [ignored(h.outcome), ignored(h.log), ignored(h.op), new ivm.Callback(h.sync), ignored(h.chunk), ignored(h.done)];
      await context.evalClosure(bridgeScript, callbacks);
      const source = guestSource();
      const cache = guestCodeCache(source);
      const script = await isolate.compileScript(source, { filename: guestFilename, ...(cache ? { cachedData: cache } : {}) });
      await script.run(context);
      script.release();
      const enter = (await context.global.get('__edgefn_enter', { reference: true })) as EnterRef;
      await context.global.delete('__edgefn_enter');
      return new GuestIsolate(isolate, context, enter);
    } catch (error) {
      if (!isolate.isDisposed) isolate.dispose();
      throw error;
    }
  }

  /** CPU time the isolate has used, in ns. */
  get cpuNs(): bigint {
    return this.#isolate.cpuTime;
  }

  /** What the isolate uses now: its heap and the ArrayBuffers it allocated. Only while no entry is in flight: it waits for the isolate's lock. */
  heapBytesWhileIdle(): number {
    if (this.#isolate.isDisposed) return 0;
    const heap = this.#isolate.getHeapStatisticsSync();
    return heap.used_heap_size + heap.externally_allocated_size;
  }

  get isDisposed(): boolean {
    return this.#isolate.isDisposed;
  }


  /**
   * Loads user code: a Service Worker script, or an ES module whose default export has `fetch`.
   * Throws {@link UserCodeError} on syntax errors and on exceptions thrown while it loads.
   */
  async loadCode(code: string, filename: string, timeoutMs: number): Promise<void> {
    const kind = await compileUserCode(this.#isolate, code, filename);
    const timeout = backstop(timeoutMs);
    try {
      if (kind.module) {
        const module = kind.module;
        await module.instantiate(this.#context, (specifier) => {
          throw new Error(`Cannot import '${specifier}': functions are single files without imports`);
        });
        await module.evaluate({ timeout });
        const exported = await module.namespace.get('default', { reference: true });
        await this.#enter.apply(undefined, ['module', 0, exported.derefInto()], { timeout });
        exported.release();
        module.release();
      } else {
        await kind.script.run(this.#context, { timeout });
        kind.script.release();
      }
    } catch (error) {
      throw this.#classify(error);
    }
  }

  /** Enters the isolate; resolves to the entry's result (copied). The caller watches its time. */
  async enter(kind: EntryKind, execId: number, args: unknown[]): Promise<unknown> {
    try {
      return await this.#enter.apply(undefined, [kind, execId, ...args], {
        arguments: { copy: true },
        result: { copy: true },
      });
    } catch (error) {
      throw this.#classify(error);
    }
  }

  /**
   * Enters the isolate to run one request. The hot path: the arguments are primitives (copied only
   * with a request body), and the usual result is one string. The caller watches its time.
   */
  async dispatch(execId: number, request: WireRequest): Promise<DispatchResult> {
    try {
      // A body makes the arguments need a copy; the declared types cannot express that.
      const args = ['dispatch', execId, ...request] as Parameters<EnterRef['apply']>[1];
      // The result comes copied with the entry: fetching it later would queue behind the entries
      // submitted after this one, and their ends would be handled before this one's outcome.
      return (await this.#enter.apply(undefined, args, {
        ...(request[5] ? { arguments: { copy: true } } : {}),
        result: { copy: true },
      })) as DispatchResult;
    } catch (error) {
      throw this.#classify(error);
    }
  }

  /**
   * Releases the host's handles into the isolate before disposing it, rather than leaving them to
   * Node's garbage collector: isolated-vm has been seen to abort when such handles are collected
   * after their isolate is gone (Assertion `environment != nullptr`).
   */
  dispose(): void {
    for (const handle of [this.#enter, this.#context]) {
      try {
        handle.release();
      } catch {
        // already released with a disposed isolate
      }
    }
    if (!this.#isolate.isDisposed) this.#isolate.dispose();
  }

  #classify(error: unknown): Error {
    if (error instanceof UserCodeError) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (this.#isolate.isDisposed) {
      return new EntryError(/memory limit/i.test(message) ? 'memory' : 'disposed', message);
    }
    if (message === 'Script execution timed out.') return new EntryError('timeout', message);
    if (error instanceof Error) return new UserCodeError(error.name, message, error.stack ?? message);
    return new EntryError('exception', message);
  }
}

/** An error thrown by user code (or its syntax), with a stack that points into that code. */
export class UserCodeError extends Error {
  constructor(
    readonly errorName: string,
    message: string,
    readonly guestStack: string,
    readonly location?: SyntaxErrorInfo,
  ) {
    super(message);
    this.name = 'UserCodeError';
  }
}

type Syntax = { module: ivm.Module; script?: undefined } | { module?: undefined; script: ivm.Script };

const moduleHints = [/^Unexpected token 'export'/, /^Cannot use import statement outside a module/, /^Cannot use 'import\.meta' outside a module/];

function detectSyntax(isolate: ivm.Isolate, code: string, filename: string): Syntax {
  try {
    return { script: isolate.compileScriptSync(code, { filename }) };
  } catch (error) {
    notModuleSyntax(error);
  }
  try {
    return { module: isolate.compileModuleSync(code, { filename }) };
  } catch (error) {
    throw syntaxError(error instanceof Error ? error.message : String(error));
  }
}

/** {@link detectSyntax}, compiling off the event loop. */
async function compileUserCode(isolate: ivm.Isolate, code: string, filename: string): Promise<Syntax> {
  try {
    return { script: await isolate.compileScript(code, { filename }) };
  } catch (error) {
    notModuleSyntax(error);
  }
  try {
    return { module: await isolate.compileModule(code, { filename }) };
  } catch (error) {
    throw syntaxError(error instanceof Error ? error.message : String(error));
  }
}

/** Rethrows a script compile error as the user's syntax error, unless the code looks like a module. */
function notModuleSyntax(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  if (!moduleHints.some((re) => re.test(message))) throw syntaxError(message);
}

function syntaxError(message: string): UserCodeError {
  // isolated-vm appends "[file:line:column]" to compile errors.
  const match = /^(.*) \[[^\]]*?:(\d+):(\d+)\]$/s.exec(message);
  const text = match?.[1] ?? message;
  const line = Number(match?.[2] ?? 0);
  const column = Number(match?.[3] ?? 0);
  return new UserCodeError('SyntaxError', text, `SyntaxError: ${text}`, { message: text, line, column });
}

/** Checks code without running it, in an isolate of its own that never runs anything. */
export class SyntaxChecker {
  #isolate: ivm.Isolate | undefined;

  /** The syntax error in `code`, or null. */
  check(code: string, filename: string): SyntaxErrorInfo | null {
    if (!this.#isolate || this.#isolate.isDisposed) this.#isolate = new ivm.Isolate({ memoryLimit: 64 });
    try {
      const syntax = detectSyntax(this.#isolate, code, filename);
      syntax.module?.release();
      syntax.script?.release();
      return null;
    } catch (error) {
      if (error instanceof UserCodeError && error.location) return error.location;
      throw error;
    }
  }

  dispose(): void {
    if (this.#isolate && !this.#isolate.isDisposed) this.#isolate.dispose();
    this.#isolate = undefined;
  }
}
