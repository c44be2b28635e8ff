/**
 * Where a client is, as the gateway asks on every request: the operator's `--geo-file` first (its
 * ranges win: tests, private networks, corrections), then the geo database (`--geo-db`, by default
 * the shipped DB-IP City Lite) for public addresses; private, loopback and other special addresses
 * get nothing from the database. Answers are remembered per address in a bounded LRU (clients
 * choose their addresses, so the cache must not grow with them).
 *
 * Both sources are reloaded without a restart: every `pollMs` the files' size, mtime and inode are
 * checked, and a changed one is read again off the event loop and swapped in whole, with a fresh
 * cache. A new file that cannot be read or parsed keeps the data loaded before, and a line says so.
 * Each gateway process (every worker) does this for itself.
 */
import { stat } from 'node:fs/promises';
import { parseClientIp } from '../domain/ip-range.ts';
import { restrictedReason } from '../domain/address-class.ts';
import { loadGeoFile, type Geo, type GeoLookup } from './geo.ts';
import { openGeoDb, type GeoDb } from './geo-db.ts';

export interface GeoSourceOptions {
  geoFile?: string;
  /** MMDB files, asked in order (empty: no database). */
  geoDb: string[];
  /** How often the files are checked for a change (default 5 s). */
  pollMs?: number;
  /** Addresses whose answer is remembered (default 4096). */
  cacheSize?: number;
  log?: (line: string) => void;
}

export interface GeoSource {
  lookup: GeoLookup;
  /** Resolves after the next check of the files (and any reload it started) is done. */
  checked(): Promise<void>;
  close(): void;
}

interface Loaded {
  file: GeoLookup | undefined;
  db: GeoDb | undefined;
  cache: Map<string, Geo | null>;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Loads the geo file and database (rejects when one is broken), then keeps them fresh. */
export async function startGeoSource(options: GeoSourceOptions): Promise<GeoSource> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cacheSize = options.cacheSize ?? 4096;
  const pollMs = options.pollMs ?? 5000;
  const { geoFile, geoDb } = options;
  // What each source was loaded from (or last failed on), so one change is tried once.
  let fileSeen = geoFile ? await signature(geoFile) : '';
  let dbSeen = await signatures(geoDb);
  let loaded: Loaded = {
    file: geoFile ? loadGeoFile(geoFile) : undefined,
    db: geoDb.length > 0 ? await openGeoDb(geoDb) : undefined,
    cache: new Map(),
  };

  const lookup: GeoLookup = (clientIp) => {
    const { cache } = loaded;
    const cached = cache.get(clientIp);
    if (cached !== undefined) {
      cache.delete(clientIp);
      cache.set(clientIp, cached);
      return cached ?? undefined;
    }
    const answer = locate(loaded, clientIp);
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
    cache.set(clientIp, answer ?? null);
    return answer;
  };

  async function check(): Promise<void> {
    let file = loaded.file;
    let db = loaded.db;
    if (geoFile) {
      const now = await signature(geoFile);
      if (now !== fileSeen) {
        fileSeen = now;
        try {
          file = loadGeoFile(geoFile);
          log(`edgefn: geo file ${geoFile} reloaded`);
        } catch (error) {
          log(`edgefn: ${messageOf(error)}; keeping the geo file loaded before`);
        }
      }
    }
    if (geoDb.length > 0) {
      const now = await signatures(geoDb);
      if (now !== dbSeen) {
        try {
          const fresh = await openGeoDb(geoDb);
          // Changed again while it was read (a copy still being written): try on the next check.
          if ((await signatures(geoDb)) === now) {
            db = fresh;
            dbSeen = now;
            log(`edgefn: geo database reloaded (${fresh.files.map((f) => `${f.path}, built ${f.built.toISOString().slice(0, 10)}`).join('; ')})`);
          }
        } catch (error) {
          dbSeen = now;
          log(`edgefn: ${messageOf(error)}; keeping the geo database loaded before`);
        }
      }
    }
    if (file !== loaded.file || db !== loaded.db) loaded = { file, db, cache: new Map() };
  }

  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let waiters: (() => void)[] = [];
  const schedule = (): void => {
    if (closed) return;
    timer = setTimeout(() => {
      void check().finally(() => {
        for (const done of waiters.splice(0)) done();
        schedule();
      });
    }, pollMs);
    // Never what keeps a process alive, unless someone waits for the check.
    if (waiters.length === 0) timer.unref();
  };
  schedule();
  return {
    lookup,
    checked: () =>
      new Promise<void>((done) => {
        waiters.push(done);
        // Awaited, the check must happen even if nothing else keeps the event loop running (Node
        // 22's test runner ended such a wait: a clean-clone CI run caught it).
        timer?.ref();
      }),
    close: () => {
      closed = true;
      clearTimeout(timer);
      for (const done of waiters.splice(0)) done();
      waiters = [];
    },
  };
}

function locate(loaded: Loaded, clientIp: string): Geo | undefined {
  const fromFile = loaded.file?.(clientIp);
  if (fromFile || !loaded.db) return fromFile;
  const ip = parseClientIp(clientIp);
  // Private, loopback, link-local, documentation...: nobody's database knows where they are.
  if (!ip || restrictedReason(ip) !== null) return undefined;
  return loaded.db.lookup(ip);
}

/** What changes when a file is replaced or rewritten: size, mtime, inode (or that it is missing). */
async function signature(path: string): Promise<string> {
  try {
    const s = await stat(path, { bigint: true });
    return `${s.size}:${s.mtimeNs}:${s.ino}`;
  } catch (error) {
    return `missing:${(error as NodeJS.ErrnoException).code ?? ''}`;
  }
}

async function signatures(paths: string[]): Promise<string> {
  return (await Promise.all(paths.map(signature))).join('|');
}
