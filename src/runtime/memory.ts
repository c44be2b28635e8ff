/**
 * One memory limit per isolate, for everything its function causes: the isolate's own heap and
 * ArrayBuffers (which V8 bounds by itself), WebAssembly memories (which V8 does not count, so the
 * guest reserves them here), and the bytes the host holds on the function's behalf (a body being
 * read whole, chunks a streamed response has queued). A host buffer that would pass the limit is
 * refused; the execution that wanted it fails with FunctionRuntime.MemoryExceeded.
 */

/** Thrown by host work that would pass the limit. */
export class MemoryLimitError extends Error {
  constructor(limitBytes: number) {
    super(`The function exceeded the memory limit of ${Math.round(limitBytes / 2 ** 20)} MB`);
    this.name = 'MemoryLimitError';
  }
}

export class MemoryBudget {
  readonly limitBytes: number;
  readonly #isolateBytes: () => number;
  readonly #queuedBytes: () => number;
  #heldBytes = 0;
  #wasmBytes = 0;

  /**
   * @param isolateBytes what the isolate uses now (heap and ArrayBuffers)
   * @param queuedBytes what the host has queued for the isolate's streams now
   */
  constructor(limitBytes: number, isolateBytes: () => number, queuedBytes: () => number) {
    this.limitBytes = limitBytes;
    this.#isolateBytes = isolateBytes;
    this.#queuedBytes = queuedBytes;
  }

  /** Everything counted right now. */
  used(): number {
    return this.#isolateBytes() + this.#queuedBytes() + this.#heldBytes + this.#wasmBytes;
  }

  /** Whether the function is within its limit now (after a stream queued more, say). */
  within(): boolean {
    return this.used() <= this.limitBytes;
  }

  /** Takes `n` bytes for a host buffer, or throws MemoryLimitError. Give them back with {@link release}. */
  hold(n: number): void {
    if (this.used() + n > this.limitBytes) throw new MemoryLimitError(this.limitBytes);
    this.#heldBytes += n;
  }

  release(n: number): void {
    this.#heldBytes = Math.max(0, this.#heldBytes - n);
  }

  /**
   * Reserves WebAssembly memory for the isolate's whole life (it is freed with the isolate). Returns
   * false, reserving nothing, when it does not fit.
   */
  reserveWasm(n: number): boolean {
    if (!(n >= 0) || this.used() + n > this.limitBytes) return false;
    this.#wasmBytes += n;
    return true;
  }

  /** Gives back WebAssembly memory the guest found collected. */
  releaseWasm(n: number): void {
    this.#wasmBytes = Math.max(0, this.#wasmBytes - n);
  }
}
