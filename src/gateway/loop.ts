/**
 * Loop and fan-out limits for functions that call the platform (their own host through a resolve
 * override, or another zone served by the same gateway). Every subrequest a function makes carries
 * a `CDN-Loop` entry (RFC 8586) that the host writes after the function's own headers, so the
 * function cannot remove or lower it: `edgefn; loops=<depth>; tree=<id>`. The gateway refuses a
 * request that arrives too deep, and counts executions per tree (one client request and everything
 * it caused), so one request cannot turn into thousands of executions.
 *
 * Trust: a client can send such an entry too. That only ever makes its own request deeper or
 * shares a budget with a tree id it made up; it cannot lower another request's depth or reach a
 * tree it does not know (ids are random UUIDs, 122 bits).
 */
import { randomUUID } from 'node:crypto';

export const loopHeader = 'cdn-loop';
const token = 'edgefn';

export interface LoopState {
  /** How many function executions led to this request (0 for a client's own request). */
  depth: number;
  tree: string;
}

export interface LoopLimits {
  /** A request this many executions deep is refused. */
  maxDepth: number;
  /** Executions one tree may run on this node. */
  maxExecutions: number;
}

const maxTrees = 100_000;

export const defaultLoopLimits: Readonly<LoopLimits> = Object.freeze({ maxDepth: 8, maxExecutions: 128 });

/** The loop state a request carries: the last `edgefn` entry of its CDN-Loop header, if valid. */
export function readLoop(value: string | string[] | undefined): LoopState | undefined {
  const text = Array.isArray(value) ? value.join(',') : value;
  if (!text) return undefined;
  let found: LoopState | undefined;
  for (const entry of text.split(',')) {
    const [id, ...params] = entry.split(';').map((part) => part.trim());
    if (id?.toLowerCase() !== token) continue;
    let depth = NaN;
    let tree = '';
    for (const param of params) {
      const eq = param.indexOf('=');
      const name = param.slice(0, eq).trim().toLowerCase();
      const v = param.slice(eq + 1).trim();
      if (name === 'loops' && /^\d{1,4}$/.test(v)) depth = Number(v);
      else if (name === 'tree' && /^[A-Za-z0-9_-]{8,64}$/.test(v)) tree = v;
    }
    if (Number.isInteger(depth) && tree) found = { depth, tree };
  }
  return found;
}

/** A fresh tree for a request that carries none. */
export function newLoop(): LoopState {
  // Unguessable, so a client cannot charge its requests to another client's tree; randomUUID
  // draws from a buffered pool (randomBytes(16) per request was 11% of the gateway's CPU).
  return { depth: 0, tree: randomUUID() };
}

/**
 * The headers of a subrequest made by an execution at `state`: the function's headers with any
 * `edgefn` CDN-Loop entries it wrote removed, and one entry for the next hop appended.
 */
export function stampLoop(headers: string[], state: LoopState): string[] {
  const out: string[] = [];
  const kept: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() !== loopHeader) {
      out.push(headers[i]!, headers[i + 1]!);
      continue;
    }
    for (const entry of headers[i + 1]!.split(',')) {
      const id = entry.split(';')[0]!.trim().toLowerCase();
      if (id !== token && entry.trim() !== '') kept.push(entry.trim());
    }
  }
  kept.push(`${token}; loops=${state.depth + 1}; tree=${state.tree}`);
  out.push(loopHeader, kept.join(', '));
  return out;
}

/** Counts executions per tree and says whether one more may run. */
export class LoopGuard {
  readonly #limits: LoopLimits;
  readonly #trees = new Map<string, { executions: number; seen: number }>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(limits: Partial<LoopLimits> = {}, ttlMs = 10 * 60_000) {
    this.#limits = { ...defaultLoopLimits, ...limits };
    this.#sweeper = setInterval(() => {
      const cutoff = Date.now() - ttlMs;
      for (const [tree, entry] of this.#trees) if (entry.seen < cutoff) this.#trees.delete(tree);
    }, Math.min(ttlMs, 60_000));
    this.#sweeper.unref();
  }

  /** Null when the execution may run; otherwise why not. */
  admit(state: LoopState): string | null {
    if (state.depth >= this.#limits.maxDepth) return `Request loop: ${state.depth} function executions deep (at most ${this.#limits.maxDepth - 1})`;
    if (state.depth === 0) return null; // a client's own request starts a tree but is not counted against it
    let entry = this.#trees.get(state.tree);
    if (!entry) {
      // Tree ids can be made up by clients: keep the table bounded (oldest trees go first).
      if (this.#trees.size >= maxTrees) this.#trees.delete(this.#trees.keys().next().value!);
      entry = { executions: 0, seen: 0 };
      this.#trees.set(state.tree, entry);
    }
    entry.executions += 1;
    entry.seen = Date.now();
    if (entry.executions > this.#limits.maxExecutions) return `Request fan-out: more than ${this.#limits.maxExecutions} function executions caused by one request`;
    return null;
  }

  close(): void {
    clearInterval(this.#sweeper);
    this.#trees.clear();
  }
}
