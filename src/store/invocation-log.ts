/**
 * Invocation logs: one record per execution (production or a replica, from any gateway process or
 * the replica lane), kept in memory by the serving process for the API. Bounded: each function
 * variant keeps its newest records up to a count and a byte size, and the whole log a byte total
 * (past it, the variant holding the most gives way), so a chatty function can push out only its
 * own records, never another's. Followers (the API's follow streams) hear of each record as it is
 * appended.
 */
import { EdgefnError } from '../domain/errors.ts';

export type Via = 'header' | 'rollout' | 'shadow';

/** What one execution did. */
export interface InvocationRecord {
  /** Also sent to the client as `EO-Request-Id`. */
  requestId: string;
  /** ISO time the request arrived. */
  at: string;
  zoneId: string;
  functionId: string;
  /** 'production' or the replica's name. */
  variant: string;
  /** The production version that ran (production only). */
  versionId?: string;
  /** The replica revision that ran (replicas only). */
  revision?: number;
  /**
   * How a replica got the request (replicas only): the replica header, its rollout share of
   * production traffic, or a shadow copy of a production request (whose answer no client saw).
   */
  via?: Via;
  method: string;
  host: string;
  /** Without the query string, which may hold tokens. */
  path: string;
  status: number;
  /** 'ok', 'passthrough', or the error code the client saw in EO-Function-Error. */
  outcome: string;
  logs: { level: string; message: string }[];
  droppedLogs: number;
  error?: { message: string; stack?: string };
  cpuMs: number;
  wallMs: number;
  subrequests: number;
}

export interface InvocationLogOptions {
  /** Records kept per function variant (default 1,000). */
  recordsPerVariant?: number;
  /** Bytes kept per function variant (default 1 MiB). */
  bytesPerVariant?: number;
  /** Bytes kept in all (default 64 MiB). */
  totalBytes?: number;
  /** Followers at once (default 64); past that, subscribe refuses with LimitExceeded.LogFollowerLimitExceeded. */
  maxFollowers?: number;
}

/** Hears of each new record, with its JSON text (already made to count its bytes). */
export type RecordListener = (record: InvocationRecord, json: string) => void;

interface Follower {
  variant: string | undefined;
  listener: RecordListener;
  onEnd: (() => void) | undefined;
}

export interface InvocationPage {
  records: InvocationRecord[];
  /** Pass as `before` for the next (older) page; null when there is none. */
  next: string | null;
}

interface Kept {
  seq: number;
  record: InvocationRecord;
  bytes: number;
}

interface Variant {
  kept: Kept[];
  bytes: number;
}

export class InvocationLog {
  readonly #recordsPerVariant: number;
  readonly #bytesPerVariant: number;
  readonly #totalBytes: number;
  readonly #maxFollowers: number;
  readonly #variants = new Map<string, Variant>();
  /** Followers by function id. */
  readonly #followers = new Map<string, Set<Follower>>();
  #followerCount = 0;
  #closed = false;
  #bytes = 0;
  #seq = 0;

  constructor(options: InvocationLogOptions = {}) {
    this.#recordsPerVariant = options.recordsPerVariant ?? 1000;
    this.#bytesPerVariant = options.bytesPerVariant ?? 2 ** 20;
    this.#totalBytes = options.totalBytes ?? 64 * 2 ** 20;
    this.#maxFollowers = options.maxFollowers ?? 64;
  }

  append(record: InvocationRecord): void {
    const key = keyOf(record.functionId, record.variant);
    let variant = this.#variants.get(key);
    if (!variant) this.#variants.set(key, (variant = { kept: [], bytes: 0 }));
    const json = JSON.stringify(record);
    const bytes = Buffer.byteLength(json);
    variant.kept.push({ seq: ++this.#seq, record, bytes });
    variant.bytes += bytes;
    this.#bytes += bytes;
    while (variant.kept.length > this.#recordsPerVariant || (variant.bytes > this.#bytesPerVariant && variant.kept.length > 1)) this.#dropOldest(variant);
    while (this.#bytes > this.#totalBytes) this.#dropOldest(this.#largest());
    const followers = this.#followers.get(record.functionId);
    if (followers) for (const follower of followers) if (follower.variant === undefined || follower.variant === record.variant) notify(follower, record, json);
  }

  /**
   * Calls `listener` with each record of the function appended from now on (of one variant, or of
   * every variant when `variant` is undefined), synchronously from append: it must be quick, and
   * whatever it throws is swallowed. `onEnd` is called when no more will come (the function was
   * forgotten, or the log closed); the follower is then gone. Returns the way to unsubscribe.
   * Throws LimitExceeded.LogFollowerLimitExceeded when the log has its most followers already.
   */
  subscribe(functionId: string, variant: string | undefined, listener: RecordListener, onEnd?: () => void): () => void {
    if (this.#followerCount >= this.#maxFollowers) {
      throw new EdgefnError('LimitExceeded.LogFollowerLimitExceeded', `This server already streams logs to ${this.#maxFollowers} followers; try again when one has left`);
    }
    const follower: Follower = { variant, listener, onEnd };
    if (this.#closed) {
      end(follower);
      return () => undefined;
    }
    let set = this.#followers.get(functionId);
    if (!set) this.#followers.set(functionId, (set = new Set()));
    set.add(follower);
    this.#followerCount++;
    return () => {
      if (set.delete(follower)) this.#followerCount--;
      if (set.size === 0 && this.#followers.get(functionId) === set) this.#followers.delete(functionId);
    };
  }

  /** Followers at this moment. */
  get followers(): number {
    return this.#followerCount;
  }

  /** Ends every follower (the server is stopping); later ones end at once. Records are still kept. */
  close(): void {
    this.#closed = true;
    for (const functionId of [...this.#followers.keys()]) this.#endFollowers(functionId);
  }

  /** The newest records of one function variant, newest first, older than the cursor `before`. */
  list(functionId: string, variant: string, options: { limit?: number; before?: string } = {}): InvocationPage {
    const kept = this.#variants.get(keyOf(functionId, variant))?.kept ?? [];
    const limit = Math.max(1, Math.min(options.limit ?? 100, 1000));
    const before = options.before === undefined ? Infinity : Number(options.before);
    const records: InvocationRecord[] = [];
    let last: Kept | undefined;
    for (let i = kept.length - 1; i >= 0 && records.length < limit; i--) {
      const item = kept[i]!;
      if (item.seq >= before) continue;
      records.push(item.record);
      last = item;
    }
    return { records, next: last !== undefined && kept[0]!.seq < last.seq ? String(last.seq) : null };
  }

  /** One record of a function variant by its request id (searched newest first: a test has just made it). */
  find(functionId: string, variant: string, requestId: string): InvocationRecord | undefined {
    const kept = this.#variants.get(keyOf(functionId, variant))?.kept ?? [];
    for (let i = kept.length - 1; i >= 0; i--) if (kept[i]!.record.requestId === requestId) return kept[i]!.record;
    return undefined;
  }

  /** Forgets a function's records and ends its followers (it was deleted). */
  forget(functionId: string): void {
    for (const [key, variant] of this.#variants) {
      if (!key.startsWith(`${functionId}\n`)) continue;
      this.#bytes -= variant.bytes;
      this.#variants.delete(key);
    }
    this.#endFollowers(functionId);
  }

  #endFollowers(functionId: string): void {
    const set = this.#followers.get(functionId);
    if (!set) return;
    const ended = [...set];
    set.clear();
    this.#followers.delete(functionId);
    this.#followerCount -= ended.length;
    for (const follower of ended) end(follower);
  }

  #dropOldest(variant: Variant): void {
    const oldest = variant.kept.shift();
    if (!oldest) return;
    variant.bytes -= oldest.bytes;
    this.#bytes -= oldest.bytes;
  }

  #largest(): Variant {
    let largest: Variant | undefined;
    for (const variant of this.#variants.values()) if (!largest || variant.bytes > largest.bytes) largest = variant;
    return largest!;
  }
}

/** A follower's trouble never reaches append (the request path of whoever sent the record). */
function notify(follower: Follower, record: InvocationRecord, json: string): void {
  try {
    follower.listener(record, json);
  } catch {
    // The listener's own business (a follow stream drops itself when it cannot write).
  }
}

function end(follower: Follower): void {
  try {
    follower.onEnd?.();
  } catch {
    // As above.
  }
}

const keyOf = (functionId: string, variant: string): string => `${functionId}\n${variant}`;
