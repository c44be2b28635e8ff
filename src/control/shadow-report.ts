/**
 * Shadow reports: the pairs of production answers and their shadow copies' answers, summarised
 * per replica since its shadow setting was made. A pair matches when both had the same outcome
 * and, when both answered, the same status, compared headers and body; otherwise it counts once
 * for each kind of difference, with a few examples of each. Kept in memory by the serving process
 * (a restart starts every report again), one per replica whose shadow is on.
 */
import { isFailure, type ShadowNote, type ShadowSide } from '../domain/replica-traffic.ts';

/** Examples kept per kind of difference. */
const examplesPerKind = 5;
/** Reports kept at once (one per function with a shadow on; past it, the oldest goes). */
const maxReports = 1000;

type Pair = NonNullable<ShadowNote['pair']>;

interface Side {
  requests: number;
  failures: number;
}

export interface ShadowReport {
  since: string;
  pairs: number;
  matches: number;
  /** Copies not made because too many were in flight (the lane is slower than the sample). */
  skipped: number;
  /** By kind: `outcome`, `status`, `header:<name>`, `body`. */
  mismatches: Record<string, { count: number; examples: Pair[] }>;
  production: Side & { errorRate: number | null };
  replica: Side & { errorRate: number | null };
}

/** The kinds of difference between two answers (none: they match). */
export function differences(pair: Pair): string[] {
  const { production: a, replica: b } = pair;
  if (a.outcome !== b.outcome) return ['outcome'];
  // Both passed to the origin, or both failed the same way: nothing more to compare.
  if (a.outcome !== 'ok') return [];
  const kinds: string[] = [];
  if (a.status !== b.status) kinds.push('status');
  for (const name of new Set([...Object.keys(a.headers), ...Object.keys(b.headers)])) {
    if (a.headers[name] !== b.headers[name]) kinds.push(`header:${name}`);
  }
  // HEAD answers have no body; a body not hashed (too large, cut short) is not compared.
  if (pair.method !== 'HEAD' && a.bodySha256 !== null && b.bodySha256 !== null && a.bodySha256 !== b.bodySha256) kinds.push('body');
  return kinds;
}

/** Characters of a header value an example keeps. */
const maxExampleValue = 256;

/**
 * An example as kept: like invocation records, it leaves out query strings, which may hold a
 * client's tokens (a redirect's Location often carries one); and values are cut short, since a
 * function chooses them (up to 128 KB of headers) and every report keeps up to 30 examples.
 */
function redacted(pair: Pair): Pair {
  const side = (s: ShadowSide): ShadowSide => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(s.headers)) {
      const kept = name === 'location' ? value.replace(/\?.*$/s, '?…') : value;
      headers[name] = kept.length > maxExampleValue ? `${kept.slice(0, maxExampleValue)}…` : kept;
    }
    return { ...s, headers };
  };
  return { ...pair, production: side(pair.production), replica: side(pair.replica) };
}

const failed = (side: ShadowSide): boolean => isFailure(side.outcome, side.status);

const rateOf = (side: Side): Side & { errorRate: number | null } => ({ ...side, errorRate: side.requests === 0 ? null : side.failures / side.requests });

export class ShadowReports {
  readonly #reports = new Map<string, ShadowReport>();

  take(note: ShadowNote): void {
    const key = `${note.functionId}\n${note.replica}`;
    let report = this.#reports.get(key);
    // A note made under an older setting belongs to a report that is gone.
    if (report && note.since < report.since) return;
    if (!report || note.since > report.since) {
      report = { since: note.since, pairs: 0, matches: 0, skipped: 0, mismatches: {}, production: { requests: 0, failures: 0, errorRate: null }, replica: { requests: 0, failures: 0, errorRate: null } };
      this.#reports.delete(key);
      if (this.#reports.size >= maxReports) this.#reports.delete(this.#reports.keys().next().value!);
      this.#reports.set(key, report);
    }
    if (note.skipped) {
      report.skipped += 1;
      return;
    }
    const pair = note.pair;
    if (!pair) return;
    report.pairs += 1;
    report.production.requests += 1;
    report.replica.requests += 1;
    if (failed(pair.production)) report.production.failures += 1;
    if (failed(pair.replica)) report.replica.failures += 1;
    const kinds = differences(pair);
    if (kinds.length === 0) report.matches += 1;
    for (const kind of kinds) {
      const entry = (report.mismatches[kind] ??= { count: 0, examples: [] });
      entry.count += 1;
      if (entry.examples.length < examplesPerKind) entry.examples.push(redacted(pair));
    }
  }

  /** The report of a replica's shadow that started at `since` (empty when no pair has come yet). */
  report(functionId: string, replica: string, since: string): ShadowReport {
    const report = this.#reports.get(`${functionId}\n${replica}`);
    const found = report?.since === since ? report : undefined;
    const empty = { requests: 0, failures: 0 };
    return {
      since,
      pairs: found?.pairs ?? 0,
      matches: found?.matches ?? 0,
      skipped: found?.skipped ?? 0,
      mismatches: structuredClone(found?.mismatches ?? {}),
      production: rateOf(found?.production ?? empty),
      replica: rateOf(found?.replica ?? empty),
    };
  }

  /** When the replica's latest report started, if there is one. */
  latestSince(functionId: string, replica: string): string | undefined {
    return this.#reports.get(`${functionId}\n${replica}`)?.since;
  }
}
