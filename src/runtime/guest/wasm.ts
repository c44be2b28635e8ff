/**
 * WebAssembly's promise-returning compile paths. V8 finishes async compiles in tasks that only run
 * when the embedder pumps the isolate, and this runtime enters isolates only on host events, so
 * they would never settle. Compile synchronously inside the promise instead (the time counts as
 * the execution's CPU time, as it should).
 */
interface WasmNamespace {
  Module: new (bytes: unknown) => object;
  Instance: new (module: object, imports?: unknown) => object;
  compile(bytes: unknown): Promise<object>;
  instantiate(source: unknown, imports?: unknown): Promise<unknown>;
  compileStreaming?(source: unknown): Promise<object>;
  instantiateStreaming?(source: unknown, imports?: unknown): Promise<unknown>;
}

/** Replaces the async entry points of the isolate's WebAssembly object. */
export function patchWebAssembly(): void {
  const wasm = (globalThis as unknown as { WebAssembly?: WasmNamespace }).WebAssembly;
  if (!wasm) return;
  const { Module, Instance } = wasm;
  const bytesOf = async (source: unknown): Promise<unknown> => {
    const resolved = await source;
    const reader = resolved as { arrayBuffer?: () => Promise<ArrayBuffer> };
    return typeof reader.arrayBuffer === 'function' ? reader.arrayBuffer() : resolved;
  };
  const define = (name: string, fn: (...args: never[]) => Promise<unknown>): void => {
    Object.defineProperty(wasm, name, { value: fn, writable: true, configurable: true, enumerable: false });
  };
  define('compile', async (bytes: unknown) => new Module(bytes));
  define('instantiate', async (source: unknown, imports?: unknown) => {
    if (source instanceof Module) return new Instance(source, imports);
    const module = new Module(source);
    return { module, instance: new Instance(module, imports) };
  });
  define('compileStreaming', async (source: unknown) => new Module(await bytesOf(source)));
  define('instantiateStreaming', async (source: unknown, imports?: unknown) => {
    const module = new Module(await bytesOf(source));
    return { module, instance: new Instance(module, imports) };
  });
}
