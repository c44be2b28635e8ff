/**
 * One memory limit per isolate, for everything its function causes (host-held bytes once per
 * version, see {@link HostLedger}): the isolate's own heap and
 * ArrayBuffers (which V8 bounds by itself), WebAssembly memories and compiled wasm code (which V8
 * does not count, so the guest reserves them here before they exist), and the bytes the host holds
 * on the function's behalf (a body being read whole, chunks a streamed response has queued). What
 * would pass the limit is refused; the execution that wanted it fails with
 * FunctionRuntime.MemoryExceeded (or, for WebAssembly, gets a RangeError it can catch).
 */

/**
 * The bytes the host holds for one function version (held bodies, queued stream chunks), however
 * many isolates run it: they share one limit, so a version with several isolates cannot make the
 * host hold more for it than a version with one.
 */
export class HostLedger {
  held = 0;
  readonly #queues = new Set<() => number>();

  /** Counts what `queued` reports (one isolate's stream queues) from now on. */
  addQueues(queued: () => number): void {
    this.#queues.add(queued);
  }

  removeQueues(queued: () => number): void {
    this.#queues.delete(queued);
  }

  total(): number {
    let total = this.held;
    for (const queued of this.#queues) total += queued();
    return total;
  }
}

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
  #ledger = new HostLedger();
  #wasmBytes = 0;
  readonly #reservations = new Map<number, number>();
  #nextToken = 1;

  /**
   * @param isolateBytes what the isolate uses now (heap and ArrayBuffers)
   * @param queuedBytes what the host has queued for the isolate's streams now
   */
  constructor(limitBytes: number, isolateBytes: () => number, queuedBytes: () => number) {
    this.limitBytes = limitBytes;
    this.#isolateBytes = isolateBytes;
    this.#queuedBytes = queuedBytes;
    this.#ledger.addQueues(queuedBytes);
  }

  /** Counts what the host holds for this isolate in `ledger`, with the other isolates of its version. */
  share(ledger: HostLedger): void {
    if (ledger === this.#ledger) return;
    this.#ledger.removeQueues(this.#queuedBytes);
    ledger.held += this.#ledger.held;
    this.#ledger = ledger;
    ledger.addQueues(this.#queuedBytes);
  }

  /** The isolate is gone: its stream queues no longer count. */
  close(): void {
    this.#ledger.removeQueues(this.#queuedBytes);
  }

  /** Everything counted right now. */
  used(): number {
    return this.#isolateBytes() + this.#ledger.total() + this.#wasmBytes;
  }

  /** Whether the function is within its limit now (after a stream queued more, say). */
  within(): boolean {
    return this.used() <= this.limitBytes;
  }

  /**
   * Whether what the host holds for the function (queued stream chunks, held bodies, wasm
   * reservations) and `n` bytes more fit in the limit by themselves. A streamed body is checked this way, not with
   * {@link within}: the isolate's figure counts chunks it already handed over until V8 gets round to
   * collecting them (on Node 22 a stream of 1 MB chunks reaches 28 MB of such garbage under a 32 MB
   * limit), while the queue itself stays under one chunk plus a high-water mark because the host
   * pulls one chunk at a time and only while the client reads. So a function streaming to a client
   * that does not read holds at most its limit in the isolate and its limit on the host.
   */
  hostFits(n: number): boolean {
    return this.#ledger.total() + this.#wasmBytes + n <= this.limitBytes;
  }

  /** Takes `n` bytes for a host buffer, or throws MemoryLimitError. Give them back with {@link release}. */
  hold(n: number): void {
    if (this.used() + n > this.limitBytes) throw new MemoryLimitError(this.limitBytes);
    this.#ledger.held += n;
  }

  release(n: number): void {
    this.#ledger.held = Math.max(0, this.#ledger.held - n);
  }

  /** Bytes that still fit. */
  room(): number {
    return Math.max(0, this.limitBytes - this.used());
  }

  /** Whether any WebAssembly memory is reserved (only then can the isolate pass the limit unseen by V8). */
  get hasWasm(): boolean {
    return this.#wasmBytes > 0;
  }

  /**
   * Reserves WebAssembly memory (or compiled code) until {@link releaseWasm}, or until the isolate is
   * disposed. Returns a token, or 0 (reserving nothing) when it does not fit.
   */
  reserveWasm(n: number): number {
    if (!(Number.isSafeInteger(n) && n > 0) || n > this.room()) return 0;
    const token = this.#nextToken++;
    this.#reservations.set(token, n);
    this.#wasmBytes += n;
    return token;
  }

  /** Gives back a reservation (the guest found its objects collected); unknown tokens do nothing. */
  releaseWasm(token: number): void {
    const n = this.#reservations.get(token);
    if (n === undefined) return;
    this.#reservations.delete(token);
    this.#wasmBytes -= n;
  }
}
