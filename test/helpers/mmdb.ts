/**
 * Writes small MaxMind DB (MMDB) files for tests, following the format's spec
 * (https://maxmind.github.io/MaxMind-DB/): a binary search tree over address bits with 32-bit
 * records, a data section, and the metadata after "\xAB\xCD\xEFMaxMind.com". Enough of the format
 * to give a reader databases it has never seen: private ranges with data, nested GeoIP2-style
 * records, ASN files, and files that change while a gateway runs.
 */
import { parseIpRange } from '../../src/domain/ip-range.ts';

export type MmdbValue = string | number | boolean | MmdbValue[] | { [key: string]: MmdbValue };

export interface MmdbOptions {
  ipVersion: 4 | 6;
  databaseType?: string;
  /** Networks (CIDR text; IPv4 ones in an IPv6 file go under ::/96) and their records; must not overlap. */
  networks: [cidr: string, record: MmdbValue][];
}

const EMPTY = -1;

export function buildMmdb(options: MmdbOptions): Buffer {
  const nodes: [number, number][] = [[EMPTY, EMPTY]];
  const leaves: { node: number; side: 0 | 1; data: number }[] = [];
  const data: Buffer[] = [];
  let dataLength = 0;
  for (const [cidr, record] of options.networks) {
    const range = parseIpRange(cidr);
    if (!range) throw new Error(`not a range: ${cidr}`);
    let bits = range.words.flatMap((word) => Array.from({ length: 32 }, (_, i) => (word >>> (31 - i)) & 1));
    let prefix = range.prefix;
    if (options.ipVersion === 6 && !range.v6) {
      bits = [...new Array<number>(96).fill(0), ...bits];
      prefix += 96;
    }
    let node = 0;
    for (let depth = 0; depth < prefix - 1; depth++) {
      const side = bits[depth] as 0 | 1;
      let next = nodes[node]![side];
      if (next === EMPTY) {
        next = nodes.push([EMPTY, EMPTY]) - 1;
        nodes[node]![side] = next;
      }
      node = next;
    }
    const encoded = encode(record);
    leaves.push({ node, side: bits[prefix - 1] as 0 | 1, data: dataLength });
    data.push(encoded);
    dataLength += encoded.length;
  }
  const count = nodes.length;
  for (const leaf of leaves) nodes[leaf.node]![leaf.side] = count + 16 + leaf.data;
  const tree = Buffer.alloc(count * 8);
  nodes.forEach(([left, right], i) => {
    tree.writeUInt32BE(left === EMPTY ? count : left, i * 8);
    tree.writeUInt32BE(right === EMPTY ? count : right, i * 8 + 4);
  });
  const metadata = encode({
    binary_format_major_version: { uint16: 2 },
    binary_format_minor_version: { uint16: 0 },
    build_epoch: { uint64: Math.floor(Date.now() / 1000) },
    database_type: options.databaseType ?? 'edgefn-test',
    description: { en: 'edgefn test database' },
    ip_version: { uint16: options.ipVersion },
    languages: ['en'],
    node_count: { uint32: count },
    record_size: { uint16: 32 },
  } as unknown as MmdbValue);
  return Buffer.concat([tree, Buffer.alloc(16), ...data, Buffer.from('abcdef4d61784d696e642e636f6d', 'hex'), metadata]);
}

function control(type: number, size: number): Buffer {
  const head = size < 29 ? [size] : size < 285 ? [29, size - 29] : [30, (size - 285) >> 8, (size - 285) & 255];
  const first = head[0]!;
  const rest = head.slice(1);
  return type <= 7 ? Buffer.from([(type << 5) | first, ...rest]) : Buffer.from([first, type - 7, ...rest]);
}

function unsigned(type: number, value: number): Buffer {
  const bytes: number[] = [];
  for (let v = BigInt(value); v > 0n; v >>= 8n) bytes.unshift(Number(v & 255n));
  return Buffer.concat([control(type, bytes.length), Buffer.from(bytes)]);
}

/** Numbers: integers as uint32, others as doubles; `{uint16: n}` / `{uint64: n}` for the metadata's types. */
function encode(value: MmdbValue): Buffer {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([control(2, bytes.length), bytes]);
  }
  if (typeof value === 'boolean') return control(14, value ? 1 : 0);
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value < 2 ** 32) return unsigned(6, value);
    const double = Buffer.alloc(8);
    double.writeDoubleBE(value);
    return Buffer.concat([control(3, 8), double]);
  }
  if (Array.isArray(value)) return Buffer.concat([control(11, value.length), ...value.map(encode)]);
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'uint16' || keys[0] === 'uint32' || keys[0] === 'uint64') && typeof value[keys[0]] === 'number') {
    return unsigned({ uint16: 5, uint32: 6, uint64: 9 }[keys[0]], value[keys[0]] as number);
  }
  return Buffer.concat([control(7, keys.length), ...keys.flatMap((key) => [encode(key), encode(value[key]!)])]);
}
