/**
 * The replica lane: replica code runs in a separate OS process, so an endless loop, a memory bomb
 * or a crash there cannot slow down or stop production. `edgefn serve` starts it and restarts it
 * when it dies (with backoff, {@link ReplicaLane}); each gateway process talks to it over HTTP on
 * a Unix socket ({@link LaneClient}). Requests that find it down wait briefly for it to come back,
 * then fail with FunctionRuntime.ReplicaLaneUnavailable.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Pool, type Dispatcher } from 'undici';
import { errorHeader, readBodyWithin, writeFailure, writeResponse } from './node-io.ts';
import { proxyToOrigin } from './proxy.ts';
import type { FunctionEntry } from './routes.ts';
import type { ErrorCode } from '../domain/errors.ts';
import { isErrorCode } from '../domain/errors.ts';
import type { LoopState } from './loop.ts';
import { hopByHopHeaders } from '../domain/header-list.ts';
import type { RecordBatch, RecordSink, ShadowSide } from './records.ts';
import type { Via } from '../store/invocation-log.ts';
import { comparedHeaders, hashStream } from './shadow.ts';

export interface LaneOptions {
  dataDir: string;
  socketPath: string;
  /** Where the lane's invocation records go (none: the lane makes none). */
  records?: RecordSink;
  /** Address ranges functions may reach although they are not public (passed on to the lane). */
  egressAllow?: string[];
  log?: (line: string) => void;
}

export interface LaneClientOptions {
  socketPath: string;
  requestBodyBytes: number;
  /** Whether the lane is up; a request waits a few seconds for it when it is not. */
  readiness: Readiness;
  /** Where to say what the origin answered a replica request passed to it (the lane recorded the rest). */
  records?: RecordSink;
}

/** Whether something is up, and a way to wait (bounded) until it is. */
export class Readiness {
  #ready = false;
  #waiters = new Set<() => void>();
  readonly #listeners = new Set<(ready: boolean) => void>();

  get ready(): boolean {
    return this.#ready;
  }

  set(ready: boolean): void {
    if (ready === this.#ready) return;
    this.#ready = ready;
    for (const listener of this.#listeners) listener(ready);
    if (!ready) return;
    const waiters = this.#waiters;
    this.#waiters = new Set();
    for (const wake of waiters) wake();
  }

  /** Calls `listener` on every change from now on. */
  onChange(listener: (ready: boolean) => void): void {
    this.#listeners.add(listener);
  }

  /** Resolves true once up (at once if it is), or false after `timeoutMs`. */
  wait(timeoutMs: number): Promise<boolean> {
    if (this.#ready) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        resolve(false);
      }, timeoutMs);
      this.#waiters.add(wake);
    });
  }
}

export interface ForwardOptions {
  fn: FunctionEntry;
  replica: string;
  sha256: string;
  revision: number;
  /** The lane records the execution under this id. */
  requestId: string;
  /** The client, as the gateway decided (see client-ip.ts). */
  clientIp: string;
  geo: Record<string, string | number> | undefined;
  loop: LoopState;
  /** How the replica got the request (the header, its rollout share, a shadow copy). */
  via: Via;
  /** Added to whatever the client gets (the replica status, the request id). */
  extraHeaders: string[];
}

/** How to start the lane: the built `dist/lane.js`, or the TypeScript source under tsx (tests). */
function laneCommand(): string[] {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return ['--import', 'tsx', fileURLToPath(new URL('./lane-main.ts', here))];
  return [fileURLToPath(new URL('./lane.js', here))];
}


/**
 * How the lane is started: on Linux under SCHED_IDLE (util-linux `chrt --idle`, which execs node in
 * place), so its threads run only on CPU time the gateway leaves. A lower nice value alone is not
 * enough: the kernel places a waking gateway thread on an idle CPU, and a CPU running a niced
 * replica loop is not idle, while one running only SCHED_IDLE threads counts as idle. Without
 * chrt, the lane still lowers its own nice value (lane-main.ts).
 */
function laneLauncher(args: string[]): [string, string[]] {
  const chrt = process.platform === 'linux' ? (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'chrt')).find((file) => existsSync(file)) : undefined;
  return chrt ? [chrt, ['--idle', '0', process.execPath, ...args]] : [process.execPath, args];
}

/** The lane process: started, restarted when it dies, stopped. */
export class ReplicaLane {
  readonly #options: LaneOptions;
  readonly #log: (line: string) => void;
  readonly readiness = new Readiness();
  #child: ChildProcess | undefined;
  #started: Promise<void> | undefined;
  #markStarted: (() => void) | undefined;
  #restarts = 0;
  #stopped = false;

  constructor(options: LaneOptions) {
    this.#options = options;
    this.#log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  }

  /** Starts the lane process; resolves when it accepts requests. */
  start(): Promise<void> {
    this.#started = new Promise((resolve) => (this.#markStarted = resolve));
    this.#spawn();
    return this.#started;
  }

  /** The lane's process id (for tests and operators). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  #spawn(): void {
    this.readiness.set(false);
    const [command, args] = laneLauncher([...laneCommand(), this.#options.dataDir, this.#options.socketPath]);
    const child = spawn(command, args, {
      // The IPC channel closes when the gateway dies (even by kill -9): the lane exits with it.
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      env: { ...process.env, EDGEFN_EGRESS_ALLOW: (this.#options.egressAllow ?? []).join(','), EDGEFN_INVOCATION_LOGS: this.#options.records ? 'on' : 'off' },
    });
    this.#child = child;
    child.channel?.unref();
    child.on('message', (message: RecordBatch) => {
      const sink = this.#options.records;
      if (message.type === 'records' && sink) for (const note of message.notes) sink(note);
    });
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (text: string) => {
      if (text.includes('lane ready')) {
        this.#restarts = 0;
        this.readiness.set(true);
        this.#markStarted?.();
      }
    });
    child.once('exit', (code, signal) => {
      this.readiness.set(false);
      if (this.#stopped) return;
      this.#log(`replica lane exited (${signal ?? code}); restarting`);
      const delay = Math.min(5000, 50 * 2 ** this.#restarts++);
      setTimeout(() => this.#spawn(), delay).unref();
    });
  }

  /** Stops the lane: SIGTERM, and SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.#stopped = true;
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
  }
}


/** The client's headers for the lane, with what the gateway decided added. */
function laneHeaders(req: IncomingMessage, options: ForwardOptions): string[] {
  /*
   * The lane trusts x-edgefn-* headers to say which function and replica to run: drop any the
   * client sent, so a request can never choose code other than what the gateway resolved.
   */
  const headers: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!hopByHopHeaders.has(name) && !name.startsWith('x-edgefn-')) headers.push(raw[i]!, raw[i + 1]!);
  }
  headers.push(
    'x-edgefn-function', options.fn.id,
    'x-edgefn-replica', options.replica,
    'x-edgefn-sha256', options.sha256,
    'x-edgefn-revision', String(options.revision),
    'x-edgefn-request-id', options.requestId,
    'x-edgefn-env', options.fn.envHash,
    'x-edgefn-client-ip', options.clientIp,
    'x-edgefn-origin', options.fn.zone.origin.href,
    // Percent-encoded: header values must stay Latin-1, city names need not.
    'x-edgefn-geo', options.geo ? encodeURIComponent(JSON.stringify(options.geo)) : '',
    'x-edgefn-loop', `${options.loop.depth} ${options.loop.tree}`,
    'x-edgefn-via', options.via,
  );
  return headers;
}

/** A gateway process's way to the lane. */
export class LaneClient {
  readonly #options: LaneClientOptions;
  readonly #pool: Pool;

  constructor(options: LaneClientOptions) {
    this.#options = options;
    this.#pool = new Pool('http://replica-lane', { connect: { socketPath: options.socketPath }, connections: 64, pipelining: 1 });
  }

  /** Runs a request on a replica and writes the answer. */
  async forward(req: IncomingMessage, res: ServerResponse, options: ForwardOptions): Promise<void> {
    const body = await readBodyWithin(req, res, this.#options.requestBodyBytes, options.extraHeaders);
    if (body === undefined) return;
    if (!(await this.#options.readiness.wait(3000))) {
      writeFailure(res, 'FunctionRuntime.ReplicaLaneUnavailable', 'The replica lane is restarting; try again shortly', options.extraHeaders);
      return;
    }
    const headers = laneHeaders(req, options);
    let answer: Dispatcher.ResponseData;
    try {
      answer = await this.#pool.request({ path: req.url ?? '/', method: (req.method ?? 'GET') as Dispatcher.HttpMethod, headers, body });
    } catch (error) {
      writeFailure(res, 'FunctionRuntime.ReplicaLaneUnavailable', `The replica lane did not answer: ${error instanceof Error ? error.message : String(error)}`, options.extraHeaders);
      return;
    }
    const outcome = answer.headers['x-edgefn-outcome'];
    if (outcome === 'passthrough') {
      await answer.body.dump();
      await proxyToOrigin(req, res, options.fn.zone.origin, body, 'http', options.extraHeaders);
      this.#options.records?.({ type: 'status', requestId: options.requestId, status: res.headersSent ? res.statusCode : 0 });
      return;
    }
    const code = answer.headers[errorHeader.toLowerCase()];
    if (outcome === 'error' && typeof code === 'string' && isErrorCode(code)) {
      const message = await answer.body.text();
      writeFailure(res, code as ErrorCode, message.replace(/^[^:]+: /, '').trimEnd(), options.extraHeaders);
      return;
    }
    const out: string[] = [];
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined || hopByHopHeaders.has(name) || name === 'x-edgefn-outcome') continue;
      for (const v of Array.isArray(value) ? value : [value]) out.push(name, v);
    }
    // Small bodies are read whole: one write, and no stream pipeline per request. A HEAD answer
    // has none; its content-length is the one GET would have had, and passes on as declared.
    const length = Number(answer.headers['content-length']);
    let payload: Uint8Array | Readable = answer.body as Readable;
    if (length <= 65536 && req.method !== 'HEAD') {
      try {
        payload = new Uint8Array(await answer.body.arrayBuffer());
      } catch {
        // The lane cut the body short (the function's stream failed, or broke its own length):
        // the client's connection ends too, as it would have in production.
        res.destroy();
        return;
      }
    }
    await writeResponse(res, { status: answer.statusCode, statusText: '', headers: out, body: payload }, options.extraHeaders);
  }

  /**
   * Runs a shadow copy of a production request on a replica, after production has answered: no
   * client waits for it, so a lane that is down is not waited for, and the answer is only hashed.
   */
  async mirror(req: IncomingMessage, body: Uint8Array | null, options: ForwardOptions): Promise<ShadowSide> {
    const failed = (outcome: string): ShadowSide => ({ outcome, status: 0, headers: {}, bodySha256: null });
    if (!this.#options.readiness.ready) return failed('FunctionRuntime.ReplicaLaneUnavailable');
    let answer: Dispatcher.ResponseData;
    try {
      answer = await this.#pool.request({ path: req.url ?? '/', method: (req.method ?? 'GET') as Dispatcher.HttpMethod, headers: laneHeaders(req, options), body });
    } catch {
      return failed('FunctionRuntime.ReplicaLaneUnavailable');
    }
    const outcome = answer.headers['x-edgefn-outcome'];
    const code = answer.headers[errorHeader.toLowerCase()];
    if (outcome === 'passthrough' || (outcome === 'error' && typeof code === 'string')) {
      await answer.body.dump();
      return { ...failed(outcome === 'passthrough' ? 'passthrough' : String(code)), status: answer.statusCode };
    }
    const headers: Record<string, string> = {};
    for (const name of comparedHeaders) {
      const value = answer.headers[name];
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const length = Number(answer.headers['content-length']);
    const bodySha256 = await hashStream(answer.body, Number.isInteger(length) ? length : undefined);
    return { outcome: bodySha256 === null ? 'FunctionRuntime.InvalidResponse' : 'ok', status: answer.statusCode, headers, bodySha256 };
  }

  close(): Promise<void> {
    return this.#pool.destroy();
  }
}
