/**
 * Follow streams of invocation logs (`GET /api/v1/functions/{id}/logs?follow=1`): each new record
 * as one line of JSON (NDJSON), as it is appended, with an empty line as a heartbeat so idle
 * proxies and clients keep the connection. Records arrive on the request path of whoever made
 * them, so writing never waits: a follower that does not read fast enough is dropped once its
 * unsent bytes pass a bound, rather than buffering without end or slowing anyone down.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RecordListener } from '../store/invocation-log.ts';
import type { RouteResult } from './router.ts';

export interface FollowLimits {
  /** Followers at once in this serving process (default 64). */
  maxFollowers: number;
  /** An empty line this often (default 15 s). */
  heartbeatMs: number;
  /** A follower with more bytes than this not yet taken by its connection is dropped (default 1 MiB). */
  maxUnsentBytes: number;
}

export const defaultFollowLimits: Readonly<FollowLimits> = Object.freeze({ maxFollowers: 64, heartbeatMs: 15_000, maxUnsentBytes: 2 ** 20 });

/** Subscribes a follower: its listener, and what to call when no more records will come. */
export type OpenFollow = (listener: RecordListener, onEnd: () => void) => Promise<() => void>;

/**
 * A route result that streams records as NDJSON. `open` subscribes before the result is returned,
 * so a refusal (unknown function, too many followers) is an ordinary JSON error; records that
 * arrive before the response is handed over are held until then.
 */
export async function followResult(open: OpenFollow, limits: Pick<FollowLimits, 'heartbeatMs' | 'maxUnsentBytes'>): Promise<RouteResult> {
  let out: ServerResponse | undefined;
  const held: string[] = [];
  /** No more writes: ended, dropped, or the client left. */
  let closed = false;
  let endWanted = false;
  let heartbeat: NodeJS.Timeout | undefined;
  let unsubscribe: () => void = () => undefined;

  const stop = (): void => {
    closed = true;
    clearInterval(heartbeat);
    unsubscribe();
  };
  const write = (text: string): void => {
    if (closed) return;
    if (!out) {
      held.push(text);
      return;
    }
    // Never awaits 'drain': a follower that falls behind is dropped, not waited for.
    out.write(text);
    if (out.writableLength > limits.maxUnsentBytes) {
      stop();
      out.destroy();
    }
  };
  const finish = (): void => {
    if (closed) return;
    if (!out) {
      endWanted = true;
      unsubscribe();
      return;
    }
    stop();
    const res = out;
    res.end();
    // A follower that is not reading would hold the connection (and a shutdown) up: not for long.
    if (res.writableLength > 0) setTimeout(() => res.destroy(), 1000).unref();
  };

  unsubscribe = await open((_record, json) => write(`${json}\n`), finish);
  return {
    status: 200,
    stream: (res: ServerResponse, req: IncomingMessage) => {
      res.on('close', stop);
      if (req.socket.destroyed) {
        stop();
        return;
      }
      out = res;
      // Headers go out at once: the client knows it is subscribed before any record comes. The
      // connection closes when the stream ends (at shutdown, say), so nothing waits for it.
      res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store', 'x-accel-buffering': 'no', connection: 'close' });
      res.flushHeaders();
      for (const text of held.splice(0)) write(text);
      if (endWanted) finish();
      else if (!closed) {
        heartbeat = setInterval(() => write('\n'), limits.heartbeatMs);
        heartbeat.unref();
      }
    },
  };
}
