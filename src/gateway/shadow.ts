/**
 * Shadow traffic: a sample of a function's production requests is copied to a replica once
 * production has answered. The client's response is never touched: production's body is only
 * hashed on its way out, and the copy starts after the response has finished. The replica runs
 * in the replica lane (below production's CPU priority) with read-only subrequests, and its
 * answer is hashed and dropped. Each pair goes to the serving process, which keeps the report.
 */
import { createHash, hash as hashOnce } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { FunctionEntry } from './routes.ts';
import type { LaneClient } from './lane.ts';
import type { LoopState } from './loop.ts';
import { newRequestId, pathOf, type RecordSink, type ShadowSide } from './records.ts';

/** The response headers a pair compares (besides status and body). */
export const comparedHeaders = ['content-type', 'location', 'cache-control'] as const;
const compared = new Set<string>(comparedHeaders);

/** Bodies past this size are not compared (hashing them would cost the gateway too much). */
const maxHashedBytes = 16 * 1024 * 1024;

/** Copies in flight at once per gateway process; past that a copy is skipped (and counted). */
const defaultMaxInFlight = 16;

/** The replica (if any) a production request is copied to: its method is mirrored, and the draw falls in its share. */
export function pickShadow(fn: FunctionEntry, method: string): string | undefined {
  for (const [name, replica] of fn.replicas) {
    const shadow = replica.shadow;
    if (shadow && shadow.methods.includes(method) && Math.random() * 100 < shadow.percent) return name;
  }
  return undefined;
}

/** Hex SHA-256 of a stream, or null when it fails or passes {@link maxHashedBytes}. */
export async function hashStream(stream: Readable, length?: number): Promise<string | null> {
  // A small body of known length is read whole and hashed in one call: a Hash object per copy
  // was most of what hashing cost the gateway (bench/RESULTS.md, shadow traffic).
  if (length !== undefined && length <= 65536) {
    try {
      const chunks: Uint8Array[] = [];
      for await (const chunk of stream as AsyncIterable<Uint8Array>) chunks.push(chunk);
      return hashOnce('sha256', Buffer.concat(chunks));
    } catch {
      return null;
    }
  }
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      if (bytes > maxHashedBytes) {
        stream.destroy();
        return null;
      }
      hash.update(chunk);
    }
  } catch {
    return null;
  }
  return hash.digest('hex');
}

type Body = null | string | Uint8Array | Readable;

/**
 * The same body, hashed as it is sent: `digest()` is the hex SHA-256 of what went out, or null
 * when the body was not sent whole (the client left, the stream failed or was too large).
 */
export function hashWhileSending(body: Body): { body: Body; digest: () => string | null } {
  if (!(body instanceof Readable)) {
    // Hashed when asked, once the response has gone: never before the client has its answer.
    const size = body === null ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    let hex: string | null | undefined;
    return { body, digest: () => (hex ??= size > maxHashedBytes ? null : hashOnce('sha256', body ?? '')) };
  }
  const hash = createHash('sha256');
  let done: string | null = null;
  let bytes = 0;
  async function* tap(source: Readable): AsyncGenerator<Uint8Array> {
    for await (const chunk of source as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      if (bytes <= maxHashedBytes) hash.update(chunk);
      yield chunk;
    }
    if (bytes <= maxHashedBytes) done = hash.digest('hex');
  }
  return { body: Readable.from(tap(body), { objectMode: false }), digest: () => done };
}

/** The compared headers of a flat header list (name, value, ...), as one side of a pair. */
export function comparedOf(headers: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!.toLowerCase();
    if (compared.has(name)) out[name] = out[name] === undefined ? headers[i + 1]! : `${out[name]}, ${headers[i + 1]!}`;
  }
  return out;
}

export interface MirrorRequest {
  fn: FunctionEntry;
  replica: string;
  req: IncomingMessage;
  body: Uint8Array | null;
  /** The production request's id, clock and client. */
  requestId: string;
  at: string;
  clientIp: string;
  geo: Record<string, string | number> | undefined;
  loop: LoopState;
}

/** Sends shadow copies to the lane, a bounded number at a time, and reports each pair. */
export class ShadowMirror {
  readonly #lane: LaneClient;
  readonly #sink: RecordSink;
  readonly #maxInFlight: number;
  #inFlight = 0;

  constructor(lane: LaneClient, sink: RecordSink, maxInFlight = defaultMaxInFlight) {
    this.#lane = lane;
    this.#sink = sink;
    this.#maxInFlight = maxInFlight;
  }

  /** Copies the request to the replica once `res` has finished; never throws, never waits. */
  afterResponse(res: ServerResponse, request: MirrorRequest, production: () => ShadowSide): void {
    res.once('close', () => {
      // A response the client did not get whole has nothing to compare with.
      if (!res.writableFinished) return;
      void this.#mirror(request, production()).catch(() => undefined);
    });
  }

  async #mirror(request: MirrorRequest, production: ShadowSide): Promise<void> {
    const { fn, replica: name } = request;
    const replica = fn.replicas.get(name);
    const since = replica?.shadow?.since;
    if (!replica || since === undefined) return;
    if (this.#inFlight >= this.#maxInFlight) {
      this.#sink({ type: 'shadow', functionId: fn.id, replica: name, since, skipped: true });
      return;
    }
    this.#inFlight += 1;
    try {
      const side = await this.#lane.mirror(request.req, request.body, {
        fn,
        replica: name,
        sha256: replica.sha256,
        revision: replica.revision,
        requestId: newRequestId(),
        clientIp: request.clientIp,
        geo: request.geo,
        loop: request.loop,
        via: 'shadow',
        extraHeaders: [],
      });
      const { req } = request;
      this.#sink({
        type: 'shadow',
        functionId: fn.id,
        replica: name,
        since,
        pair: { at: request.at, requestId: request.requestId, method: req.method ?? 'GET', path: pathOf(req.url ?? '/'), production, replica: side },
      });
    } finally {
      this.#inFlight -= 1;
    }
  }
}
