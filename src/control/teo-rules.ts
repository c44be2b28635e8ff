/**
 * The EdgeOne API's trigger rule actions (teo 2022-09-01) over the same rule service as
 * `/api/v1`: conditions and selections are translated field by field, then parsed and checked
 * by the one rule parser the gateway compiles rules with.
 */
import { EdgefnError } from '../domain/errors.ts';
import { maxConditionGroups, maxConditionsPerGroup, type Condition, type ConditionGroup, type RuleAction } from '../domain/rules.ts';
import type { RuleRecord } from '../store/types.ts';
import type { ControlPlane } from './services.ts';
import type { TeoActions } from './teo-actions.ts';
import { badValue, filtersOf, objectList, optionalBoolean, optionalText, passes, requiredText, tencentTime, textList, type Params } from './teo-input.ts';

const conditionFields = ['Operator', 'Target', 'Values', 'IgnoreCase', 'Name', 'IgnoreNameCase'];

/** FunctionRuleConditions as edgefn's condition groups (checked later by parseConditions, which bounds them). */
function conditionsOf(p: Params, required: boolean): unknown[] | undefined {
  return objectList(p, 'FunctionRuleConditions', ['RuleConditions'], (group, groupPath) =>
    objectList(group, 'RuleConditions', conditionFields, (c, path) => {
      // Header names are matched without case anyway; a query parameter's name is matched as given.
      if (optionalBoolean(c, 'IgnoreNameCase', path) === true && c.Target === 'query_string') throw badValue(`${path}IgnoreNameCase`, 'edgefn matches query parameter names exactly');
      const name = optionalText(c, 'Name', path);
      return {
        operator: requiredText(c, 'Operator', path),
        target: requiredText(c, 'Target', path),
        values: textList(c, 'Values', { path }) ?? [],
        ignoreCase: optionalBoolean(c, 'IgnoreCase', path) ?? false,
        ...(name !== undefined && name !== '' ? { name } : {}),
      };
    }, { required: true, max: maxConditionsPerGroup, path: groupPath }), { required, max: maxConditionGroups });
}

// An empty list counts as absent: DescribeFunctionRules answers [] for the selections a rule does
// not use, and a client may send a described rule back as it got it.
const present = (value: unknown): boolean => value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);

/** TriggerType with its selections as a rule action; undefined when none of them is given. */
function actionOf(p: Params): RuleAction | undefined {
  if (!['TriggerType', 'FunctionId', 'WeightedSelections', 'RegionMappingSelections'].some((k) => present(p[k]))) return undefined;
  const type = optionalText(p, 'TriggerType') ?? 'direct';
  const extra = (name: string): void => {
    if (present(p[name])) throw badValue(name, `it does not go with TriggerType ${type}`);
  };
  if (type === 'direct') {
    extra('WeightedSelections');
    extra('RegionMappingSelections');
    return { type, functionId: requiredText(p, 'FunctionId') };
  }
  if (type === 'weight') {
    extra('FunctionId');
    extra('RegionMappingSelections');
    const targets = objectList(p, 'WeightedSelections', ['FunctionId', 'Weight'], (s, path) => ({ functionId: requiredText(s, 'FunctionId', path), weight: s.Weight as number }), { required: true, max: 5 })!;
    return { type, targets };
  }
  if (type === 'region') {
    extra('FunctionId');
    extra('WeightedSelections');
    const targets = objectList(p, 'RegionMappingSelections', ['FunctionId', 'Regions'], (s, path) => ({ functionId: requiredText(s, 'FunctionId', path), regions: textList(s, 'Regions', { required: true, path })! }), { required: true, max: 5 })!;
    return { type, targets };
  }
  throw badValue('TriggerType', 'it must be direct, weight or region');
}

function functionIdsOf(action: RuleAction): string[] {
  return action.type === 'direct' ? [action.functionId] : action.targets.map((t) => t.functionId);
}

function conditionOut(c: Condition) {
  return { Operator: c.operator, Target: c.target, Values: c.values, IgnoreCase: c.ignoreCase, ...(c.name !== undefined ? { Name: c.name } : {}) };
}

/** `count` is the zone's number of rules: the model's Priority is larger for a rule that runs earlier. */
function ruleOut(rule: RuleRecord, names: Map<string, string>, count: number) {
  const action = rule.action;
  const direct = action.type === 'direct' ? action.functionId : '';
  return {
    RuleId: rule.id,
    FunctionRuleConditions: rule.conditions.map((group: ConditionGroup) => ({ RuleConditions: group.map(conditionOut) })),
    TriggerType: action.type,
    FunctionId: direct,
    FunctionName: names.get(direct) ?? '',
    WeightedSelections: action.type === 'weight' ? action.targets.map((t) => ({ FunctionId: t.functionId, Weight: t.weight })) : [],
    RegionMappingSelections: action.type === 'region' ? action.targets.map((t) => ({ FunctionId: t.functionId, Regions: t.regions })) : [],
    Priority: count - rule.priority + 1,
    Remark: rule.remark,
    CreateTime: tencentTime(rule.createdAt),
    UpdateTime: tencentTime(rule.updatedAt),
  };
}

const ruleFields = ['ZoneId', 'FunctionRuleConditions', 'TriggerType', 'FunctionId', 'WeightedSelections', 'RegionMappingSelections', 'Remark'];

/** Every trigger rule action, by name. */
export function teoRuleActions(c: ControlPlane): TeoActions {
  return {
    CreateFunctionRule: {
      params: ruleFields,
      run: async (p) => {
        const zoneId = requiredText(p, 'ZoneId');
        const conditions = conditionsOf(p, true);
        const action = actionOf(p);
        if (!action) throw new EdgefnError('MissingParameter', 'The request is missing a required parameter FunctionId.');
        const remark = optionalText(p, 'Remark');
        const rule = await c.createRule(zoneId, { conditions, action, ...(remark !== undefined ? { remark } : {}) });
        return { RuleId: rule.id };
      },
    },
    ModifyFunctionRule: {
      params: [...ruleFields, 'RuleId'],
      run: async (p) => {
        const zoneId = requiredText(p, 'ZoneId');
        const ruleId = requiredText(p, 'RuleId');
        const conditions = conditionsOf(p, false);
        const action = actionOf(p);
        const remark = optionalText(p, 'Remark');
        await c.getZone(zoneId);
        await c.updateRule(zoneId, ruleId, { ...(conditions ? { conditions } : {}), ...(action ? { action } : {}), ...(remark !== undefined ? { remark } : {}) });
        return {};
      },
    },
    DeleteFunctionRules: {
      params: ['ZoneId', 'RuleIds'],
      run: async (p) => {
        const ids = textList(p, 'RuleIds', { required: true })!;
        if (ids.length === 0) throw badValue('RuleIds', 'it must name at least one rule');
        await c.deleteRules(requiredText(p, 'ZoneId'), ids);
        return {};
      },
    },
    DescribeFunctionRules: {
      params: ['ZoneId', 'Filters'],
      run: async (p) => {
        const zoneId = requiredText(p, 'ZoneId');
        const filters = filtersOf(p, ['rule-id', 'function-id', 'remark'], ['remark']);
        const all = await c.listRules(zoneId);
        const rules = all.filter((r) =>
          passes(filters, 'rule-id', r.id) && passes(filters, 'remark', r.remark) &&
          filters.every((f) => f.name !== 'function-id' || functionIdsOf(r.action).some((id) => f.values.includes(id))));
        const names = new Map((await c.listFunctions(zoneId)).map((fn) => [fn.id, fn.name]));
        return { FunctionRules: rules.map((r) => ruleOut(r, names, all.length)) };
      },
    },
    ModifyFunctionRulePriority: {
      params: ['ZoneId', 'RuleIds'],
      run: async (p) => {
        await c.reorderRules(requiredText(p, 'ZoneId'), textList(p, 'RuleIds', { required: true })!);
        return {};
      },
    },
  };
}
