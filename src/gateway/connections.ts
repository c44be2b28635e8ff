/**
 * Connection limits for the HTTP servers of `edgefn serve`. Any client may be hostile: one that
 * opens thousands of connections and sends headers slowly (or never) must not use up the process's
 * file descriptors, or the gateway and the admin API both stop answering. So every server gets
 * header, request and idle timeouts, a cap on its connections in total and per client address,
 * and the admin API has its own small caps, so a flood of the gateway never locks the operator out.
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { createServer, type RequestListener, type Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionLimits {
  /** Connections open at once; more are closed as they arrive. */
  maxConnections: number;
  /** Connections open at once from one client address. */
  maxPerClient: number;
  /** Time to receive a request's headers. */
  headersTimeoutMs: number;
  /** Time to receive a whole request (headers and body). */
  requestTimeoutMs: number;
  /**
   * A connection with no traffic either way for this long is closed (longer than the wall-clock
   * limit of an execution, so a slow but legitimate response is never cut).
   */
  idleTimeoutMs: number;
}

/** The soft limit on open files of this process (Linux), if it can be read. */
export function openFileLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return line ? Number(line[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The gateway's defaults: half of what the open-file limit leaves after 1,024 for everything else
 * (subrequests, the origin, the lane, the store, the admin API), at most 16,384.
 */
export function gatewayLimits(fileLimit = openFileLimit()): ConnectionLimits {
  const byFiles = fileLimit === undefined ? 16_384 : Math.floor((fileLimit - 1024) / 2);
  return { maxConnections: Math.max(64, Math.min(16_384, byFiles)), maxPerClient: 256, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, idleTimeoutMs: 330_000 };
}

export const adminLimits: Readonly<ConnectionLimits> = Object.freeze({ maxConnections: 256, maxPerClient: 64, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, idleTimeoutMs: 330_000 });

/**
 * This machine's own addresses. Requests that functions send back to the platform arrive from
 * them, for every tenant at once: a per-address cap there would let one tenant's slow self-calls
 * starve every other tenant's, so they count only against the total (and the loop limits).
 */
export function ownAddresses(): Set<string> {
  const own = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) {
      own.add(entry.address);
      if (entry.family === 'IPv4') own.add(`::ffff:${entry.address}`);
    }
  }
  return own;
}

/** An http server for `handler` that holds `limits`. */
export function createLimitedServer(handler: RequestListener, limits: ConnectionLimits): HttpServer {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // How often Node checks the two timeouts above (its default, 30 s, would stretch them).
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    handler,
  );
  server.maxConnections = limits.maxConnections;
  server.timeout = limits.idleTimeoutMs;
  const perClient = new Map<string, number>();
  const own = ownAddresses();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    if (own.has(address)) return;
    const open = (perClient.get(address) ?? 0) + 1;
    if (open > limits.maxPerClient) {
      socket.destroy();
      return;
    }
    perClient.set(address, open);
    socket.once('close', () => {
      const left = (perClient.get(address) ?? 1) - 1;
      if (left === 0) perClient.delete(address);
      else perClient.set(address, left);
    });
  });
  return server;
}
