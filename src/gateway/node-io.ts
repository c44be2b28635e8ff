/**
 * The node:http edges of the data plane: turning an incoming request into the runtime's form,
 * and writing an execution's outcome (or a platform failure) back to the client.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { statusOf, type ErrorCode } from '../domain/errors.ts';
import type { IncomingRequest } from '../runtime/runtime.ts';

/** Header on every platform failure, naming its error code. */
export const errorHeader = 'EO-Function-Error';

/** Reads a request body up to `limit` bytes; returns null when it is larger. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | null | 'too-large'> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) return 'too-large';
  if (req.method === 'GET' || req.method === 'HEAD') {
    if (!req.headers['transfer-encoding'] && !(declared > 0)) return null;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > limit) return 'too-large';
    chunks.push(chunk);
  }
  return total === 0 ? null : Buffer.concat(chunks, total);
}

/** The runtime's view of an incoming request. `scheme` is how the client reached us. */
export function toIncoming(req: IncomingMessage, body: Uint8Array | null, scheme: 'http' | 'https', geo?: Record<string, string | number>): IncomingRequest {
  const host = req.headers.host ?? 'localhost';
  const headers: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.push(raw[i]!.toLowerCase(), raw[i + 1]!);
  return {
    method: req.method ?? 'GET',
    url: `${scheme}://${host}${req.url ?? '/'}`,
    headers,
    body,
    clientIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '',
    ...(geo ? { geo } : {}),
  };
}

/** Writes a function's response. Resolves when the body is written or the client left. */
export async function writeResponse(
  res: ServerResponse,
  response: { status: number; statusText: string; headers: string[]; body: null | string | Uint8Array | Readable },
  extraHeaders: string[] = [],
): Promise<void> {
  const body = response.body;
  const headers = extraHeaders.length > 0 ? [...response.headers, ...extraHeaders] : response.headers;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    // A known length lets Node send headers and body in one write, without chunked framing.
    if (!hasHeader(headers, 'content-length')) headers.push('content-length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength));
    res.writeHead(response.status, response.statusText || undefined, headers);
    res.end(res.req.method === 'HEAD' ? undefined : body);
    return;
  }
  res.writeHead(response.status, response.statusText || undefined, headers);
  if (body === null || res.req.method === 'HEAD') {
    if (body instanceof Readable) body.destroy();
    res.end();
    return;
  }
  try {
    await pipeline(body, res);
  } catch {
    // The client went away or the function's stream failed; either way the socket is closed.
    if (!res.destroyed) res.destroy();
  }
}

function hasHeader(headers: string[], lowerName: string): boolean {
  for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() === lowerName) return true;
  return false;
}

/** Answers a platform failure: its status, the code in a header, and a plain-text message. */
export function writeFailure(res: ServerResponse, code: ErrorCode, message: string, extraHeaders: string[] = []): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = `${code}: ${message}\n`;
  res.writeHead(statusOf(code), [
    'content-type', 'text/plain; charset=utf-8',
    'content-length', String(Buffer.byteLength(body)),
    errorHeader, code,
    ...extraHeaders,
  ]);
  res.end(body);
}
