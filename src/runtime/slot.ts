/**
 * A slot: one isolate with the guest runtime and (once loaded) one function version's code, plus
 * everything the host keeps for it: running executions, crypto keys, lent host bodies, guest
 * streams being pulled. The bridge handlers here are what guest calls land on.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Response as UndiciResponse } from 'undici';
import type { ErrorCode } from '../domain/errors.ts';
import type { RuntimeLimits } from '../domain/limits.ts';
import type { OpKind, SyncKind, WireBody, WireFetch, WireFetchResponse, WireOutcome } from './guest/protocol.ts';
import { GuestIsolate, UserCodeError } from './isolate.ts';
import { Execution, type ConsoleLine, type ExecutionHost, type ExecutionOutcome } from './execution.ts';
import { GuestBodyReadable, HostBody, encodingOf, type Encoding } from './host/bodies.ts';
import { KeyTable, runSubtle } from './host/crypto.ts';
import { parseUrl, setUrlPart } from './host/url.ts';
import { performFetch, type OutgoingBody, type SubrequestRoute } from './host/fetch.ts';
import { cachedToWire, type CacheStore } from './host/cache.ts';
import { subrequestCacheName, subrequestCachePolicy, teeForCache } from './host/subrequest-cache.ts';
import { convertImage, parseImageOptions } from './host/image.ts';
import { MemoryBudget, MemoryLimitError } from './memory.ts';
import { capMemories, wasmPageBytes } from './host/wasm.ts';
import type { FairPool } from './host/pool.ts';

/** Shared by every slot of a runtime. */
export interface SlotServices {
  limits: RuntimeLimits;
  cache: CacheStore;
  /** Expensive host work, bounded per node and shared fairly between isolates. */
  imagePool: FairPool<object>;
  cryptoPool: FairPool<object>;
}

/** Per-execution settings chosen by the caller (the platform). */
export interface ExecutionOptions {
  /** Where subrequests to some hosts really go (e.g. the request's own host → its origin). */
  route?: SubrequestRoute;
  /** Rewrites the headers of every subrequest after the function built them (e.g. loop stamps). */
  subrequestHeaders?: (headers: string[]) => string[];
}

/** Counts of what the host keeps for one isolate (for operators and tests). */
export interface SlotStats {
  executions: number;
  timers: number;
  keys: number;
  lentBodies: number;
  streams: number;
}

interface LentBody {
  exec: Execution;
  body: HostBody;
}

interface OutgoingStream {
  exec: Execution;
  readable: GuestBodyReadable;
}

export class Slot implements ExecutionHost {
  readonly isolate: GuestIsolate;
  readonly #services: SlotServices;
  readonly #executions = new Map<number, { exec: Execution; options: ExecutionOptions }>();
  readonly #keys: KeyTable;
  readonly #bodies = new Map<number, LentBody>();
  readonly #streams = new Map<number, OutgoingStream>();
  readonly #sleeps = new Map<number, NodeJS.Timeout>();
  readonly #loadLogs: ConsoleLine[] = [];
  readonly memory: MemoryBudget;
  #nextBody = 1;
  #nextStream = 1_000_000_000; // host-made stream ids never collide with the guest's
  #dead = false;
  /** The execution whose entry into the isolate is running (host work it causes is its CPU time). */
  entered: Execution | undefined;
  lastUsed = Date.now();

  constructor(services: SlotServices) {
    this.#services = services;
    this.isolate = new GuestIsolate({
      memoryMb: services.limits.memoryMb,
      handlers: {
        outcome: (execId, outcome) => this.#executions.get(execId)?.exec.deliver(outcome),
        log: (execId, level, message) => this.#log(execId, level, message),
        op: (execId, opId, kind, args) => this.#op(execId, opId, kind, args),
        sync: (kind, args) => {
          const started = process.hrtime.bigint();
          try {
            return this.#sync(kind, args);
          } finally {
            this.entered?.chargeCpu(process.hrtime.bigint() - started);
          }
        },
        chunk: (streamId, chunk, error) => this.#chunk(streamId, chunk, error),
        done: (execId) => this.#executions.get(execId)?.exec.guestFinished(),
      },
    });
    this.memory = new MemoryBudget(
      services.limits.memoryMb * 2 ** 20,
      () => this.isolate.heapBytes,
      () => {
        let queued = 0;
        for (const s of this.#streams.values()) queued += s.readable.readableLength;
        return queued;
      },
    );
    this.#keys = new KeyTable(this.memory);
  }

  /** Loads a function's code and env vars; throws UserCodeError for syntax or load-time errors. */
  load(code: string, env: Record<string, unknown>, filename: string): void {
    const limits = this.#services.limits;
    this.isolate.enter('init', 0, [{ subrequests: limits.subrequests, env }], limits.cpuMs);
    this.isolate.loadCode(code, filename, limits.cpuMs);
  }

  get running(): number {
    return this.#executions.size;
  }

  /** What the host keeps for this isolate right now. */
  stats(): SlotStats {
    return { executions: this.#executions.size, timers: this.#sleeps.size, keys: this.#keys.size, lentBodies: this.#bodies.size, streams: this.#streams.size };
  }

  get dead(): boolean {
    return this.#dead || this.isolate.isDisposed;
  }

  /** Console lines written while the code loaded; shown with the first execution. */
  takeLoadLogs(): ConsoleLine[] {
    return this.#loadLogs.splice(0);
  }

  start(options: ExecutionOptions, initialLogs: ConsoleLine[]): Execution {
    const exec = new Execution(this, this.#services.limits, initialLogs);
    this.#executions.set(exec.id, { exec, options });
    this.lastUsed = Date.now();
    return exec;
  }

  kill(code: ErrorCode, message: string): void {
    this.#dead = true;
    for (const { exec } of [...this.#executions.values()]) exec.fail(code, message);
    this.dispose();
  }

  release(exec: Execution): void {
    this.#executions.delete(exec.id);
    for (const [id, lent] of this.#bodies) {
      if (lent.exec === exec) {
        lent.body.destroy();
        this.#bodies.delete(id);
      }
    }
    for (const [id, s] of this.#streams) if (s.exec === exec) this.#streams.delete(id);
    if (this.#dead && this.#executions.size === 0) setImmediate(() => this.dispose());
  }

  /** Stops taking new work; disposes once the running executions end. */
  retire(): void {
    this.#dead = true;
    if (this.#executions.size === 0) this.dispose();
  }

  dispose(): void {
    for (const timer of this.#sleeps.values()) clearTimeout(timer);
    this.#sleeps.clear();
    this.isolate.dispose();
  }

  resolveOutcome(exec: Execution, outcome: WireOutcome): ExecutionOutcome {
    if (outcome.kind === 'passthrough') return outcome;
    if (outcome.kind === 'error') {
      const e = outcome.error;
      const code: ErrorCode =
        e.kind === 'subrequests' ? 'FunctionRuntime.SubrequestLimitExceeded' : e.kind === 'invalid-response' ? 'FunctionRuntime.InvalidResponse' : 'FunctionRuntime.UncaughtException';
      return { kind: 'error', error: { code, message: `${e.name}: ${e.message}`, stack: e.stack } };
    }
    const r = outcome.response;
    const target = encodingOf(r.headers);
    const { body, recoded } = this.#outputBody(exec, r.body, target);
    if (body instanceof Readable) {
      const stop = exec.own(() => body.destroy());
      let ended = false;
      const end = (): void => {
        if (ended) return;
        ended = true;
        stop();
        exec.bodyFinished();
      };
      body.once('end', end);
      body.once('close', end);
      body.once('error', end);
    }
    return { kind: 'response', status: r.status, statusText: r.statusText, headers: recoded ? withoutHeaders(r.headers, ['content-length']) : r.headers, body };
  }

  /**
   * The body to send to the client. When the response says Content-Encoding gzip/deflate/br, the
   * bytes sent must be coded that way: a body the function built is encoded here, and an origin
   * body passes through as it came when its coding already matches.
   */
  #outputBody(exec: Execution, body: WireBody, target: Encoding): { body: null | string | Uint8Array | Readable; recoded: boolean } {
    if (body === null) return { body, recoded: false };
    if (typeof body === 'string' || body instanceof Uint8Array) {
      if (target === 'identity') return { body, recoded: false };
      return { body: new HostBody(Readable.from([Buffer.from(body)]), 'identity').take(target), recoded: true };
    }
    if ('host' in body) {
      const lent = this.#bodies.get(body.host);
      if (!lent) throw new TypeError('response body is no longer available');
      this.#bodies.delete(body.host);
      return { body: lent.body.take(target), recoded: lent.body.encoding !== target };
    }
    const readable = this.#pullStream(exec, body.stream);
    if (target === 'identity') return { body: readable, recoded: false };
    return { body: new HostBody(readable, 'identity').take(target), recoded: true };
  }

  #pullStream(exec: Execution, streamId: number): GuestBodyReadable {
    const readable = new GuestBodyReadable(
      () => exec.enter('pull', [streamId]),
      () => {
        this.#streams.delete(streamId);
        exec.enter('cancel', [streamId]);
      },
    );
    this.#streams.set(streamId, { exec, readable });
    return readable;
  }

  /** A chunk of a streamed body from the guest; what waits for a slow reader counts as the function's memory. */
  #chunk(streamId: number, chunk: Uint8Array | null, error: string | null): void {
    const stream = this.#streams.get(streamId);
    if (!stream) return;
    stream.readable.receive(chunk, error);
    if (chunk && !this.memory.within()) {
      stream.readable.destroy();
      stream.exec.fail('FunctionRuntime.MemoryExceeded', new MemoryLimitError(this.memory.limitBytes).message);
    }
  }

  #lend(exec: Execution, stream: Readable, encoding: Encoding): number {
    const id = this.#nextBody++;
    this.#bodies.set(id, { exec, body: new HostBody(stream, encoding) });
    return id;
  }

  #log(execId: number, level: string, message: string): void {
    const entry = this.#executions.get(execId);
    if (entry) entry.exec.log(level, message);
    else if (this.#loadLogs.length < this.#services.limits.consoleLines) this.#loadLogs.push({ level, message, timestamp: Date.now() });
  }

  #sync(kind: SyncKind, args: unknown): unknown {
    switch (kind) {
      case 'urlParse': {
        const [input, base] = args as [string, string | undefined];
        checkUrlLength(input.length + (base?.length ?? 0));
        return parseUrl(input, base);
      }
      case 'urlSet': {
        const [href, part, value] = args as [string, string, string];
        checkUrlLength(href.length + value.length);
        return setUrlPart(href, part, value);
      }
      case 'randomBytes':
        return new Uint8Array(randomBytes(Math.min(Number(args), 65536)));
      case 'randomUUID':
        return randomUUID();
      case 'clone':
        return args;
      case 'wasmModule':
        return this.#wasmModule(args);
      case 'wasmReserve':
        return this.memory.reserveWasm(Number(args));
      case 'wasmRelease':
        this.memory.releaseWasm(Number(args));
        return undefined;
      case 'dropKey':
        this.#keys.drop(Number(args));
        return undefined;
      case 'wasmRoomPages':
        return this.#wasmRoomPages();
      case 'cancelOp': {
        const timer = this.#sleeps.get(Number(args));
        clearTimeout(timer);
        this.#sleeps.delete(Number(args));
        return undefined;
      }
    }
  }

  /** A module's bytes, checked and with its memories capped, before the guest compiles them. */
  #wasmModule(source: unknown): { bytes: Uint8Array; memoryBytes: number; codeBytes: number } {
    const bytes = ArrayBuffer.isView(source)
      ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
      : source instanceof ArrayBuffer
        ? new Uint8Array(source)
        : null;
    if (!bytes) throw new TypeError('WebAssembly.Module(): Argument 0 must be a buffer source');
    const limit = this.#services.limits.codeBytes;
    if (bytes.byteLength > limit) throw new RangeError(`WebAssembly module of ${bytes.byteLength} bytes is larger than ${limit} bytes`);
    // Compiled code lives outside the isolate's heap too: reserve an estimate (4x the module) for it.
    const codeBytes = bytes.byteLength * codeFactor;
    const capped = capMemories(bytes, this.#wasmRoomPages(codeBytes));
    return { ...capped, codeBytes };
  }

  /**
   * Pages a new WebAssembly memory may grow to: three quarters of what is free (after `reserved`
   * more), so the function's heap keeps room to grow between compiling and instantiating.
   */
  #wasmRoomPages(reserved = 0): number {
    return Math.floor((Math.max(0, this.memory.room() - reserved) * 3) / 4 / wasmPageBytes);
  }

  /** Whether the isolate is over its limit counting what V8 does not (only possible with wasm). */
  overMemory(): boolean {
    return this.memory.hasWasm && !this.memory.within();
  }

  #op(execId: number, opId: number, kind: OpKind, args: unknown): void {
    const entry = this.#executions.get(execId);
    const answer = (ok: boolean, value: unknown): void => {
      if (entry && !entry.exec.closed) entry.exec.enter('resolve', [opId, ok, value]);
    };
    // The execution already ended: its work is dropped, and nothing is waiting for the answer.
    if (!entry) return;
    const { exec, options } = entry;
    if (kind === 'sleep') {
      const timer = setTimeout(() => {
        this.#sleeps.delete(opId);
        answer(true, undefined);
      }, Number(args));
      this.#sleeps.set(opId, timer);
      exec.own(() => {
        clearTimeout(timer);
        this.#sleeps.delete(opId);
      });
      return;
    }
    this.#runOp(exec, options, kind, args).then(
      (value) => {
        if (!(value instanceof Held)) return answer(true, value);
        answer(true, value.value);
        this.memory.release(value.bytes);
      },
      (error: unknown) => {
        if (error instanceof MemoryLimitError) exec.fail('FunctionRuntime.MemoryExceeded', error.message);
        else answer(false, errorPair(error));
      },
    );
  }

  async #runOp(exec: Execution, options: ExecutionOptions, kind: OpKind, args: unknown): Promise<unknown> {
    switch (kind) {
      case 'fetch':
        return this.#fetch(exec, options, args as WireFetch);
      case 'read':
        return this.#body(args).read();
      case 'readAll': {
        const bytes = await this.#body(args).readAll(this.memory);
        return new Held(bytes, bytes.byteLength);
      }
      case 'readAllText': {
        const bytes = await this.#body(args).readAll(this.memory);
        return new Held(new TextDecoder().decode(bytes), bytes.byteLength);
      }
      case 'cancelBody':
        this.#body(args).destroy();
        this.#bodies.delete(Number(args));
        return undefined;
      case 'crypto': {
        const [method, list] = args as [string, unknown[]];
        return this.#services.cryptoPool.run(this, () => runSubtle(method, list, this.#keys), (ms) => exec.chargePool(ms));
      }
      case 'cacheMatch': {
        const { cache, url } = args as { cache: string; url: string };
        const hit = this.#services.cache.match(cache, url);
        if (!hit) return null;
        return cachedToWire(url, hit, this.#lend(exec, Readable.from([hit.body]), 'identity'));
      }
      case 'cachePut': {
        const p = args as { cache: string; url: string; status: number; statusText: string; headers: string[]; body: Uint8Array };
        this.#services.cache.put(p.cache, p.url, { status: p.status, statusText: p.statusText, headers: p.headers, body: p.body });
        return undefined;
      }
      case 'cacheDelete': {
        const { cache, url } = args as { cache: string; url: string };
        return this.#services.cache.delete(cache, url);
      }
      case 'formData': {
        const started = process.hrtime.bigint();
        try {
          return await parseMultipart(args as { bytes: Uint8Array; contentType: string });
        } finally {
          exec.chargeCpu(process.hrtime.bigint() - started);
        }
      }
      case 'sleep':
        throw new TypeError('sleep is handled by #op');
    }
  }

  #body(handle: unknown): HostBody {
    const lent = this.#bodies.get(Number(handle));
    if (!lent) throw new TypeError('Body is no longer available');
    return lent.body;
  }

  async #fetch(exec: Execution, options: ExecutionOptions, wire: WireFetch): Promise<WireFetchResponse> {
    // Counted here, not only in the guest: the guest's counter lives in a realm the function controls.
    if (!exec.countSubrequest()) throw new Error(`Too many subrequests: at most ${this.#services.limits.subrequests} fetch calls per execution`);
    const image = parseImageOptions(wire.eo);
    const policy = subrequestCachePolicy(wire.method, wire.url, wire.eo);
    if (policy) {
      const hit = this.#services.cache.match(subrequestCacheName, policy.key);
      if (hit) return cachedToWire(wire.url, hit, this.#lend(exec, Readable.from([hit.body]), encodingOf(hit.headers)));
    }
    const body = this.#outgoingBody(exec, wire.body);
    const res = await performFetch(
      options.subrequestHeaders ? { ...wire, headers: options.subrequestHeaders(wire.headers) } : wire,
      body,
      {
        defaultTimeoutMs: this.#services.limits.fetchTimeoutMs,
        maxTimeoutMs: this.#services.limits.fetchMaxTimeoutMs,
        maxRedirects: this.#services.limits.fetchMaxRedirects,
        ...(options.route ? { route: options.route } : {}),
      },
      exec.signal,
    );
    let stream = res.body;
    let headers = res.headers;
    if (image && stream && res.status >= 200 && res.status < 300) {
      // The origin's image, decoded, converted in the image pool, and handed on as a new
      // uncompressed body. As on EdgeOne, an image that cannot be converted (past the limits, not
      // an image, the pool busy) comes back as it was.
      const original = await new HostBody(stream, encodingOf(headers)).readAll(this.memory);
      let body = original;
      try {
        body = await this.#services.imagePool.run(this, () => convertImage(original, image), (ms) => exec.chargePool(ms));
        headers = [...withoutHeaders(headers, ['content-length', 'content-encoding', 'content-type', 'etag']), 'content-type', `image/${image.format}`];
      } catch {
        headers = withoutHeaders(headers, ['content-length', 'content-encoding']);
      } finally {
        this.memory.release(original.byteLength);
      }
      headers.push('content-length', String(body.byteLength));
      stream = Readable.from([Buffer.from(body.buffer, body.byteOffset, body.byteLength)]);
    }
    const ttl = policy?.ttlFor(res.status, headers) ?? 0;
    if (policy && ttl > 0) {
      const entry = { status: res.status, statusText: res.statusText, headers };
      const put = (bytes: Uint8Array): void => void this.#services.cache.put(subrequestCacheName, policy.key, { ...entry, body: bytes }, ttl);
      if (stream) stream = teeForCache(stream, put);
      else put(new Uint8Array(0));
    }
    const handle = stream ? this.#lend(exec, stream, encodingOf(headers)) : null;
    return { status: res.status, statusText: res.statusText, headers, url: res.url, redirected: res.redirected, body: handle };
  }

  #outgoingBody(exec: Execution, body: WireBody): OutgoingBody {
    if (body === null || typeof body === 'string' || body instanceof Uint8Array) return body;
    if ('host' in body) {
      const lent = this.#bodies.get(body.host);
      if (!lent) throw new TypeError('request body is no longer available');
      this.#bodies.delete(body.host);
      return lent.body.take('identity');
    }
    return this.#pullStream(exec, body.stream);
  }
}

function withoutHeaders(headers: string[], names: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (!names.includes(headers[i]!.toLowerCase())) out.push(headers[i]!, headers[i + 1]!);
  }
  return out;
}

// Node 20's WebCrypto names some DOMExceptions wrongly; the guest sees the spec's names.
const errorNames: Record<string, string> = { InvalidAccessException: 'InvalidAccessError' };

function errorPair(error: unknown): [string, string] {
  if (error instanceof UserCodeError) return [error.errorName, error.message];
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    return [errorNames[error.name] ?? (error.name || 'Error'), `${error.message}${detail}`];
  }
  return ['Error', String(error)];
}

/** Longest URL the host parses for a function (as Chromium): longer ones are refused, not parsed. */
export const maxUrlLength = 2 * 2 ** 20;

function checkUrlLength(length: number): void {
  if (length > maxUrlLength) throw new TypeError(`Invalid URL: longer than ${maxUrlLength} characters`);
}

/** Most parts `formData()` parses; the host counts boundaries before parsing anything. */
export const maxFormParts = 10_000;

async function parseMultipart(args: { bytes: Uint8Array; contentType: string }): Promise<[string, string | { bytes: Uint8Array; filename: string; type: string }][]> {
  const boundary = /boundary="?([^";]+)"?/i.exec(args.contentType)?.[1];
  if (boundary) {
    const marker = Buffer.from(`--${boundary}`);
    const bytes = Buffer.from(args.bytes.buffer, args.bytes.byteOffset, args.bytes.byteLength);
    let parts = 0;
    for (let at = bytes.indexOf(marker); at !== -1; at = bytes.indexOf(marker, at + marker.length)) {
      if (++parts > maxFormParts + 1) throw new TypeError(`Form data has more than ${maxFormParts} parts`);
    }
  }
  const form = await new UndiciResponse(args.bytes, { headers: { 'content-type': args.contentType } }).formData();
  const entries: [string, string | { bytes: Uint8Array; filename: string; type: string }][] = [];
  for (const [name, value] of form) {
    if (typeof value === 'string') entries.push([name, value]);
    else entries.push([name, { bytes: new Uint8Array(await value.arrayBuffer()), filename: value.name, type: value.type }]);
  }
  return entries;
}

/** Compiled WebAssembly code per byte of module, as reserved against the memory limit (an estimate). */
export const codeFactor = 4;

/** An op result whose bytes the host holds (counted in the memory budget) until the guest has it. */
class Held {
  constructor(
    readonly value: unknown,
    readonly bytes: number,
  ) {}
}
