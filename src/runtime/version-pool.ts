/**
 * The isolates of one loaded function version. One isolate runs one entry at a time, so when a
 * version's requests queue for long enough to matter ({@link growAfterWaitMs}), the pool loads the
 * same code into another isolate (up to a bound per version), and a new request goes to the
 * isolate with the shortest line. A version whose entries
 * take long runs in fewer isolates at once than there are cores, so a busy function never holds
 * every core. An execution stays in the
 * isolate it started in. Extra isolates are dropped again after a short idle time; each isolate has
 * its own globals, as on any platform that runs a function in several isolates.
 */
import { HostLedger } from './memory.ts';
import type { Slot } from './slot.ts';

export interface VersionPoolLimits {
  /** Isolates this version may have at once. */
  isolates: number;
  /**
   * Isolates a version whose entries take long (over {@link heavyEntryMs} of CPU on average) may
   * run at once: fewer than the cores, so others keep a core while it computes.
   */
  heavyIsolates: number;
  /** Entries that may wait in all of the version's isolates; past that, new requests are refused. */
  queue: number;
}

/** CPU time per entry above which a version counts as heavy (ms). */
export const heavyEntryMs = 1;

/**
 * Another isolate is loaded when a new request would wait at least this long (the CPU time of the
 * entries ahead of it) in the least busy one: about what loading one costs. A light function's
 * isolate keeps up with an event loop's worth of requests on its own (a hello world's entry takes
 * some 30 µs of its thread): more isolates would only add heaps to collect and threads to wake.
 */
export const growAfterWaitMs = 5;

/**
 * How long a burst at an isolate that has not run a request yet waits, once, to learn what one
 * costs before another isolate is loaded for it (see {@link VersionPool.pick}).
 */
export const learnCostMs = 1;

/** Which isolate runs a new request, or why none does. */
export type Pick = { slot: Slot } | { busy: true };

/** How long a request added to `slot`'s line would wait: the CPU time of the entries ahead (unknown: forever). */
function expectedWaitMs(slot: Slot): number {
  return slot.queued * (slot.averageCpuMs ?? Infinity);
}

export class VersionPool {
  readonly #slots: Slot[];
  /** What the host holds for the version, counted once for all its isolates. */
  readonly #ledger = new HostLedger();
  readonly #limits: VersionPoolLimits;
  /** Loads the version into one more isolate; resolves to null when that is not possible now. */
  readonly #grow: () => Promise<Slot | null>;
  #growing: Promise<Slot | null> | undefined;
  #learning: Promise<void> | undefined;
  lastUsed = Date.now();

  constructor(first: Slot, limits: VersionPoolLimits, grow: () => Promise<Slot | null>) {
    this.#slots = [];
    this.#add(first);
    this.#limits = limits;
    this.#grow = grow;
  }

  get size(): number {
    return this.#slots.length;
  }

  get slots(): readonly Slot[] {
    return this.#slots;
  }

  /** Whether every isolate has died (memory or CPU limit); the version then loads afresh. */
  get dead(): boolean {
    this.#dropDead();
    return this.#slots.length === 0;
  }

  /**
   * Chooses the isolate for a new request and reserves a place in its line (the request must
   * start in it at once: Slot.start). Answers at once unless it waits for a new isolate.
   */
  pick(): Pick | Promise<Pick> {
    this.lastUsed = Date.now();
    const now = this.#choose(true);
    if (now === 'wait' || now === 'learn') return this.#chooseLater(now);
    return now;
  }

  async #chooseLater(reason: 'wait' | 'learn'): Promise<Pick> {
    for (;;) {
      let grown: Slot | null | undefined;
      if (reason === 'learn') await this.#learnCost();
      else grown = await this.#growing;
      const now = this.#choose(false);
      if (now !== 'wait' && now !== 'learn') return now;
      if (reason === 'wait' && !grown) {
        const least = this.#leastQueued();
        return least ? this.#reserve(least) : { busy: true };
      }
      reason = 'wait';
    }
  }

  /** Waits {@link learnCostMs}, one timer for every request that waits meanwhile. */
  #learnCost(): Promise<void> {
    this.#learning ??= new Promise<void>((resolve) => setTimeout(resolve, learnCostMs)).then(() => {
      this.#learning = undefined;
    });
    return this.#learning;
  }

  /**
   * The isolate for a new request, 'wait' for one being loaded, or 'learn' (only when `patient`):
   * every isolate has a line and none has run a request yet, so wait a moment to learn what one
   * costs before loading another. A request ahead that has not ended by then took that long.
   *
   * Requests are packed: the first isolate (in the order they were loaded) that is idle or whose
   * line is short gets the request. Spreading them would keep every extra isolate busy for good;
   * packed, an extra isolate no longer needed runs nothing and is retired when idle.
   */
  #choose(patient: boolean): Pick | 'wait' | 'learn' {
    this.#dropDead();
    // A heavy version already running in as many isolates as it may waits in their lines.
    const capped = this.#heavy() && this.#slots.reduce((n, slot) => (slot.queued > 0 ? n + 1 : n), 0) >= this.#limits.heavyIsolates;
    let waiting = 0;
    for (const slot of this.#slots) waiting += slot.queued;
    for (const slot of this.#slots) {
      if (slot.queued === 0 ? !capped : waiting < this.#limits.queue && expectedWaitMs(slot) < growAfterWaitMs) return this.#reserve(slot);
    }
    const best = this.#leastQueued(capped);
    if (!best) return { busy: true }; // every isolate died while this request waited for a new one
    if (waiting >= this.#limits.queue) return { busy: true };
    if (this.#growing) return 'wait';
    if (best.averageCpuMs === undefined && patient) return 'learn';
    if (!capped && this.#mayGrow()) this.#startGrowing();
    // A new isolate is ready in a few milliseconds; an entry ahead in line may take far longer.
    return this.#growing ? 'wait' : this.#reserve(best);
  }

  #reserve(slot: Slot): Pick {
    slot.reserve();
    return { slot };
  }

  /** The isolate with the shortest line (among those with a line, when `busyOnly`). */
  #leastQueued(busyOnly = false): Slot | undefined {
    let best: Slot | undefined;
    for (const slot of this.#slots) {
      if (busyOnly && slot.queued === 0) continue;
      if (!best || slot.queued < best.queued) best = slot;
    }
    return best;
  }

  /**
   * Another isolate is worth it while the version's isolates are small: one that keeps a large
   * heap (a big table in a global, say) would be copied, and each copy may grow to the limit.
   */
  #mayGrow(): boolean {
    return (
      this.#slots.length < (this.#heavy() ? this.#limits.heavyIsolates : this.#limits.isolates) &&
      this.#slots.every((slot) => slot.memory.used() <= slot.memory.limitBytes / 2)
    );
  }

  /** Whether the version's entries take long: it then runs in at most `heavyIsolates` isolates at once. */
  #heavy(): boolean {
    return this.#slots.some((slot) => (slot.averageCpuMs ?? 0) > heavyEntryMs);
  }

  #add(slot: Slot): void {
    slot.group = this;
    slot.memory.share(this.#ledger);
    this.#slots.push(slot);
  }

  #startGrowing(): void {
    const growing = this.#grow().then(
      (slot) => {
        if (slot) this.#add(slot);
        return slot;
      },
      () => null,
    );
    this.#growing = growing;
    void growing.then(() => {
      if (this.#growing === growing) this.#growing = undefined;
    });
  }

  /** Retires isolates idle since `cutoff` (all but the first since `extraCutoff`); returns how many. */
  sweep(cutoff: number, extraCutoff: number): number {
    let retired = 0;
    for (let i = this.#slots.length - 1; i >= 0; i--) {
      const slot = this.#slots[i]!;
      if (slot.running === 0 && slot.lastUsed < (i === 0 ? cutoff : extraCutoff)) {
        this.#slots.splice(i, 1);
        slot.retire();
        retired += 1;
      }
    }
    return retired;
  }

  /** Retires every isolate (eviction); running executions finish first. */
  retire(): void {
    for (const slot of this.#slots.splice(0)) slot.retire();
  }

  #dropDead(): void {
    for (let i = this.#slots.length - 1; i >= 0; i--) if (this.#slots[i]!.dead) this.#slots.splice(i, 1);
  }
}
