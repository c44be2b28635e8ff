/**
 * Pass-through to an origin: the request goes on unchanged (streamed), with X-Forwarded-For,
 * -Proto and -Host added, and the origin's answer streams back.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { writeFailure, writeResponse } from './node-io.ts';
import { atOrigin } from './request-target.ts';
import { hopByHopHeaders } from '../domain/header-list.ts';

/** Not passed on to the origin or back: the connection's own headers, and Host (set below). */
const notForwarded = (name: string): boolean => hopByHopHeaders.has(name) || name === 'host';

/**
 * Forwards a request to `origin` (e.g. http://127.0.0.1:9000). `body` is what was already read, if
 * any; `extraHeaders` are added to the answer (the request id, when a function ran first).
 */
export async function proxyToOrigin(
  req: IncomingMessage,
  res: ServerResponse,
  origin: URL,
  body: Uint8Array | null | undefined,
  scheme: 'http' | 'https',
  extraHeaders: string[] = [],
): Promise<void> {
  const headers: string[] = [];
  const raw = req.rawHeaders;
  let forwardedFor = '';
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name === 'x-forwarded-for') forwardedFor = raw[i + 1]!;
    else if (!notForwarded(name)) headers.push(raw[i]!, raw[i + 1]!);
  }
  const clientIp = req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
  headers.push(
    'x-forwarded-for', forwardedFor ? `${forwardedFor}, ${clientIp}` : clientIp,
    'x-forwarded-proto', scheme,
    'x-forwarded-host', req.headers.host ?? '',
    'host', req.headers.host ?? origin.host,
  );
  // The caller validated req.url (origin-form); a path that starts with // stays a path.
  const target = atOrigin(origin, req.url ?? '/');
  try {
    const upstream = await request(target, {
      method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
      headers,
      body: body === undefined ? (req.method === 'GET' || req.method === 'HEAD' ? null : req) : body,
      maxRedirections: 0,
    });
    const out: string[] = [];
    for (const [name, value] of Object.entries(upstream.headers)) {
      if (value === undefined || notForwarded(name)) continue;
      for (const v of Array.isArray(value) ? value : [value]) out.push(name, v);
    }
    await writeResponse(res, { status: upstream.statusCode, statusText: '', headers: out, body: upstream.body as Readable }, extraHeaders);
  } catch (error) {
    writeFailure(res, 'FunctionRuntime.OriginUnreachable', `Origin ${origin.origin} did not answer: ${error instanceof Error ? error.message : String(error)}`, extraHeaders);
  }
}
