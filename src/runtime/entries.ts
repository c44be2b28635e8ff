/**
 * The line of entries into one isolate. isolated-vm runs an isolate's entries one after the other
 * on a pool thread; handing it one entry at a time and waiting for each to come back costs a round
 * trip between threads per entry, which halved hello-world throughput. So the line keeps up to
 * {@link maxInFlight} entries submitted at once while it holds a thread from the scheduler, and
 * gives the thread back when it has nothing left (or, if another isolate waits, after what it
 * has submitted).
 *
 * Entries end in the order they were submitted, so the first one still running is the one on the
 * thread: host work done during it is charged to its execution, and the isolate's CPU clock read
 * when an entry ends, minus its reading when the one before ended, is that entry's CPU time (the
 * clock counts only while an entry runs; what the next entry ran before the main thread read it is
 * charged to the earlier one). The watchdog follows the first running entry.
 */
import type { Execution } from './execution.ts';
import type { GuestIsolate } from './isolate.ts';
import type { Scheduler } from './scheduler.ts';

/** Entries submitted to isolated-vm at once per isolate. */
export const maxInFlight = 8;

export interface EntryJob {
  /** Whom the entry runs for: its CPU time is charged there (none while code loads). */
  readonly exec: Execution | undefined;
  /** Called when the entry's turn comes: starts it, or answers undefined when it no longer runs. */
  start(): { budgetMs: number; entry: Promise<unknown> } | undefined;
  /** The entry ended, its CPU time charged: with its result, or what it threw. */
  end(ok: boolean, value: unknown): void;
}

export interface EntryLineOptions {
  isolate(): GuestIsolate;
  scheduler: Scheduler;
  /** Whose share of the scheduler's threads the line uses (the isolate's function version). */
  owner(): object;
  /** The running entry of `job` used its whole budget (`usedNs` of CPU): stop it. */
  overBudget(job: EntryJob, usedNs: bigint): void;
}

/** How much of each new entry's CPU time moves the line's average (see {@link EntryLine.averageCpuMs}). */
const averageWeight = 0.1;

interface Running {
  job: EntryJob;
  budgetMs: number;
}

export class EntryLine {
  readonly #options: EntryLineOptions;
  readonly #waiting: EntryJob[] = [];
  readonly #running: Running[] = [];
  #permit: 'none' | 'asking' | 'held' = 'none';
  /** Whom the thread was granted for (given back in the same name if the owner changes meanwhile). */
  #permitOwner: object | undefined;
  /** Entries submitted since the thread was granted. */
  #submitted = 0;
  /** The isolate's CPU clock when the last entry ended (or the line started running). */
  #cpuMark = 0n;
  #unwatch: (() => void) | undefined;
  #pumping = false;
  #averageCpuMs: number | undefined;
  #firstEntryDone = false;

  constructor(options: EntryLineOptions) {
    this.#options = options;
  }

  /** Entries waiting or running. */
  get length(): number {
    return this.#waiting.length + this.#running.length;
  }

  /** Whether no entry is running (the isolate can be inspected without waiting for one). */
  get idle(): boolean {
    return this.#running.length === 0;
  }

  /**
   * CPU time per entry of an execution, a moving average over the last few dozen (ms); undefined
   * until two have ended. Loading code is not counted, nor the first entry (it loads the Web APIs
   * the function uses, and may take 20 times as long as the rest).
   */
  get averageCpuMs(): number | undefined {
    return this.#averageCpuMs;
  }

  /** The execution whose entry is on the thread now. */
  get current(): Execution | undefined {
    return this.#running[0]?.job.exec;
  }

  submit(job: EntryJob): void {
    this.#waiting.push(job);
    this.#pump();
  }

  #pump(): void {
    // Starting or ending a job can submit another (an execution failing, say): the loop below takes it.
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      this.#pumpNow();
    } finally {
      this.#pumping = false;
    }
  }

  #pumpNow(): void {
    const { scheduler } = this.#options;
    for (;;) {
      if (this.#permit === 'none') {
        if (this.#waiting.length === 0) return;
        this.#permitOwner = this.#options.owner();
        const granted = scheduler.acquire(this.#permitOwner);
        if (granted !== true) {
          this.#permit = 'asking';
          void granted.then(() => {
            this.#granted();
            this.#pump();
          });
          return;
        }
        this.#granted();
      }
      if (this.#permit !== 'held') return;
      while (this.#waiting.length > 0 && this.#running.length < maxInFlight && !(this.#submitted > 0 && scheduler.contended)) {
        const job = this.#waiting.shift()!;
        const started = job.start();
        if (!started) continue;
        this.#submitted += 1;
        if (this.#running.length === 0) this.#cpuMark = this.#cpuNow() ?? 0n;
        this.#running.push({ job, budgetMs: started.budgetMs });
        if (this.#running.length === 1) this.#watchFirst();
        started.entry.then(
          (value) => this.#ended(job, true, value),
          (error: unknown) => this.#ended(job, false, error),
        );
      }
      if (this.#running.length > 0) return;
      // Nothing running: the thread goes back; jobs still waiting ask again, behind the others.
      this.#permit = 'none';
      scheduler.release(this.#permitOwner!);
      if (this.#waiting.length === 0) return;
    }
  }

  #granted(): void {
    this.#permit = 'held';
    this.#submitted = 0;
  }

  #ended(job: EntryJob, ok: boolean, value: unknown): void {
    const at = this.#running.findIndex((r) => r.job === job);
    this.#running.splice(at, 1);
    const now = this.#cpuNow();
    if (now !== undefined) {
      const used = now - this.#cpuMark;
      this.#cpuMark = now;
      if (job.exec) {
        job.exec.chargeCpu(used);
        const ms = Number(used) / 1e6;
        if (!this.#firstEntryDone) this.#firstEntryDone = true;
        else this.#averageCpuMs = this.#averageCpuMs === undefined ? ms : this.#averageCpuMs + (ms - this.#averageCpuMs) * averageWeight;
      }
    }
    if (at === 0) {
      this.#unwatch?.();
      this.#unwatch = undefined;
      if (this.#running.length > 0) this.#watchFirst();
    }
    try {
      job.end(ok, value);
    } finally {
      this.#pump();
    }
  }

  #watchFirst(): void {
    const first = this.#running[0]!;
    const isolate = this.#options.isolate();
    if (isolate.isDisposed) return;
    // Counted from the mark: what ran since the last entry ended belongs to this one.
    this.#unwatch = this.#options.scheduler.watch(isolate, this.#cpuMark, first.budgetMs, () =>
      this.#options.overBudget(first.job, (this.#cpuNow() ?? this.#cpuMark) - this.#cpuMark),
    );
  }

  #cpuNow(): bigint | undefined {
    const isolate = this.#options.isolate();
    return isolate.isDisposed ? undefined : isolate.cpuNs;
  }
}
