/**
 * An index that lets the matcher skip rules that cannot match a request. For each condition
 * group it takes one necessary condition that a lookup can check — `host equal` with literal
 * hosts, or `url equal` whose patterns all fix the first path segment — and files the rule under
 * those hosts and segments. A rule with a group that has no such condition is always a candidate.
 * Candidates come out in rule order, so "first match wins" is unchanged.
 */
import type { ConditionGroup } from './rules.ts';

type Guard = { kind: 'host'; keys: string[] } | { kind: 'segment'; keys: string[] };

/** The first path segment a url pattern forces (e.g. '/a/*' → 'a'), or undefined when it leaves it open. */
function segmentOfPattern(pattern: string): string | undefined {
  if (pattern === 'all') return undefined;
  const star = pattern.indexOf('*');
  const literal = star === -1 ? pattern : pattern.slice(0, star);
  if (!literal.startsWith('/')) return undefined;
  const end = literal.indexOf('/', 1);
  if (end !== -1) return literal.slice(1, end);
  return star === -1 ? literal.slice(1) : undefined;
}

/** The first path segment of a request path ('' for '/'). */
export function segmentOfPath(path: string): string {
  const end = path.indexOf('/', 1);
  return end === -1 ? path.slice(1) : path.slice(1, end);
}

function guardOf(group: ConditionGroup): Guard | undefined {
  for (const c of group) {
    if (c.target === 'host' && c.operator === 'equal' && c.values.length > 0 && !c.values.includes('all')) {
      return { kind: 'host', keys: c.values.map((v) => v.toLowerCase()) };
    }
  }
  for (const c of group) {
    if (c.target === 'url' && c.operator === 'equal' && !c.ignoreCase && c.values.length > 0) {
      const keys = c.values.map(segmentOfPattern);
      if (keys.every((k): k is string => k !== undefined)) return { kind: 'segment', keys };
    }
  }
  return undefined;
}

export interface RuleIndex {
  byHost: Map<string, number[]>;
  bySegment: Map<string, number[]>;
  always: number[];
}

const file = (map: Map<string, number[]>, key: string, rule: number): void => {
  const list = map.get(key);
  if (!list) map.set(key, [rule]);
  else if (list[list.length - 1] !== rule) list.push(rule);
};

/** Builds the index for rules given in order (the index of a rule is its position). */
export function buildRuleIndex(rules: readonly (readonly ConditionGroup[])[]): RuleIndex {
  const index: RuleIndex = { byHost: new Map(), bySegment: new Map(), always: [] };
  rules.forEach((groups, i) => {
    const guards = groups.filter((g) => g.length > 0).map(guardOf);
    if (guards.some((g) => g === undefined)) {
      index.always.push(i);
      return;
    }
    for (const guard of guards as Guard[]) {
      for (const key of guard.keys) file(guard.kind === 'host' ? index.byHost : index.bySegment, key, i);
    }
  });
  return index;
}

const none: readonly number[] = [];

/**
 * Calls `visit` with each candidate rule for a request, in rule order, until it returns true.
 * Merges three sorted lists without allocating.
 */
export function visitCandidates(index: RuleIndex, host: string, path: string, visit: (rule: number) => boolean): void {
  const a = index.byHost.get(host) ?? none;
  const b = index.bySegment.get(segmentOfPath(path)) ?? none;
  const c = index.always;
  let ia = 0;
  let ib = 0;
  let ic = 0;
  for (;;) {
    const va = ia < a.length ? a[ia]! : Infinity;
    const vb = ib < b.length ? b[ib]! : Infinity;
    const vc = ic < c.length ? c[ic]! : Infinity;
    const next = Math.min(va, vb, vc);
    if (next === Infinity) return;
    if (va === next) ia++;
    if (vb === next) ib++;
    if (vc === next) ic++;
    if (visit(next)) return;
  }
}
