/**
 * Invocation records from the gateway's side: a request id for each execution (sent back as
 * `EO-Request-Id`, and to the replica lane), and the record made once both the response has gone
 * and the execution's report is in.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ExecutionReport } from '../runtime/runtime.ts';
import type { InvocationRecord } from '../store/invocation-log.ts';

export const requestIdHeader = 'EO-Request-Id';

/** Where records go (the serving process's invocation log, directly or over IPC). */
export type RecordSink = (record: InvocationRecord) => void;

export const newRequestId = (): string => randomUUID();

/** What is known of a request before its function runs. */
export type RecordStart = Pick<InvocationRecord, 'requestId' | 'at' | 'zoneId' | 'functionId' | 'variant' | 'versionId' | 'revision' | 'method' | 'host' | 'path'>;

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
export function recordWhenDone(sink: RecordSink | undefined, res: ServerResponse, start: RecordStart, report: Promise<ExecutionReport>): void {
  if (!sink) return;
  const closed = res.writableFinished || res.destroyed ? Promise.resolve() : new Promise<void>((done) => res.once('close', () => done()));
  void Promise.all([report, closed]).then(
    ([r]) => sink(recordOf(start, r, res.headersSent ? res.statusCode : 0)),
    () => undefined,
  );
}
