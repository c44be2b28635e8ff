/**
 * A small router for the JSON API on node:http: routes are `METHOD /path/{param}` patterns; every
 * error becomes `{error: {code, message}}` with the status of its code. Unknown errors are logged
 * with their stack and answered with a fixed body: internal messages never leak.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EdgefnError, retryAfterOf, statusOf } from '../domain/errors.ts';

export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body (undefined when there is none). */
  body: unknown;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  /** Instead of a JSON body: writes the whole response itself (a stream that outlives the handler). */
  stream?: (res: ServerResponse, req: IncomingMessage) => void;
}

export interface Route {
  method: string;
  path: string;
  summary: string;
  handler: (ctx: RouteContext) => Promise<RouteResult>;
}

interface CompiledRoute extends Route {
  pattern: RegExp;
  names: string[];
}

// Large enough for 5 MB of code even when JSON escaping doubles it; only code makes bodies this big.
const maxBodyBytes = 12 * 1024 * 1024;

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { ...route, pattern: new RegExp(`^${source}$`), names };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let total = 0;
  // Read to the end even when too large, so the connection stays usable for the next request.
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total <= maxBodyBytes) chunks.push(chunk);
  }
  if (total > maxBodyBytes) {
    throw new EdgefnError('InvalidParameter.ContentExceedsLimit', `Request body exceeds ${maxBodyBytes} bytes (function code is limited to 5 MB)`);
  }
  if (total === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks, total).toString('utf8')) as unknown;
  } catch {
    throw new EdgefnError('InvalidParameter.InvalidParameter', 'The request body is not valid JSON');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (status === 204) {
    res.writeHead(204).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, error: unknown, log: (line: string) => void): void {
  if (error instanceof EdgefnError) {
    const retryAfter = retryAfterOf(error.code);
    const body = { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } };
    sendJson(res, statusOf(error.code), body, retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) });
    return;
  }
  log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  sendJson(res, 500, { error: { code: 'InternalError.SystemError', message: 'Internal error' } });
}

/** Builds a request handler for these routes. `before` runs first (authentication). */
export interface RouterOptions {
  /** Runs before the handler (authentication); throws to refuse. */
  before?: (req: IncomingMessage) => void;
  /** Awaited after every successful write, before answering (the gateway has applied it). */
  afterWrite?: () => Promise<void>;
  log: (line: string) => void;
}

function decodeParam(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new EdgefnError('InvalidParameter.InvalidParameter', `Malformed percent-encoding in the path: ${text}`);
  }
}

export function createRouter(routes: Route[], options: RouterOptions) {
  const compiled = routes.map(compile);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      options.before?.(req);
      const url = new URL(req.url ?? '/', 'http://api.local');
      const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
      let allowed = false;
      for (const route of compiled) {
        const match = route.pattern.exec(path);
        if (!match) continue;
        allowed = true;
        if (route.method !== req.method) continue;
        const params: Record<string, string> = {};
        route.names.forEach((name, i) => (params[name] = decodeParam(match[i + 1]!)));
        const body = req.method === 'GET' || req.method === 'DELETE' ? undefined : await readJson(req);
        const result = await route.handler({ params, query: url.searchParams, body });
        if (req.method !== 'GET') await options.afterWrite?.();
        if (result.stream) result.stream(res, req);
        else sendJson(res, result.status, result.body);
        return;
      }
      throw allowed
        ? new EdgefnError('UnsupportedOperation.MethodNotAllowed', `${req.method} is not allowed on ${path}`)
        : new EdgefnError('ResourceNotFound.Route', `No API route ${req.method} ${path}`);
    } catch (error) {
      sendError(res, error, options.log);
    }
  };
}
