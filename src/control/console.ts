/**
 * The web console's files, served by the API server at `/` (the API stays under `/api/v1`). The
 * built files (console/dist) are read once at start: index.html is answered with a fresh CSP nonce
 * each time (CodeMirror adds its styles under it) and `no-store`; the content-hashed assets are
 * immutable. A strict Content-Security-Policy allows only this origin's script, styles and API.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer;
}

const types: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const security = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const policy = (nonce: string): string =>
  [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

function load(dir: string): { index: string; assets: Map<string, Asset> } | null {
  if (!existsSync(join(dir, 'index.html'))) return null;
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(join(dir, 'assets'))) {
    const ext = name.slice(name.lastIndexOf('.'));
    const body = readFileSync(join(dir, 'assets', name));
    assets.set(`/assets/${name}`, { type: types[ext] ?? 'application/octet-stream', body, gzip: gzipSync(body) });
  }
  return { index: readFileSync(join(dir, 'index.html'), 'utf8'), assets };
}

const acceptsGzip = (req: IncomingMessage): boolean => /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));

/** Serves the console from `dir`; anything under /api/, and /metrics, goes to `api`. */
export function withConsole(dir: string, api: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {
  const files = load(dir);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/api' || path.startsWith('/api/') || path === '/metrics') return api(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', ...security }).end();
      return;
    }
    if (!files) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...security }).end('The console is not built: run npm run build. The API is at /api/v1.\n');
      return;
    }
    if (path === '/' || path === '/index.html') {
      const nonce = randomBytes(16).toString('base64');
      const body = files.index.replace('%NONCE%', nonce);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': policy(nonce), ...security });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    const asset = files.assets.get(path);
    if (!asset) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...security }).end('Not found\n');
      return;
    }
    const gzip = acceptsGzip(req);
    const body = gzip ? asset.gzip : asset.body;
    res.writeHead(200, {
      'content-type': asset.type,
      'content-length': body.byteLength,
      'cache-control': 'public, max-age=31536000, immutable',
      vary: 'accept-encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      ...security,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
