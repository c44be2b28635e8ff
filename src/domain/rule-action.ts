/** Trigger-rule actions: which function runs (direct, weighted canary, or by region). */
import { EdgefnError } from './errors.ts';
import { isRecord, maxActionTargets, type RuleAction } from './rules.ts';

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

/**
 * Parses API input for a rule action. Errors are `InvalidParameter.InvalidParameter`.
 * - `{type: 'direct', functionId}`.
 * - `{type: 'weight', targets: [{functionId, weight}]}`: 1-5 distinct functions, integer weights
 *   0-100 summing to 100.
 * - `{type: 'region', targets: [{functionId, regions}]}`: 1-5 distinct functions; regions are
 *   ISO 3166 codes (`CN`) or subdivisions (`CN.GD`), folded to uppercase; exactly one `Default`
 *   overall. Regions may not overlap: a code listed twice, or a country together with one of its
 *   subdivisions, is refused (EdgeOne states the rule, not what counts as overlap; this is our reading).
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
      for (const key of Object.keys(input)) if (key !== 'type' && key !== 'targets') failAction(`unknown field ${JSON.stringify(key)}`);
      const targets = parseTargets(input, ['functionId', 'weight']).map((target, i) => {
        const { weight } = target;
        if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 100) {
          failAction(`target ${i + 1} needs an integer weight from 0 to 100`);
        }
        return { functionId: String(target.functionId), weight };
      });
      const sum = targets.reduce((total, target) => total + target.weight, 0);
      if (sum !== 100) failAction(`weights must add up to 100, they add up to ${sum}`);
      return { type, targets };
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
      for (const code of owners.keys()) {
        const dot = code.indexOf('.');
        if (dot > 0 && owners.has(code.slice(0, dot))) failAction(`regions ${code.slice(0, dot)} and ${code} overlap`);
      }
      return { type, targets };
    }
    default:
      return failAction(`unknown type ${JSON.stringify(type)} (expected direct, weight or region)`);
  }
}

/**
 * Picks the function a matched action runs. `random` returns a number in [0, 1) (weight actions);
 * `region` is the client's region, `CN` or `CN.GD` (region actions): a subdivision entry wins over
 * its country, and `Default` takes the rest.
 */
export function selectFunctionId(action: RuleAction, pick: { random: () => number; region?: string }): string {
  switch (action.type) {
    case 'direct':
      return action.functionId;
    case 'weight': {
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
