/**
 * Invocation records from the gateway's side: a request id for each execution (sent back as
 * `EO-Request-Id`, and to the replica lane), and the record made once both the response has gone
 * and the execution's report is in. A replica request the function passed to the origin is
 * recorded by the lane, which cannot know what the origin answered: the gateway sends that status
 * on its own, and the serving process joins the two ({@link RecordJoin}).
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ExecutionReport } from '../runtime/runtime.ts';
import type { InvocationRecord } from '../store/invocation-log.ts';
import type { ShadowNote } from '../domain/replica-traffic.ts';

export type { ShadowNote, ShadowSide } from '../domain/replica-traffic.ts';

export const requestIdHeader = 'EO-Request-Id';

/** What gateway processes and the lane tell the serving process's invocation log (also over IPC). */
export type RecordNote =
  | {
      type: 'record';
      record: InvocationRecord;
      /** Made in the lane for a request the gateway passed to the origin: its status comes in a 'status' note. */
      awaitsStatus?: boolean;
    }
  | { type: 'status'; requestId: string; status: number }
  | ShadowNote;


/** Where records go (the serving process's invocation log, directly or over IPC). */
export type RecordSink = (note: RecordNote) => void;

/** Several notes in one IPC message (see {@link batchNotes}). */
export interface RecordBatch {
  type: 'records';
  notes: RecordNote[];
}

/**
 * A sink that sends notes over IPC in batches: at most `maxNotes` at once, none held longer than
 * `maxDelayMs`. One message per record cost a gateway worker about 45 µs per request, and the
 * serving process as much again (a pipe write, a wake-up and a parse for every record), which
 * took a third of the throughput with two workers on two cores (bench/RESULTS.md, invocation
 * logs); batched, that cost is shared by dozens of records.
 */
export function batchNotes(send: (batch: RecordBatch, sent?: () => void) => void, options: { maxNotes?: number; maxDelayMs?: number } = {}): { sink: RecordSink; flush(sent?: () => void): void } {
  const maxNotes = options.maxNotes ?? 64;
  const maxDelayMs = options.maxDelayMs ?? 50;
  let notes: RecordNote[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = (sent?: () => void): void => {
    clearTimeout(timer);
    timer = undefined;
    if (notes.length === 0) {
      sent?.();
      return;
    }
    const batch: RecordBatch = { type: 'records', notes };
    notes = [];
    send(batch, sent);
  };
  const sink: RecordSink = (note) => {
    notes.push(note);
    if (notes.length >= maxNotes) flush();
    else if (!timer) {
      timer = setTimeout(flush, maxDelayMs);
      // Never what keeps a process alive; a stopping process flushes itself.
      timer.unref();
    }
  };
  return { sink, flush };
}

export const newRequestId = (): string => randomUUID();

/** What is known of a request before its function runs. */
export type RecordStart = Pick<InvocationRecord, 'requestId' | 'at' | 'zoneId' | 'functionId' | 'variant' | 'versionId' | 'revision' | 'via' | 'method' | 'host' | 'path'>;

/** The path without its query string (it may hold tokens). */
export const pathOf = (url: string): string => {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
};

/** The record of a finished execution; `status` is what the client got (0 when not known here). */
export function recordOf(start: RecordStart, report: ExecutionReport, status: number): InvocationRecord {
  return {
    ...start,
    status,
    outcome: report.outcome === 'error' && report.error ? report.error.code : report.outcome,
    logs: report.logs.map((line) => ({ level: line.level, message: line.message })),
    droppedLogs: report.droppedLogs,
    ...(report.error && report.outcome === 'error' ? { error: { message: report.error.message, ...(report.error.stack ? { stack: report.error.stack } : {}) } } : {}),
    cpuMs: report.cpuUs / 1000,
    wallMs: report.wallUs / 1000,
    subrequests: report.subrequests,
  };
}

/** Sends the record once the response is done and the report is in; never throws. */
export function recordWhenDone(sink: RecordSink, res: ServerResponse, start: RecordStart, report: Promise<ExecutionReport>): void {
  // Plain callbacks rather than Promise.all: this runs for every request.
  let result: ExecutionReport | undefined;
  let closed = res.writableFinished || res.destroyed;
  const send = (r: ExecutionReport): void => {
    try {
      sink({ type: 'record', record: recordOf(start, r, res.headersSent ? res.statusCode : 0) });
    } catch {
      // A record is never worth a request, nor the process.
    }
  };
  if (!closed) {
    res.once('close', () => {
      closed = true;
      if (result) send(result);
    });
  }
  report.then(
    (r) => {
      result = r;
      if (closed) send(r);
    },
    () => undefined,
  );
}

export interface RecordJoinOptions {
  /** How long a record waits for its status, or a status for its record (default 2 min). */
  maxWaitMs?: number;
  /** Records and statuses waiting at once (default 1,000); past that the oldest gives way. */
  maxWaiting?: number;
}

/**
 * Takes record notes from every gateway process and the lane, and appends each record once it is
 * whole: a lane record that awaits its status is held until the gateway's status note comes (they
 * travel different channels, so either may come first). Bounded in count and time: a record whose
 * status never comes (the gateway worker died mid-request) is appended with status 0, a status
 * whose record never comes (the lane died) is dropped.
 */
export class RecordJoin {
  readonly #append: (record: InvocationRecord) => void;
  readonly #maxWaitMs: number;
  readonly #maxWaiting: number;
  /** By request id, oldest first (a Map keeps insertion order). */
  readonly #waiting = new Map<string, { since: number; record?: InvocationRecord; status?: number }>();
  #sweep: NodeJS.Timeout | undefined;

  constructor(append: (record: InvocationRecord) => void, options: RecordJoinOptions = {}) {
    this.#append = append;
    this.#maxWaitMs = options.maxWaitMs ?? 120_000;
    this.#maxWaiting = options.maxWaiting ?? 1000;
  }

  take(note: Exclude<RecordNote, ShadowNote>): void {
    if (note.type === 'record' && !note.awaitsStatus) {
      this.#append(note.record);
      return;
    }
    const requestId = note.type === 'record' ? note.record.requestId : note.requestId;
    const partner = this.#waiting.get(requestId);
    if (partner) {
      this.#waiting.delete(requestId);
      if (note.type === 'record' && partner.status !== undefined) this.#append({ ...note.record, status: partner.status });
      else if (note.type === 'status' && partner.record) this.#append({ ...partner.record, status: note.status });
      return;
    }
    this.#waiting.set(requestId, note.type === 'record' ? { since: Date.now(), record: note.record } : { since: Date.now(), status: note.status });
    if (this.#waiting.size > this.#maxWaiting) this.#giveUp(this.#waiting.keys().next().value!);
    this.#sweep ??= setInterval(() => this.#expire(), Math.min(this.#maxWaitMs, 5000)).unref();
  }

  #expire(): void {
    const due = Date.now() - this.#maxWaitMs;
    for (const [requestId, waiting] of this.#waiting) {
      if (waiting.since > due) break;
      this.#giveUp(requestId);
    }
    if (this.#waiting.size === 0) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
  }

  #giveUp(requestId: string): void {
    const waiting = this.#waiting.get(requestId);
    this.#waiting.delete(requestId);
    if (waiting?.record) this.#append(waiting.record);
  }
}
