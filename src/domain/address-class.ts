/**
 * Which addresses a function may not reach by default: everything that is not the public
 * internet. Loopback, private, shared (carrier NAT), link-local (cloud metadata lives there),
 * unspecified, multicast and reserved IPv4; loopback, unique-local, link-local, site-local,
 * local-use NAT64, documentation, multicast, discard and Teredo IPv6; and any IPv6 form that carries an IPv4 address (mapped, compatible, NAT64,
 * 6to4), judged by that address.
 */
import { isInRange, parseIpRange, type IpAddress, type IpRange } from './ip-range.ts';

const range = (cidr: string, reason: string): [IpRange, string] => [parseIpRange(cidr)!, reason];

const v4: [IpRange, string][] = [
  range('0.0.0.0/8', 'unspecified'),
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'shared (carrier NAT)'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local'),
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'reserved'),
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'reserved'),
  range('224.0.0.0/4', 'multicast'),
  range('240.0.0.0/4', 'reserved'),
];

const v6: [IpRange, string][] = [
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('fc00::/7', 'unique-local'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'site-local'),
  // Local-use NAT64 (RFC 8215): translated by the operator's own network, to anything.
  range('64:ff9b:1::/48', 'local NAT64'),
  range('2001:db8::/32', 'documentation'),
  range('ff00::/8', 'multicast'),
  range('100::/64', 'discard'),
  range('2001::/32', 'Teredo'),
];

/** The IPv4 address an IPv6 address carries (compatible, NAT64, 6to4), if any. */
function embeddedV4(ip: IpAddress): IpAddress | undefined {
  const [w0 = 0, w1 = 0, w2 = 0, w3 = 0] = ip.words;
  if (w0 === 0 && w1 === 0 && (w2 === 0 || w2 === 0xffff)) return { v6: false, words: [w3] };
  if (w0 === 0x0064ff9b && w1 === 0 && w2 === 0) return { v6: false, words: [w3] };
  if (w0 >>> 16 === 0x2002) return { v6: false, words: [((w0 & 0xffff) << 16) | (w1 >>> 16)] };
  return undefined;
}

/** Why a function may not reach `ip` by default, or null for a public address. */
export function restrictedReason(ip: IpAddress): string | null {
  if (!ip.v6) {
    for (const [r, reason] of v4) if (isInRange(ip, r)) return reason;
    return null;
  }
  for (const [r, reason] of v6) if (isInRange(ip, r)) return reason;
  const inner = embeddedV4(ip);
  return inner ? restrictedReason(inner) : null;
}
