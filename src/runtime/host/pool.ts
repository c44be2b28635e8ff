/**
 * A bounded, fair pool for expensive host work done on behalf of functions (image conversion,
 * Web Crypto). At most `concurrency` jobs run at once, so that work never takes all of libuv's
 * threads (which DNS, zlib and the file system share); waiting jobs are taken round-robin by owner
 * (one isolate), so a function that queues many jobs delays its own, not other tenants'; and each
 * owner may have only a few jobs waiting or running at once.
 */

/** Refused because the owner already has as many jobs as it may. */
export class PoolBusyError extends Error {
  constructor(what: string, perOwner: number) {
    super(`Too many ${what} operations at once: at most ${perOwner} per function`);
    this.name = 'QuotaExceededError';
  }
}

export interface PoolOptions {
  /** What the pool does, for error messages. */
  what: string;
  concurrency: number;
  /** Jobs one owner may have waiting or running. */
  perOwner: number;
}

interface Job {
  run(): Promise<unknown>;
  charge(ms: number): void;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class FairPool<Owner> {
  readonly #options: PoolOptions;
  readonly #queues = new Map<Owner, Job[]>();
  readonly #counts = new Map<Owner, number>();
  #running = 0;

  constructor(options: PoolOptions) {
    this.#options = options;
  }

  /** Runs `work` for `owner` when its turn comes; `charge` learns how long it ran (ms), done or failed. */
  run<T>(owner: Owner, work: () => Promise<T>, charge: (ms: number) => void): Promise<T> {
    const count = this.#counts.get(owner) ?? 0;
    if (count >= this.#options.perOwner) return Promise.reject(new PoolBusyError(this.#options.what, this.#options.perOwner));
    this.#counts.set(owner, count + 1);
    return new Promise((resolve, reject) => {
      const job: Job = { run: work, charge, resolve: resolve as Job['resolve'], reject };
      const queue = this.#queues.get(owner);
      if (queue) queue.push(job);
      else this.#queues.set(owner, [job]);
      this.#next();
    });
  }

  #next(): void {
    while (this.#running < this.#options.concurrency && this.#queues.size > 0) {
      // Round-robin: the owner first in line gives one job and goes to the back.
      const [owner, queue] = this.#queues.entries().next().value as [Owner, Job[]];
      const job = queue.shift()!;
      this.#queues.delete(owner);
      if (queue.length > 0) this.#queues.set(owner, queue);
      this.#running++;
      const started = performance.now();
      Promise.resolve()
        .then(() => job.run())
        .then(job.resolve, job.reject)
        .finally(() => {
          job.charge(performance.now() - started);
          this.#running--;
          const left = (this.#counts.get(owner) ?? 1) - 1;
          if (left === 0) this.#counts.delete(owner);
          else this.#counts.set(owner, left);
          this.#next();
        });
    }
  }
}
