/**
 * The EdgeOne API's guard against replayed changes. TC3 has no nonce, so a captured request
 * verifies again for as long as its timestamp is in the window; a verified signature is therefore
 * remembered for the window either side of the clock, and a change (any action but Describe*)
 * made with it is not made twice. A repeated read is allowed: it is harmless, and the SDK gives two
 * identical calls in one second the same signature.
 *
 * What this cannot stop: the official SDKs do not sign X-TC-Action, so the same body under another
 * action carries the same signature. A client's own calls do that too (DeleteFunction right after
 * DescribeFunctionRuntimeEnvironment with the same {ZoneId, FunctionId}), so the two cannot be told
 * apart. Someone who can read the traffic could re-send a body as another action within the
 * window: the admin port must not be reached over plain HTTP from other hosts (docs/teo-api.md).
 */
import { EdgefnError } from '../domain/errors.ts';
import { maxClockSkewSeconds } from './tc3.ts';

export class SignatureLog {
  // Insertion order is time order: the oldest entries are pruned from the front.
  readonly #seen = new Map<string, number>();
  readonly #windowMs: number;
  readonly #maxEntries: number;

  constructor(options: { windowMs?: number; maxEntries?: number } = {}) {
    this.#windowMs = options.windowMs ?? 2 * maxClockSkewSeconds * 1000;
    this.#maxEntries = options.maxEntries ?? 100_000;
  }

  /** Records a verified signature used for `action`; refuses a change made with it before. */
  use(signature: string, action: string, nowMs: number): void {
    for (const [key, at] of this.#seen) {
      if (nowMs - at <= this.#windowMs) break;
      this.#seen.delete(key);
    }
    if (action.startsWith('Describe')) return;
    const key = `${action} ${signature}`;
    if (this.#seen.has(key)) throw new EdgefnError('AuthFailure.SignatureFailure', `This signed ${action} request was already made once: a change is never replayed (sign it anew)`);
    // Only verified signatures get here, so only key holders fill the log; a full one forgets its oldest.
    if (this.#seen.size >= this.#maxEntries) this.#seen.delete(this.#seen.keys().next().value as string);
    this.#seen.set(key, nowMs);
  }
}
