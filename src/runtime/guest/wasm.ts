/**
 * WebAssembly inside the memory limit, and with promises that settle.
 *
 * Memory: V8 does not count WebAssembly memory against the isolate's limit. So every way to make
 * a memory goes through here. A module's bytes go to the host, which caps the maxima of the
 * memories it defines (host/wasm.ts); each instance, and each `new WebAssembly.Memory`, reserves
 * its memories' maxima with the host before it exists, and gives them back once the garbage
 * collector has taken every object that keeps them alive. When a reservation does not fit, a full
 * collection runs first (memories from earlier requests are often garbage by then). The original
 * constructors stay in this closure; `constructor` properties point at the wrappers.
 *
 * Promises: V8 finishes async compiles in tasks that only run when the embedder pumps the isolate,
 * and this runtime enters isolates only on host events, so they would never settle. They compile
 * synchronously inside the promise instead (the time counts as the execution's CPU time).
 *
 * This code runs after user code may have replaced built-ins, so it uses only what it captured
 * when the bundle loaded. Collection and release tracking are in collect.ts.
 */
import { host } from './host.ts';
import { sweep, sweepIfAny, track } from './collect.ts';

type Ctor = new (...args: unknown[]) => object;

interface WasmNamespace {
  Module: Ctor & { exports(module: object): { name: string; kind: string }[] };
  Instance: Ctor;
  Memory: Ctor;
  [name: string]: unknown;
}

const g = globalThis as unknown as { WebAssembly?: WasmNamespace };
const ReflectApply = Reflect.apply;
const ReflectConstruct = Reflect.construct;
const defineProperty = Object.defineProperty;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const WeakMapCtor = WeakMap;
const weakGet = WeakMap.prototype.get;
const weakSet = WeakMap.prototype.set;
const TypeErr = TypeError;
const RangeErr = RangeError;
const toNumber = Number;
const floor = Math.floor;
const min = Math.min;

const pageBytes = 65536;

/** Reserves `bytes` with the host (after a collection if they do not fit at first); returns a token. */
function reserve(bytes: number, what: string): number {
  if (bytes === 0) return 0;
  let token = host.sync('wasmReserve', bytes) as number;
  if (token === 0) {
    sweep();
    token = host.sync('wasmReserve', bytes) as number;
  }
  if (token === 0) throw new RangeErr(`${what} of ${floor(bytes / 2 ** 20)} MB does not fit in the function's memory limit`);
  return token;
}

function release(token: number): void {
  if (token !== 0) host.sync('wasmRelease', token);
}

/** The reservation ends once every object in `objects` has been collected. */
function hold(token: number, objects: object[]): void {
  if (token !== 0) track(objects, () => release(token));
}

/** Replaces the WebAssembly constructors and async entry points; call once, before user code. */
export function patchWebAssembly(): void {
  const wasm = g.WebAssembly;
  if (!wasm) return;
  // JS promise integration suspends wasm stacks outside the heap; EdgeOne does not offer it.
  for (const name of ['Suspending', 'promising', 'SuspendError']) delete wasm[name];

  const OrigModule = wasm.Module;
  const OrigInstance = wasm.Instance;
  const OrigMemory = wasm.Memory;
  const moduleExports = OrigModule.exports;
  const instanceExports = getOwnPropertyDescriptor(OrigInstance.prototype, 'exports')!.get!;
  const memoryBytes = new WeakMapCtor<object, number>();

  function Module(this: unknown, bytes: unknown): object {
    if (new.target === undefined) throw new TypeErr("WebAssembly.Module must be called with 'new'");
    sweepIfAny();
    const capped = host.sync('wasmModule', bytes) as { bytes: Uint8Array; memoryBytes: number; codeBytes: number };
    const token = reserve(capped.codeBytes, 'Compiled WebAssembly code');
    let module: object;
    try {
      module = ReflectConstruct(OrigModule, [capped.bytes], new.target);
    } catch (error) {
      release(token);
      throw error;
    }
    hold(token, [module]);
    ReflectApply(weakSet, memoryBytes, [module, capped.memoryBytes]);
    return module;
  }

  function Instance(this: unknown, module: unknown, imports?: unknown): object {
    if (new.target === undefined) throw new TypeErr("WebAssembly.Instance must be called with 'new'");
    const bytes = ReflectApply(weakGet, memoryBytes, [module]) as number | undefined;
    if (bytes === undefined) throw new TypeErr('WebAssembly.Instance(): Argument 0 must be a WebAssembly.Module');
    const token = reserve(bytes, 'WebAssembly memory');
    let instance: object;
    try {
      instance = ReflectConstruct(OrigInstance, [module, imports], new.target);
    } catch (error) {
      release(token);
      throw error;
    }
    // The memories live while the instance does, or an exported memory object does.
    const keep: object[] = [instance];
    const exported = moduleExports(module as object);
    const exportsObject = ReflectApply(instanceExports, instance, []) as Record<string, object>;
    for (let i = 0; i < exported.length; i++) {
      const entry = exported[i]!;
      if (entry.kind === 'memory') defineProperty(keep, keep.length, { value: exportsObject[entry.name], enumerable: true });
    }
    hold(token, keep);
    return instance;
  }

  function Memory(this: unknown, descriptor: unknown): object {
    if (new.target === undefined) throw new TypeErr("WebAssembly.Memory must be called with 'new'");
    if (descriptor === null || typeof descriptor !== 'object') throw new TypeErr('WebAssembly.Memory(): Argument 0 must be a memory descriptor');
    // Each field is read once: a getter must not say one thing to the check and another to V8.
    const d = descriptor as Record<string, unknown>;
    const initial = d.initial;
    const maximum = d.maximum;
    const shared = d.shared;
    if (d.address !== undefined && d.address !== 'i32') throw new RangeErr('64-bit WebAssembly memories are not supported');
    const initialPages = floor(toNumber(initial));
    if (maximum === undefined) sweepIfAny();
    const room = host.sync('wasmRoomPages', null) as number;
    const declared = maximum === undefined ? room : floor(toNumber(maximum));
    const maxPages = min(declared, room);
    if (!(initialPages >= 0) || initialPages > maxPages) {
      throw new RangeErr(`WebAssembly memory of ${initialPages} pages does not fit in the function's memory limit`);
    }
    const token = reserve(maxPages * pageBytes, 'WebAssembly memory');
    let memory: object;
    try {
      memory = ReflectConstruct(OrigMemory, [{ initial: initialPages, maximum: maxPages, shared: !!shared }], new.target);
    } catch (error) {
      release(token);
      throw error;
    }
    hold(token, [memory]);
    return memory;
  }

  const wrap = (wrapper: Ctor | ((...args: never[]) => object), original: Ctor, name: string): void => {
    defineProperty(wrapper, 'prototype', { value: original.prototype });
    defineProperty(wrapper, 'name', { value: name });
    defineProperty(original.prototype, 'constructor', { value: wrapper, writable: true, configurable: true, enumerable: false });
    defineProperty(wasm, name, { value: wrapper, writable: true, configurable: true, enumerable: false });
  };
  for (const name of ['exports', 'imports', 'customSections']) {
    defineProperty(Module, name, { value: (OrigModule as unknown as Record<string, unknown>)[name], writable: true, configurable: true });
  }
  wrap(Module, OrigModule, 'Module');
  wrap(Instance, OrigInstance, 'Instance');
  wrap(Memory, OrigMemory, 'Memory');

  const NewModule = Module as unknown as Ctor;
  const NewInstance = Instance as unknown as Ctor;
  const bytesOf = async (source: unknown): Promise<unknown> => {
    const resolved = await source;
    const reader = resolved as { arrayBuffer?: () => Promise<ArrayBuffer> };
    return typeof reader.arrayBuffer === 'function' ? reader.arrayBuffer() : resolved;
  };
  const define = (name: string, fn: (...args: never[]) => Promise<unknown>): void => {
    defineProperty(wasm, name, { value: fn, writable: true, configurable: true, enumerable: false });
  };
  define('compile', async (bytes: unknown) => new NewModule(bytes));
  define('instantiate', async (source: unknown, imports?: unknown) => {
    if (ReflectApply(weakGet, memoryBytes, [source]) !== undefined) return new NewInstance(source, imports);
    const module = new NewModule(source);
    return { module, instance: new NewInstance(module, imports) };
  });
  define('compileStreaming', async (source: unknown) => new NewModule(await bytesOf(source)));
  define('instantiateStreaming', async (source: unknown, imports?: unknown) => {
    const module = new NewModule(await bytesOf(source));
    return { module, instance: new NewInstance(module, imports) };
  });
}
