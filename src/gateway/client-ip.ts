/**
 * Who the client is. The connection's peer, unless that peer is a reverse proxy the operator
 * trusts (`serve --trust-proxy`): then the client is the right-most address in X-Forwarded-For
 * that is not itself a trusted proxy. Anything a client writes further left is its own claim and
 * is ignored; from an untrusted peer the header is never read.
 */
import type { IncomingMessage } from 'node:http';
import { isInRange, parseClientIp, type IpRange } from '../domain/ip-range.ts';

const peerOf = (req: IncomingMessage): string => req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';

function trusted(text: string, proxies: readonly IpRange[]): boolean {
  const ip = parseClientIp(text);
  return ip !== undefined && proxies.some((range) => isInRange(ip, range));
}

export function clientIpOf(req: IncomingMessage, proxies: readonly IpRange[]): string {
  const peer = peerOf(req);
  if (proxies.length === 0 || !trusted(peer, proxies)) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((hop) => hop.trim());
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    const ip = parseClientIp(hop);
    if (!ip) break; // garbage ends the chain we can believe
    client = hop.replace(/^::ffff:/, '');
    if (!proxies.some((range) => isInRange(ip, range))) break;
  }
  return client;
}
