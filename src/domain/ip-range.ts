/**
 * IP addresses and CIDR ranges for the client_ip rule target. An address is one 32-bit word (IPv4)
 * or four (IPv6), stored as signed int32 so that masking with `&` needs no conversion.
 */

export interface IpAddress {
  v6: boolean;
  words: number[];
}

export interface IpRange extends IpAddress {
  prefix: number;
}

export function isInRange(ip: IpAddress, range: IpRange): boolean {
  if (ip.v6 !== range.v6) return false;
  let bits = range.prefix;
  for (let i = 0; i < range.words.length && bits > 0; i++) {
    const word = ip.words[i] ?? 0;
    if (bits >= 32) {
      if (word !== range.words[i]) return false;
      bits -= 32;
    } else {
      return (word & maskOf(bits)) === range.words[i];
    }
  }
  return true;
}

function maskOf(bits: number): number {
  return bits <= 0 ? 0 : bits >= 32 ? -1 : -1 << (32 - bits);
}

/** Parses `a.b.c.d`, an IPv6 address, or either with `/prefix`; host bits are cleared. */
export function parseIpRange(text: string): IpRange | undefined {
  const slash = text.indexOf('/');
  const address = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (address === undefined) return undefined;
  const maxPrefix = address.v6 ? 128 : 32;
  let prefix = maxPrefix;
  if (slash >= 0) {
    const digits = text.slice(slash + 1);
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(digits)) return undefined;
    prefix = Number(digits);
    if (prefix > maxPrefix) return undefined;
  }
  let range: IpRange = { ...address, prefix };
  // `::ffff:10.0.0.0/104` means 10.0.0.0/8: client IPs in that form are matched as IPv4.
  if (range.v6 && prefix >= 96 && isMappedV4(range.words)) range = { v6: false, words: [range.words[3] ?? 0], prefix: prefix - 96 };
  let bits = range.prefix;
  range.words = range.words.map((word) => {
    const masked = word & maskOf(bits);
    bits -= 32;
    return masked;
  });
  return range;
}

/** Parses a list of ranges, or throws an Error naming the first entry that is not one. */
export function parseIpRanges(texts: string[]): IpRange[] {
  return texts.map((text) => {
    const range = parseIpRange(text);
    if (!range) throw new Error(`${text} is not an IP address or CIDR range`);
    return range;
  });
}

/** Parses a client address as sockets report it: IPv4, IPv6 (zone id ignored), IPv4-mapped IPv6 as IPv4. */
export function parseClientIp(text: string): IpAddress | undefined {
  const percent = text.indexOf('%');
  const ip = parseIp(percent < 0 ? text : text.slice(0, percent));
  if (ip !== undefined && ip.v6 && isMappedV4(ip.words)) return { v6: false, words: [ip.words[3] ?? 0] };
  return ip;
}

function isMappedV4(words: number[]): boolean {
  return words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
}

function parseIp(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    const groups = parseIpv6Groups(text);
    if (groups === undefined) return undefined;
    const words: number[] = [];
    for (let i = 0; i < 8; i += 2) words.push((((groups[i] ?? 0) << 16) | (groups[i + 1] ?? 0)) | 0);
    return { v6: true, words };
  }
  const v4 = parseIpv4(text);
  return v4 === undefined ? undefined : { v6: false, words: [v4] };
}

function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    // Leading zeros are refused: some parsers read them as octal.
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8) | octet;
  }
  return value | 0;
}

function parseIpv6Groups(text: string): number[] | undefined {
  const gap = text.indexOf('::');
  if (gap >= 0 && text.indexOf('::', gap + 1) >= 0) return undefined;
  const head = gap >= 0 ? text.slice(0, gap) : text;
  const tail = gap >= 0 ? text.slice(gap + 2) : '';
  const headGroups = parseIpv6Part(head, gap < 0);
  const tailGroups = gap >= 0 ? parseIpv6Part(tail, true) : [];
  if (headGroups === undefined || tailGroups === undefined) return undefined;
  const count = headGroups.length + tailGroups.length;
  if (gap < 0 ? count !== 8 : count > 7) return undefined;
  return [...headGroups, ...new Array<number>(8 - count).fill(0), ...tailGroups];
}

// Parses colon-separated hex groups; the last one may be a dotted IPv4 address when `last` is set.
function parseIpv6Part(part: string, last: boolean): number[] | undefined {
  if (part === '') return [];
  const pieces = part.split(':');
  const groups: number[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i] ?? '';
    if (last && i === pieces.length - 1 && piece.includes('.')) {
      const v4 = parseIpv4(piece);
      if (v4 === undefined) return undefined;
      groups.push((v4 >>> 16) & 0xffff, v4 & 0xffff);
    } else {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(piece)) return undefined;
      groups.push(parseInt(piece, 16));
    }
  }
  return groups;
}
