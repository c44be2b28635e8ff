/**
 * Per-function limits, with EdgeOne's published defaults (see shared/reference/edgeone.md).
 * All of them are configurable per runtime.
 */
export interface RuntimeLimits {
  /** CPU time per execution, in ms; I/O wait is not counted. */
  cpuMs: number;
  /** Wall-clock time per execution (response plus waitUntil work), in ms. */
  wallMs: number;
  /** Heap per isolate, in MB; exceeding it disposes that isolate only. */
  memoryMb: number;
  /** Request body handed to a function, in bytes. */
  requestBodyBytes: number;
  /** Function code size, in bytes. */
  codeBytes: number;
  /** fetch calls per execution; the next one throws. */
  subrequests: number;
  /** Console lines kept per execution. */
  consoleLines: number;
  /** Bytes kept of one console line. */
  consoleLineBytes: number;
  /** Default and maximum timeout of one fetch, in ms. */
  fetchTimeoutMs: number;
  fetchMaxTimeoutMs: number;
  /** Redirects one fetch follows. */
  fetchMaxRedirects: number;
}

export const defaultLimits: Readonly<RuntimeLimits> = Object.freeze({
  cpuMs: 200,
  wallMs: 300_000,
  memoryMb: 128,
  requestBodyBytes: 1024 * 1024,
  codeBytes: 5 * 1024 * 1024,
  subrequests: 64,
  consoleLines: 20,
  consoleLineBytes: 4096,
  fetchTimeoutMs: 15_000,
  fetchMaxTimeoutMs: 300_000,
  fetchMaxRedirects: 12,
});
