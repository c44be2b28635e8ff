/**
 * The operator's own client locations (`edgefn serve --geo-file`): a JSON file of
 * `[{ "cidr": "203.0.113.0/24", "geo": {...} }]`, with geo fields named as in EdgeOne
 * (countryCodeAlpha2, regionCode, cityName, asn, latitude, ...). The most specific range that
 * contains the client's address wins. Its ranges come before the geo database (geo-source.ts).
 */
import { readFileSync } from 'node:fs';
import { isInRange, parseClientIp, parseIpRange, type IpRange } from '../domain/ip-range.ts';

export type Geo = Record<string, string | number>;
export type GeoLookup = (clientIp: string) => Geo | undefined;

/** Reads and checks a geo file; throws an Error naming the broken entry. */
export function loadGeoFile(path: string): GeoLookup {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`geo file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(parsed)) throw new Error(`geo file ${path}: expected a JSON array of {cidr, geo}`);
  const entries: { range: IpRange; geo: Geo }[] = parsed.map((entry: unknown, i) => {
    const { cidr, geo } = (entry ?? {}) as { cidr?: unknown; geo?: unknown };
    const range = typeof cidr === 'string' ? parseIpRange(cidr) : undefined;
    if (!range) throw new Error(`geo file ${path}: entry ${i + 1} needs "cidr" as an IP or CIDR range`);
    if (geo === null || typeof geo !== 'object' || Array.isArray(geo)) throw new Error(`geo file ${path}: entry ${i + 1} needs "geo" as an object`);
    for (const value of Object.values(geo)) {
      if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`geo file ${path}: entry ${i + 1}: geo values must be strings or numbers`);
    }
    return { range, geo: Object.freeze({ ...(geo as Geo) }) };
  });
  entries.sort((a, b) => b.range.prefix - a.range.prefix);
  return (clientIp) => {
    const ip = parseClientIp(clientIp);
    if (!ip) return undefined;
    return entries.find((e) => isInRange(ip, e.range))?.geo;
  };
}
