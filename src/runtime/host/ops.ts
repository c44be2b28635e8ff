/**
 * The guest's asynchronous operations (everything in protocol.ts's OpKind but timers), each run
 * for one execution with what it needs from its slot. The answer goes back through the slot.
 */
import { Readable } from 'node:stream';
import type { RuntimeLimits } from '../../domain/limits.ts';
import type { OpKind, WireBody } from '../guest/protocol.ts';
import type { Execution } from '../execution.ts';
import type { MemoryBudget } from '../memory.ts';
import type { Encoding, HostBody } from './bodies.ts';
import { cachedToWire, type CacheSpace, type CacheStore } from './cache.ts';
import { runSubtle, type KeyTable } from './crypto.ts';
import type { OutgoingBody, SubrequestRoute } from './fetch.ts';
import { parseMultipart } from './form-data.ts';
import type { FairPool } from './pool.ts';
import type { Scheduler } from '../scheduler.ts';
import type { Dispatcher } from 'undici';
import { fetchForGuest } from './subrequest.ts';

/** Shared by every slot of a runtime. */
export interface SlotServices {
  limits: RuntimeLimits;
  cache: CacheStore;
  /** Expensive host work, bounded per node and shared fairly between isolates. */
  imagePool: FairPool<object>;
  cryptoPool: FairPool<object>;
  /** Runs guest entries on the isolate threads and watches their CPU time. */
  scheduler: Scheduler;
}

/** Per-execution settings chosen by the caller (the platform). */
export interface ExecutionOptions {
  /** Where subrequests to some hosts really go (e.g. the request's own host → its origin). */
  route?: SubrequestRoute;
  /** Rewrites the headers of every subrequest after the function built them (e.g. loop stamps). */
  subrequestHeaders?: (headers: string[]) => string[];
  /**
   * Whose caches the execution uses (the Cache API and the subrequest cache): set by the runtime
   * from the function's owner (zone and variant), never by what the function says.
   */
  cacheScope?: string;
  /** Makes subrequests' connections and decides where they may go (host/egress.ts); anywhere without one. */
  egress?: Dispatcher;
  /**
   * Set (to the reason, for the error message) when subrequests may only GET or HEAD: the
   * execution is a copy of a request that has been served already (shadow traffic).
   */
  readOnlySubrequests?: string;
}

/** What an operation needs: the execution it runs for, and its slot's tables. */
export interface OpContext {
  exec: Execution;
  options: ExecutionOptions;
  services: SlotServices;
  memory: MemoryBudget;
  keys: KeyTable;
  /** Who the pools count the work for (the slot). */
  owner: object;
  /** A host body lent to the guest, by handle; throws TypeError when it is gone. */
  body(handle: unknown): HostBody;
  dropBody(handle: unknown): void;
  /** Lends a host stream to the guest (with its length in bytes, when known for certain); returns its handle. */
  lend(stream: Readable, encoding: Encoding, length?: number): number;
  /** A guest body as something the host can send. */
  outgoingBody(body: WireBody): OutgoingBody;
}

/** An op result whose bytes the host holds (counted in the memory budget) until the guest has it. */
export class Held {
  constructor(
    readonly value: unknown,
    readonly bytes: number,
  ) {}
}

export async function runOp(ctx: OpContext, kind: Exclude<OpKind, 'sleep'>, args: unknown): Promise<unknown> {
  const { exec, services } = ctx;
  switch (kind) {
    case 'fetch':
      return fetchForGuest(ctx, args as Parameters<typeof fetchForGuest>[1]);
    case 'read':
      return ctx.body(args).read();
    case 'readAll': {
      const bytes = await ctx.body(args).readAll(ctx.memory);
      return new Held(bytes, bytes.byteLength);
    }
    case 'readAllText': {
      const bytes = await ctx.body(args).readAll(ctx.memory);
      return new Held(new TextDecoder().decode(bytes), bytes.byteLength);
    }
    case 'cancelBody':
      ctx.body(args).destroy();
      ctx.dropBody(args);
      return undefined;
    case 'crypto': {
      // The data crossing in and out counts against the function's memory while the host holds it.
      const [method, list] = args as [string, unknown[]];
      const input = bytesIn(list);
      ctx.memory.hold(input);
      try {
        const result = await services.cryptoPool.run(ctx.owner, () => runSubtle(method, list, ctx.keys), (ms) => exec.chargePool(ms));
        if (!('bytes' in result)) return result;
        ctx.memory.hold(result.bytes.byteLength);
        return new Held(result, result.bytes.byteLength);
      } finally {
        ctx.memory.release(input);
      }
    }
    case 'cacheMatch': {
      const { cache, url } = args as { cache: string; url: string };
      const hit = services.cache.match(apiSpace(ctx, cache), url);
      if (!hit) return null;
      return cachedToWire(url, hit, ctx.lend(Readable.from([hit.body]), 'identity', hit.body.byteLength));
    }
    case 'cachePut': {
      const p = args as { cache: string; url: string; status: number; statusText: string; headers: string[]; body: Uint8Array };
      services.cache.put(apiSpace(ctx, p.cache), p.url, { status: p.status, statusText: p.statusText, headers: p.headers, body: p.body });
      return undefined;
    }
    case 'cacheDelete': {
      const { cache, url } = args as { cache: string; url: string };
      return services.cache.delete(apiSpace(ctx, cache), url);
    }
    case 'formData': {
      // Parsed on the main thread: the time counts as the function's CPU time.
      const started = process.hrtime.bigint();
      try {
        return await parseMultipart(args as { bytes: Uint8Array; contentType: string });
      } finally {
        exec.chargeCpu(process.hrtime.bigint() - started);
      }
    }
  }
}

/** The longest cache name the guest may use (`named:` plus what `caches.open` took). */
const maxCacheName = 1024 + 'named:'.length;

/** A Cache API cache of the execution's own scope, by the name the guest gave it. */
function apiSpace(ctx: OpContext, name: unknown): CacheSpace {
  if (typeof name !== 'string' || name.length > maxCacheName) throw new TypeError('cache name is not a string of at most 1024 characters');
  return { scope: ctx.options.cacheScope ?? 'local', kind: 'api', name };
}

/** Bytes in a list of arguments (and in the dictionaries among them, one level deep). */
function bytesIn(list: unknown[]): number {
  let total = 0;
  for (const value of list) {
    if (value instanceof Uint8Array) total += value.byteLength;
    else if (value !== null && typeof value === 'object') {
      for (const inner of Object.values(value)) if (inner instanceof Uint8Array) total += inner.byteLength;
    }
  }
  return total;
}
