/** Trigger-rule actions: which function runs (direct, weighted canary, or by region). */
import { EdgefnError } from './errors.ts';
import { isRecord, maxActionTargets, type RuleAction, type Sticky } from './rules.ts';

function failAction(message: string): never {
  throw new EdgefnError('InvalidParameter.InvalidParameter', `Invalid rule action: ${message}.`);
}

function parseFunctionId(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.length === 0) failAction(`${where} needs a functionId (a non-empty string)`);
  return value;
}

function parseTargets(input: Record<string, unknown>, allowed: readonly string[]): Record<string, unknown>[] {
  const { targets } = input;
  if (!Array.isArray(targets) || targets.length === 0) failAction(`a ${String(input.type)} action needs a non-empty targets array`);
  if (targets.length > maxActionTargets) failAction(`at most ${maxActionTargets} targets are allowed, got ${targets.length}`);
  const seen = new Set<string>();
  return targets.map((target: unknown, i) => {
    if (!isRecord(target)) failAction(`target ${i + 1} must be an object`);
    for (const key of Object.keys(target)) {
      if (!allowed.includes(key)) failAction(`target ${i + 1} has unknown field ${JSON.stringify(key)}`);
    }
    const functionId = parseFunctionId(target.functionId, `target ${i + 1}`);
    if (seen.has(functionId)) failAction(`function ${functionId} is listed twice`);
    seen.add(functionId);
    return target;
  });
}

const regionPattern = /^[A-Z]{2}(?:\.[A-Z0-9]{1,3})?$/;
/** An HTTP token: what cookie and header names are made of. */
const tokenPattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;

function failSticky(message: string): never {
  throw new EdgefnError('InvalidParameter.InvalidParameter', `Invalid sticky setting: ${message}.`);
}

export function parseSticky(input: unknown): Sticky {
  if (!isRecord(input)) failSticky('sticky must be an object: {by: "cookie"|"header", name} or {by: "client_ip"}');
  const { by, name } = input;
  if (by === 'client_ip') {
    for (const key of Object.keys(input)) if (key !== 'by') failSticky(`sticky has unknown field ${JSON.stringify(key)}`);
    return { by };
  }
  if (by !== 'cookie' && by !== 'header') failSticky('sticky.by must be cookie, header or client_ip');
  for (const key of Object.keys(input)) if (key !== 'by' && key !== 'name') failSticky(`sticky has unknown field ${JSON.stringify(key)}`);
  if (typeof name !== 'string' || !tokenPattern.test(name)) failSticky(`sticky by ${by} needs a name: 1-128 characters of an HTTP token`);
  return { by, name: by === 'header' ? name.toLowerCase() : name };
}

/**
 * Parses API input for a rule action. Errors are `InvalidParameter.InvalidParameter`.
 * - `{type: 'direct', functionId}`.
 * - `{type: 'weight', targets: [{functionId, weight}], sticky?}`: 1-5 distinct functions, integer
 *   weights 0-100 summing to 100; `sticky` as in {@link Sticky}.
 * - `{type: 'region', targets: [{functionId, regions}]}`: 1-5 distinct functions; regions are
 *   ISO 3166 codes (`CN`) or subdivisions (`CN.GD`), folded to uppercase; exactly one `Default`
 *   overall. Regions may not overlap: a code listed twice is refused. A country and one of its
 *   subdivisions may both be listed: the most specific entry wins (`CN.GD` before `CN`), as
 *   {@link selectFunctionId} picks.
 */
export function parseRuleAction(input: unknown): RuleAction {
  if (!isRecord(input)) failAction('expected an object with a type');
  const { type } = input;
  switch (type) {
    case 'direct': {
      for (const key of Object.keys(input)) if (key !== 'type' && key !== 'functionId') failAction(`unknown field ${JSON.stringify(key)}`);
      return { type, functionId: parseFunctionId(input.functionId, 'a direct action') };
    }
    case 'weight': {
      for (const key of Object.keys(input)) if (key !== 'type' && key !== 'targets' && key !== 'sticky') failAction(`unknown field ${JSON.stringify(key)}`);
      const targets = parseTargets(input, ['functionId', 'weight']).map((target, i) => {
        const { weight } = target;
        if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 100) {
          failAction(`target ${i + 1} needs an integer weight from 0 to 100`);
        }
        return { functionId: String(target.functionId), weight };
      });
      const sum = targets.reduce((total, target) => total + target.weight, 0);
      if (sum !== 100) failAction(`weights must add up to 100, they add up to ${sum}`);
      return { type, targets, ...(input.sticky !== undefined ? { sticky: parseSticky(input.sticky) } : {}) };
    }
    case 'region': {
      for (const key of Object.keys(input)) if (key !== 'type' && key !== 'targets') failAction(`unknown field ${JSON.stringify(key)}`);
      const owners = new Map<string, number>();
      const targets = parseTargets(input, ['functionId', 'regions']).map((target, i) => {
        const { regions } = target;
        if (!Array.isArray(regions) || regions.length === 0) failAction(`target ${i + 1} needs a non-empty regions array`);
        const codes = regions.map((region: unknown) => {
          if (typeof region !== 'string') failAction(`target ${i + 1}: regions must be strings`);
          const code = region === 'Default' ? region : region.toUpperCase();
          if (code !== 'Default' && !regionPattern.test(code)) {
            failAction(`target ${i + 1}: ${JSON.stringify(region)} is not a region code such as CN or CN.GD, nor Default`);
          }
          if (owners.has(code)) failAction(`region ${code} is listed more than once`);
          owners.set(code, i);
          return code;
        });
        return { functionId: String(target.functionId), regions: codes };
      });
      if (!owners.has('Default')) failAction('exactly one target must list the Default region');
      return { type, targets };
    }
    default:
      return failAction(`unknown type ${JSON.stringify(type)} (expected direct, weight or region)`);
  }
}

/**
 * Picks the function a matched action runs. `random` returns a number in [0, 1) (weight actions);
 * `stickyKey` (weight actions with `sticky`) is the client's cookie, header value or address: the
 * same key always gets the same function, and raising one target's weight only moves clients to
 * that target (weighted rendezvous hashing: each target scores the key, the highest score wins).
 * `region` is the client's region, `CN` or `CN.GD` (region actions): a subdivision entry wins over
 * its country, and `Default` takes the rest.
 */
export function selectFunctionId(action: RuleAction, pick: { random: () => number; region?: string; stickyKey?: string }): string {
  switch (action.type) {
    case 'direct':
      return action.functionId;
    case 'weight': {
      if (action.sticky && pick.stickyKey !== undefined) return rendezvous(action.targets, pick.stickyKey);
      const roll = pick.random() * 100;
      let total = 0;
      let chosen = '';
      for (const target of action.targets) {
        if (target.weight === 0) continue;
        total += target.weight;
        chosen = target.functionId;
        if (roll < total) break;
      }
      return chosen;
    }
    case 'region': {
      const region = (pick.region ?? '').toUpperCase();
      const dot = region.indexOf('.');
      const country = dot > 0 ? region.slice(0, dot) : region;
      let byCountry: string | undefined;
      let byDefault = '';
      for (const target of action.targets) {
        for (const code of target.regions) {
          if (region !== '' && code === region) return target.functionId;
          if (code === country) byCountry = target.functionId;
          if (code === 'Default') byDefault = target.functionId;
        }
      }
      return byCountry ?? byDefault;
    }
  }
}

/** Where a sticky key falls in [0, 1), the same for the same key and salt (a rollout's share). */
export function stickyPoint(key: string, salt: string): number {
  return hash53(`${salt}\n${key}`) / 2 ** 53;
}

/**
 * Weighted rendezvous: target i scores w_i / -ln(u_i), u_i a uniform hash of (key, target) in
 * (0, 1); the highest wins, so each target wins with probability w_i / sum(w), and a target whose
 * weight grows can only gain keys.
 */
function rendezvous(targets: readonly { functionId: string; weight: number }[], key: string): string {
  let best = '';
  let bestScore = -1;
  for (const target of targets) {
    if (target.weight === 0) continue;
    const u = (hash53(`${target.functionId}\n${key}`) + 0.5) / 2 ** 53;
    const score = target.weight / -Math.log(u);
    if (score > bestScore) {
      bestScore = score;
      best = target.functionId;
    }
  }
  return best;
}

/** A 53-bit string hash: two FNV-1a lanes with different primes, each mixed by MurmurHash3's finalizer. */
function hash53(text: string): number {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  a = mix32(a);
  b = mix32(b ^ a);
  return (b & 0x1fffff) * 2 ** 32 + (a >>> 0);
}

function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
