/**
 * The node:http edges of the data plane: turning an incoming request into the runtime's form,
 * and writing an execution's outcome (or a platform failure) back to the client.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { retryAfterOf, statusOf, type ErrorCode } from '../domain/errors.ts';
import type { IncomingRequest, SubrequestRoute } from '../runtime/runtime.ts';
import { atOrigin, parseRequestTarget, type RequestTarget } from './request-target.ts';
import { connectionScoped, statedLength, withoutHeaders } from '../domain/header-list.ts';

/** Header on every platform failure, naming its error code. */
export const errorHeader = 'EO-Function-Error';

/** Reads a request body up to `limit` bytes: null when there is none, 'too-large' when it is larger. */
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

/**
 * Reads a request body up to `limit` bytes, as readBody; a larger one is answered (413, with
 * `extraHeaders`) and gives undefined. The rest of a refused body is not read: its connection is
 * closed after the answer, so a client cannot make the server drain a body of any size, and the
 * next request is not read from the middle of this one's.
 */
export async function readBodyWithin(req: IncomingMessage, res: ServerResponse, limit: number, extraHeaders: string[] = []): Promise<Uint8Array | null | undefined> {
  const body = await readBody(req, limit);
  if (body !== 'too-large') return body;
  res.once('finish', () => req.destroy());
  writeFailure(res, 'FunctionRuntime.RequestBodyTooLarge', `Request body exceeds ${limit} bytes`, [...extraHeaders, 'connection', 'close']);
  return undefined;
}

/**
 * The request as a function sees it, built from its validated target. `scheme` is how the client
 * reached us; `clientIp` defaults to the connection's peer.
 */
export function toIncoming(req: IncomingMessage, target: RequestTarget, body: Uint8Array | null, scheme: 'http' | 'https', geo?: Record<string, string | number>, clientIp?: string): IncomingRequest {
  const headers: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.push(raw[i]!.toLowerCase(), raw[i + 1]!);
  return {
    method: req.method ?? 'GET',
    url: `${scheme}://${target.host}${target.path}`,
    headers,
    body,
    clientIp: clientIp ?? req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '',
    ...(geo ? { geo } : {}),
  };
}

/**
 * Every Host header the request carried, for parseRequestTarget (Node's `headers.host` keeps the
 * first and hides a second; read from the raw list, which costs no object per request).
 */
function hostHeaders(req: IncomingMessage): string[] {
  const hosts: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') hosts.push(raw[i + 1]!);
  return hosts;
}

/** Where a function's fetch of its own host goes: to the origin, at the same path. */
export function ownHostRoute(target: RequestTarget, origin: URL): SubrequestRoute {
  return (url: URL) => (url.host === target.host ? atOrigin(origin, url.pathname + url.search) : undefined);
}

/** The request's validated host and path; a malformed one is answered (400) and gives undefined. */
export function readTarget(req: IncomingMessage, res: ServerResponse): RequestTarget | undefined {
  const target = parseRequestTarget(hostHeaders(req), req.url);
  if (!('error' in target)) return target;
  if (target.error === 'host') writeFailure(res, 'InvalidParameter.InvalidHost', 'The Host header must be host[:port] (a name, an IPv4 address or a bracketed IPv6 address)');
  else writeFailure(res, 'InvalidParameter.InvalidRequestTarget', 'The request target must be a path starting with /');
  return undefined;
}

/*
 * Framing and platform signals belong to the gateway. A function (or an origin, or the replica
 * lane relaying a function) may set any header, but these are dropped from what it gives and
 * decided here: the connection's own headers, the message length, and the headers the platform
 * uses to speak for itself. A streamed body keeps a declared length only where the runtime states
 * one, which it does only when it knows it for certain (an origin body passed on untouched, a
 * whole body; the function's own Content-Length never reaches here for a body), or where the lane
 * framed it; the gateway still enforces it, so a body that runs longer or shorter ends the
 * connection instead of leaving stray bytes on it.
 */
const isPlatformHeader = (name: string): boolean => name.startsWith('x-edgefn-') || name === 'eo-function-error' || name === 'eo-function-replica-status';

/** The headers a response may pass on, and the one length it declared (if exactly one valid). */
export function outgoingHeaders(headers: string[]): { headers: string[]; declaredLength: number | undefined } {
  const scoped = connectionScoped(headers);
  const out = withoutHeaders(headers, (name) => scoped(name) || name === 'content-length' || isPlatformHeader(name));
  return { headers: out, declaredLength: statedLength(headers) };
}

/** Passes exactly `length` bytes; errors on a byte more, or on ending short. */
function exactly(length: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.byteLength;
      if (seen > length) done(new Error(`body is longer than its declared ${length} bytes`));
      else done(null, chunk);
    },
    flush(done) {
      done(seen === length ? null : new Error(`body ended after ${seen} of its declared ${length} bytes`));
    },
  });
}

const bodyless = (status: number): boolean => status === 204 || status === 304 || (status >= 100 && status < 200);

/** Writes a function's response. Resolves when the body is written or the client left. */
export async function writeResponse(
  res: ServerResponse,
  response: { status: number; statusText: string; headers: string[]; body: null | string | Uint8Array | Readable },
  extraHeaders: string[] = [],
): Promise<void> {
  const body = response.body;
  const { headers, declaredLength } = outgoingHeaders(response.headers);
  headers.push(...extraHeaders);
  const head = res.req.method === 'HEAD';
  if (bodyless(response.status)) {
    if (body instanceof Readable) body.destroy();
    res.writeHead(response.status, response.statusText || undefined, headers);
    res.end();
    return;
  }
  if (typeof body === 'string' || body instanceof Uint8Array) {
    // A known length lets Node send headers and body in one write, without chunked framing.
    headers.push('content-length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength));
    res.writeHead(response.status, response.statusText || undefined, headers);
    res.end(head ? undefined : body);
    return;
  }
  if (body === null || head) {
    if (body instanceof Readable) body.destroy();
    if (!head) headers.push('content-length', '0');
    else if (declaredLength !== undefined) headers.push('content-length', String(declaredLength));
    res.writeHead(response.status, response.statusText || undefined, headers);
    res.end();
    return;
  }
  if (declaredLength !== undefined) headers.push('content-length', String(declaredLength));
  res.writeHead(response.status, response.statusText || undefined, headers);
  // A streamed body's headers go out as soon as the function has answered, not with the first
  // chunk: the client sees the status of a slow stream (server-sent events) at once, and a stream
  // the function's limits cut short is cut after its headers, like any other broken body.
  res.flushHeaders();
  try {
    if (declaredLength !== undefined) await pipeline(body, exactly(declaredLength), res);
    else await pipeline(body, res);
  } catch {
    // The client went away, the function's stream failed, or its length was wrong: the socket is closed.
    if (!res.destroyed) res.destroy();
  }
}


/** Answers a platform failure: its status, the code in a header, and a plain-text message. */
export function writeFailure(res: ServerResponse, code: ErrorCode, message: string, extraHeaders: string[] = []): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = `${code}: ${message}\n`;
  const retryAfter = retryAfterOf(code);
  res.writeHead(statusOf(code), [
    'content-type', 'text/plain; charset=utf-8',
    'content-length', String(Buffer.byteLength(body)),
    errorHeader, code,
    ...(retryAfter === undefined ? [] : ['retry-after', String(retryAfter)]),
    ...extraHeaders,
  ]);
  res.end(body);
}
