/**
 * Who runs guest code when. Entries run on isolated-vm's thread pool, never on the event loop, one
 * isolate per thread at a time. An isolate with entries to run holds a thread (a permit) until it
 * has none left; this bounds how many isolates run at once (isolated-vm would otherwise start one
 * more thread per runnable isolate), hands free threads to the function with the fewest running
 * (so a busy function cannot take every thread while another waits), and watches running entries'
 * CPU time: an entry that uses the CPU time its execution has left is stopped at once.
 */
import { availableParallelism } from 'node:os';
import { backstop, type GuestIsolate } from './isolate.ts';

/** Threads running guest code at once, by default: every core, plus one so a core is not idle while the event loop hands out work. */
export const defaultThreads = availableParallelism() + 1;

/** How often running entries' CPU time is checked (ms). */
const watchEveryMs = 2;

interface Watched {
  isolate: GuestIsolate;
  startNs: bigint;
  budgetNs: bigint;
  /** performance.now() past which the entry has held its thread too long, CPU or not. */
  deadline: number;
  over(): void;
}

export class Scheduler {
  readonly threads: number;
  #running = 0;
  readonly #runningBy = new Map<object, number>();
  /** Who waits for a thread, per function, in arrival order; owners in the order they began waiting. */
  readonly #waiting = new Map<object, (() => void)[]>();
  readonly #watched = new Set<Watched>();
  #watchdog: NodeJS.Timeout | undefined;

  constructor(threads = defaultThreads) {
    this.threads = Math.max(1, Math.floor(threads));
  }

  /** Whether an isolate is waiting for a thread (one holding a thread should then let go soon). */
  get contended(): boolean {
    return this.#waiting.size > 0;
  }

  /** A thread for an isolate of `owner`: at once (true), or when one is free. Give it back with {@link release}. */
  acquire(owner: object): true | Promise<void> {
    if (this.#running < this.threads) {
      this.#take(owner);
      return true;
    }
    return new Promise<void>((grant) => this.#queue(owner, grant));
  }

  /**
   * Watches an entry running in `isolate` that may use `budgetMs` of CPU time counted from the
   * isolate's clock reading `fromNs`; calls `over` once when it has used more, or has held its
   * thread for the wall-clock backstop (isolate.ts) from now. Returns the function that stops
   * watching (call it when the entry ends).
   */
  watch(isolate: GuestIsolate, fromNs: bigint, budgetMs: number, over: () => void): () => void {
    const watched: Watched = { isolate, startNs: fromNs, budgetNs: BigInt(Math.ceil(budgetMs * 1e6)), deadline: performance.now() + backstop(budgetMs), over };
    this.#watched.add(watched);
    // The ticker runs while entries run and stops at the first tick with none (not per entry).
    this.#watchdog ??= setInterval(() => this.#check(), watchEveryMs).unref();
    return () => this.#watched.delete(watched);
  }

  #check(): void {
    if (this.#watched.size === 0) {
      clearInterval(this.#watchdog);
      this.#watchdog = undefined;
      return;
    }
    const now = performance.now();
    for (const watched of this.#watched) {
      if (watched.isolate.isDisposed) continue;
      const used = watched.isolate.cpuNs - watched.startNs;
      if (used > watched.budgetNs || now > watched.deadline) {
        this.#watched.delete(watched);
        watched.over();
      }
    }
  }

  #queue(owner: object, grant: () => void): void {
    const list = this.#waiting.get(owner);
    if (list) list.push(grant);
    else this.#waiting.set(owner, [grant]);
  }

  #take(owner: object): void {
    this.#running += 1;
    this.#runningBy.set(owner, (this.#runningBy.get(owner) ?? 0) + 1);
  }

  release(owner: object): void {
    this.#running -= 1;
    const left = (this.#runningBy.get(owner) ?? 1) - 1;
    if (left === 0) this.#runningBy.delete(owner);
    else this.#runningBy.set(owner, left);
    if (this.#waiting.size === 0) return;
    // The function with the fewest entries running goes next; among equals, the one waiting longest.
    let next: object | undefined;
    let fewest = Infinity;
    for (const candidate of this.#waiting.keys()) {
      const running = this.#runningBy.get(candidate) ?? 0;
      if (running < fewest) {
        next = candidate;
        fewest = running;
        if (running === 0) break;
      }
    }
    const list = this.#waiting.get(next!)!;
    const grant = list.shift()!;
    this.#waiting.delete(next!);
    if (list.length > 0) this.#waiting.set(next!, list); // to the back of the line
    this.#take(next!);
    grant();
  }
}
