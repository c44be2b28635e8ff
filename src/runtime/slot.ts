/**
 * A slot: one isolate with the guest runtime and (once loaded) one function version's code, plus
 * everything the host keeps for it: running executions, crypto keys, lent host bodies, guest
 * streams being pulled. The bridge handlers here are what guest calls land on.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ErrorCode } from '../domain/errors.ts';
import type { OpKind, SyncKind, WireBody, WireOutcome } from './guest/protocol.ts';
import { GuestIsolate, UserCodeError } from './isolate.ts';
import { Execution, cpuLimitMessage, type ConsoleLine, type ExecutionHost, type ExecutionOutcome } from './execution.ts';
import { EntryLine, type EntryJob } from './entries.ts';
import { GuestBodyReadable, HostBody, encodingOf, freeNow, heldBody, outputPiece, type Encoding } from './host/bodies.ts';
import { KeyTable, keyHandlesOf } from './host/crypto.ts';
import { parseUrl, setUrlPart } from './host/url.ts';
import type { OutgoingBody } from './host/fetch.ts';
import { Held, runOp, type ExecutionOptions, type OpContext, type SlotServices } from './host/ops.ts';
import { checkHeaders } from './host/subrequest.ts';
import { withoutHeaders } from '../domain/header-list.ts';
import { prepareModule, roomPages } from './host/wasm.ts';
import { HostDecoders } from './host/text-decode.ts';
import { MemoryBudget, MemoryLimitError } from './memory.ts';

export type { ExecutionOptions, SlotServices };

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
  /** Set once by {@link Slot.create}: an isolate is made off the event loop. */
  isolate!: GuestIsolate;
  readonly #services: SlotServices;
  readonly #executions = new Map<number, { exec: Execution; options: ExecutionOptions }>();
  readonly #keys: KeyTable;
  readonly #bodies = new Map<number, LentBody>();
  readonly #streams = new Map<number, OutgoingStream>();
  readonly #sleeps = new Map<number, NodeJS.Timeout>();
  readonly #decoders: HostDecoders;
  readonly #loadLogs: ConsoleLine[] = [];
  readonly memory: MemoryBudget;
  /** Entries into the isolate, in order (see entries.ts). */
  readonly #line: EntryLine;
  /** Requests given this isolate that have not started yet (see {@link reserve}). */
  #reserved = 0;
  /** The heap as last seen while the isolate was idle (reading it while an entry runs would wait for that entry). */
  #heapSeen = 0;
  /** The watchdog stopped the code while it loaded. */
  #loadOverBudget = false;
  /** Whose share of the scheduler's threads this isolate's entries use (its function version). */
  group: object = this;
  #nextBody = 1;
  #nextStream = 1_000_000_000; // host-made stream ids never collide with the guest's
  #dead = false;
  lastUsed = Date.now();

  private constructor(services: SlotServices) {
    this.#services = services;
    this.memory = new MemoryBudget(
      services.limits.memoryMb * 2 ** 20,
      () => this.#heapBytes(),
      () => {
        let queued = 0;
        for (const s of this.#streams.values()) queued += s.readable.readableLength;
        return queued;
      },
    );
    this.#keys = new KeyTable(this.memory);
    this.#decoders = new HostDecoders({ cpuMs: services.limits.cpuMs });
    this.#line = new EntryLine({
      isolate: () => this.isolate,
      scheduler: services.scheduler,
      owner: () => this.group,
      overBudget: (job, used) => {
        // isolated-vm has no other way to stop a running entry early than disposing its isolate.
        if (!job.exec) {
          this.#loadOverBudget = true;
          this.dispose();
          return;
        }
        job.exec.chargeCpu(used);
        this.kill('FunctionRuntime.CpuTimeExceeded', cpuLimitMessage(services.limits), job.exec);
      },
    });
  }

  /** The execution whose entry into the isolate is running: host work it causes is its CPU time. */
  get entered(): Execution | undefined {
    return this.#line.current;
  }

  /** An isolate with the guest runtime loaded, ready for a function's code. */
  static async create(services: SlotServices): Promise<Slot> {
    const slot = new Slot(services);
    // Guest calls that only tell the host something are handled whenever the event loop gets to
    // them, never throwing back (there is nobody to throw to); `sync` answers while the guest waits.
    // A failure is reported once per isolate: a function able to cause them could cause millions.
    let reported = false;
    const told =
      <A extends unknown[]>(handle: (...args: A) => void) =>
      (...args: A): void => {
        try {
          handle(...args);
        } catch (error) {
          if (!reported) console.error('edgefn: a guest call failed on the host (reported once per isolate):', error instanceof Error ? error.message : String(error));
          reported = true;
        }
      };
    slot.isolate = await GuestIsolate.create({
      memoryMb: services.limits.memoryMb,
      handlers: {
        outcome: told((execId, outcome) => slot.#executions.get(execId)?.exec.deliver(outcome)),
        log: told((execId, level, message) => slot.#log(execId, level, message)),
        op: told((execId, opId, kind, args) => slot.#op(execId, opId, kind, args)),
        sync: (kind, args) => {
          const started = process.hrtime.bigint();
          try {
            return slot.#sync(kind, args);
          } finally {
            slot.entered?.chargeCpu(process.hrtime.bigint() - started);
          }
        },
        chunk: told((streamId, chunk, error) => slot.#chunk(streamId, chunk, error)),
        done: told((execId) => slot.#executions.get(execId)?.exec.guestFinished()),
      },
    });
    return slot;
  }

  /** Loads a function's code and env vars; rejects with UserCodeError for syntax or load-time errors. */
  load(code: string, env: Record<string, unknown>, filename: string): Promise<void> {
    const limits = this.#services.limits;
    return new Promise((resolve, reject) => {
      this.#line.submit({
        exec: undefined,
        start: () => ({
          budgetMs: limits.cpuMs,
          // Both are handed to the isolate's thread at once (it runs them in order: init first),
          // one hand-over less on a cold start.
          entry: Promise.all([
            this.isolate.enter('init', 0, [{ subrequests: limits.subrequests, env }]),
            this.isolate.loadCode(code, filename, limits.cpuMs),
          ]),
        }),
        end: (ok, value) => {
          if (ok) resolve();
          else reject(this.#loadOverBudget ? new Error('Loading timed out: it used the whole CPU time limit') : value);
        },
      });
    });
  }

  /** Queues an entry into the isolate (see entries.ts). */
  submit(job: EntryJob): void {
    this.#line.submit(job);
  }

  /** Entries waiting or running in this isolate, counting requests given it that have not started. */
  get queued(): number {
    return this.#line.length + this.#reserved;
  }

  /** CPU time per entry lately (ms). */
  get averageCpuMs(): number | undefined {
    return this.#line.averageCpuMs;
  }

  /** Counts a request given this isolate until it starts, so the next choice sees it. */
  reserve(): void {
    this.#reserved += 1;
  }

  #heapBytes(): number {
    if (this.#line.idle && !this.isolate.isDisposed) this.#heapSeen = this.isolate.heapBytesWhileIdle();
    return this.#heapSeen;
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
    if (this.#reserved > 0) this.#reserved -= 1;
    const exec = new Execution(this, this.#services.limits, initialLogs);
    this.#executions.set(exec.id, { exec, options });
    this.lastUsed = Date.now();
    return exec;
  }

  /** The isolate is lost: every execution in it fails (those other than `culprit` are told whose fault it was). */
  kill(code: ErrorCode, message: string, culprit?: Execution): void {
    this.#dead = true;
    for (const { exec } of [...this.#executions.values()]) {
      exec.fail(code, culprit && exec !== culprit ? `${message} (in another request run by the same isolate, which was stopped)` : message);
    }
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
    this.memory.close();
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
    checkHeaders(r.headers, 'The response'); // a throw here is the execution's InvalidResponse
    const target = encodingOf(r.headers);
    const { body, length } = this.#outputBody(exec, r.body, target);
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
    // The length sent is the body's, never what the function's headers say (they may be the
    // origin's, for a body the function since rewrote): the host's own count when it knows one,
    // else the gateway frames it. A bodiless answer keeps the stated length (HEAD).
    let headers = body === null ? r.headers : withoutHeaders(r.headers, (n) => n === 'content-length');
    if (length !== undefined) headers = [...headers, 'content-length', String(length)];
    return { kind: 'response', status: r.status, statusText: r.statusText, headers, body };
  }

  /**
   * The body to send to the client. When the response says Content-Encoding gzip/deflate/br, the
   * bytes sent must be coded that way: a body the function built is encoded here, and an origin
   * body passes through as it came when its coding already matches.
   */
  #outputBody(exec: Execution, body: WireBody, target: Encoding): { body: null | string | Uint8Array | Readable; length?: number } {
    if (body === null) return { body };
    if (typeof body === 'string' || body instanceof Uint8Array) {
      if (target === 'identity' && (typeof body === 'string' ? body.length * 3 : body.byteLength) <= outputPiece) return { body };
      // Larger bodies wait for slow clients in pieces, counted against the function's memory.
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      try {
        this.memory.hold(bytes.byteLength);
      } catch (error) {
        freeNow(bytes);
        throw error;
      }
      const held = heldBody(bytes, () => this.memory.release(bytes.byteLength));
      if (target === 'identity') return { body: held, length: bytes.byteLength };
      return { body: new HostBody(held, 'identity').take(target) };
    }
    if ('host' in body) {
      const lent = this.#bodies.get(body.host);
      if (!lent) throw new TypeError('response body is no longer available');
      this.#bodies.delete(body.host);
      const length = lent.body.lengthAs(target);
      return { body: lent.body.take(target), ...(length === undefined ? {} : { length }) };
    }
    const readable = this.#pullStream(exec, body.stream);
    if (target === 'identity') return { body: readable };
    return { body: new HostBody(readable, 'identity').take(target) };
  }

  #pullStream(exec: Execution, streamId: number): GuestBodyReadable {
    const readable = new GuestBodyReadable(
      () => void exec.enter('pull', [streamId]),
      () => {
        this.#streams.delete(streamId);
        void exec.enter('cancel', [streamId]);
      },
    );
    this.#streams.set(streamId, { exec, readable });
    return readable;
  }

  /** A chunk of a streamed body from the guest; what waits for a slow reader counts as the function's memory. */
  #chunk(streamId: number, chunk: Uint8Array | null, error: string | null): void {
    const stream = this.#streams.get(streamId);
    if (stream && chunk && !this.memory.hostFits(chunk.byteLength)) {
      stream.readable.destroy();
      stream.exec.fail('FunctionRuntime.MemoryExceeded', new MemoryLimitError(this.memory.limitBytes).message);
    }
    if (stream && !stream.readable.destroyed) stream.readable.receive(chunk, error);
    else if (chunk) freeNow(chunk);
  }

  #lend(exec: Execution, stream: Readable, encoding: Encoding, length?: number): number {
    const id = this.#nextBody++;
    this.#bodies.set(id, { exec, body: new HostBody(stream, encoding, length) });
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
        return parseUrl(input, base);
      }
      case 'urlSet': {
        const [href, part, value] = args as [string, string, string];
        return setUrlPart(href, part, value);
      }
      case 'randomBytes':
        return new Uint8Array(randomBytes(Math.min(Number(args), 65536)));
      case 'randomUUID':
        return randomUUID();
      case 'wasmModule':
        return prepareModule(args, this.memory.room(), this.#services.limits.codeBytes);
      case 'wasmReserve':
        return this.memory.reserveWasm(Number(args));
      case 'wasmRelease':
        this.memory.releaseWasm(Number(args));
        return undefined;
      case 'dropKey':
        this.#keys.drop(Number(args));
        return undefined;
      case 'wasmRoomPages':
        return roomPages(this.memory.room());
      case 'textDecode':
        return this.#decoders.decode(args, (execId) => this.#executions.get(execId)?.exec);
      case 'cancelOp': {
        const timer = this.#sleeps.get(Number(args));
        clearTimeout(timer);
        this.#sleeps.delete(Number(args));
        return undefined;
      }
    }
  }

  /** Whether the isolate is over its limit counting what V8 does not (only possible with wasm). */
  overMemory(): boolean {
    return this.memory.hasWasm && !this.memory.within();
  }

  #op(execId: number, opId: number, kind: OpKind, args: unknown): void {
    const entry = this.#executions.get(execId);
    // The execution already ended: its work is dropped, and nothing is waiting for the answer.
    if (!entry) return;
    const { exec, options } = entry;
    /** Hands the answer to the guest; `unclaimed` runs when the execution ended before it could. */
    const answer = (ok: boolean, value: unknown, unclaimed?: () => void): Promise<unknown> => exec.enter('resolve', [opId, ok, value], unclaimed);
    if (kind === 'sleep') {
      const timer = setTimeout(() => {
        this.#sleeps.delete(opId);
        void answer(true, undefined);
      }, Number(args));
      this.#sleeps.set(opId, timer);
      exec.own(() => {
        clearTimeout(timer);
        this.#sleeps.delete(opId);
      });
      return;
    }
    runOp(this.#context(exec, options), kind, args).then(
      (value) => {
        const result = value instanceof Held ? value.value : value;
        // Nobody is left to receive it: keys it made would never be collected by the guest.
        const unclaimed = (): void => {
          for (const handle of keyHandlesOf(result)) this.#keys.drop(handle);
        };
        // Held bytes count until the entry has copied them into the isolate.
        void answer(true, result, unclaimed).finally(() => {
          if (value instanceof Held) this.memory.release(value.bytes);
        });
      },
      (error: unknown) => {
        if (error instanceof MemoryLimitError) exec.fail('FunctionRuntime.MemoryExceeded', error.message);
        else void answer(false, errorPair(error));
      },
    );
  }

  #context(exec: Execution, options: ExecutionOptions): OpContext {
    return {
      exec,
      options,
      services: this.#services,
      memory: this.memory,
      keys: this.#keys,
      owner: this,
      body: (handle) => {
        const lent = this.#bodies.get(Number(handle));
        if (!lent) throw new TypeError('Body is no longer available');
        return lent.body;
      },
      dropBody: (handle) => this.#bodies.delete(Number(handle)),
      lend: (stream, encoding, length) => this.#lend(exec, stream, encoding, length),
      outgoingBody: (body) => this.#outgoingBody(exec, body),
    };
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
