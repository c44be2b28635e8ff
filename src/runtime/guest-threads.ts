/**
 * The threads that run guest code yield to the event loop. isolated-vm runs entries on a pool of
 * native threads the host hands work to on every request; on Linux a thread woken with work
 * preempts the one that woke it, so each hand-over cost the event loop a context switch (hello
 * world through the gateway on 2 cores: 13.5k req/s, against 19.4k once the pool stopped
 * preempting). The pool threads run under SCHED_BATCH: the same share of the CPU as any other
 * thread (same nice value), but never preempting on wake-up.
 *
 * isolated-vm starts its threads itself, so they are found in /proc/self/task (native threads
 * inherit the name of the thread that started them, "MainThread") once a second and given the
 * policy with chrt(1). Threads under another policy already (the replica lane runs SCHED_IDLE)
 * are left alone. Elsewhere than Linux, or without chrt, nothing changes.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const SCHED_OTHER = 0;

export class GuestThreadPolicy {
  readonly #seen = new Set<number>();
  readonly #timer: NodeJS.Timeout | undefined;
  #working = process.platform === 'linux';

  constructor(everyMs = 1000) {
    if (!this.#working) return;
    this.#timer = setInterval(() => this.scan(), everyMs).unref();
  }

  /** Gives threads started since the last scan the policy. */
  scan(): void {
    if (!this.#working) return;
    let tids: number[];
    try {
      tids = readdirSync('/proc/self/task').map(Number);
    } catch {
      this.#working = false;
      return;
    }
    const alive = new Set(tids);
    for (const tid of this.#seen) if (!alive.has(tid)) this.#seen.delete(tid); // ids are reused
    for (const tid of tids) {
      if (tid === process.pid || this.#seen.has(tid)) continue;
      this.#seen.add(tid);
      if (!isGuestThread(tid)) continue;
      execFile('chrt', ['--batch', '--pid', '0', String(tid)], (error) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') this.#working = false;
      });
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}

/** An isolated-vm pool thread still under the default policy. */
function isGuestThread(tid: number): boolean {
  try {
    if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== 'MainThread') return false;
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[38]) === SCHED_OTHER;
  } catch {
    return false; // the thread ended
  }
}
