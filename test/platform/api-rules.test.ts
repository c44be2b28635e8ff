/**
 * HTTP API contract: trigger rules. Create ({id, priority, ...}), list in execution order, get,
 * patch, delete, reorder with every id, and the errors: bad order, bad conditions, a function of
 * another zone, unknown zone and rule.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient, assertError, createFunction, createZone, startPlatform, type Api, type FunctionView, type Platform, type ZoneView } from './helpers.ts';

interface RuleView {
  id: string;
  priority: number;
  zoneId?: string;
  functionId?: string;
  action?: { functionId?: string };
  conditions: unknown;
  remark: string;
}

const hostIs = (host: string) => [[{ target: 'host', operator: 'equal', values: [host] }]];
const targetOf = (rule: RuleView): string | undefined => rule.functionId ?? rule.action?.functionId;

describe('API: trigger rules', () => {
  let platform: Platform;
  let api: Api;
  let zone: ZoneView;
  let other: ZoneView;
  let fn: FunctionView;
  let fn2: FunctionView;
  let foreign: FunctionView;
  const made: RuleView[] = [];

  before(async () => {
    platform = await startPlatform();
    api = apiClient(platform);
    zone = await createZone(api, 'rules.example.com');
    other = await createZone(api, 'other-rules.example.com');
    fn = await createFunction(api, zone.id, 'rule-target');
    fn2 = await createFunction(api, zone.id, 'rule-target-2');
    foreign = await createFunction(api, other.id, 'foreign');
  });
  after(async () => {
    await platform.close();
  });

  const rules = (z: ZoneView = zone) => `/api/v1/zones/${z.id}/rules`;
  const list = async (z: ZoneView = zone): Promise<RuleView[]> => {
    const answer = await api<{ rules: RuleView[] }>('GET', rules(z));
    assert.equal(answer.status, 200, answer.text);
    return answer.body.rules;
  };

  it('creates rules: 201 {id, priority, ...}, each new rule last', async () => {
    const conditions = [
      [
        { target: 'host', operator: 'equal', values: ['www.example.com'] },
        { target: 'url', operator: 'equal', values: ['/pic'] },
      ],
      [{ target: 'request_header', name: 'x-debug', operator: 'exist' }],
    ];
    for (const [i, body] of [
      { conditions, functionId: fn.id, remark: 'first' },
      { conditions: hostIs('b.example.com'), functionId: fn2.id },
      { conditions: hostIs('c.example.com'), functionId: fn.id },
    ].entries()) {
      const answer = await api<RuleView>('POST', rules(), body);
      assert.equal(answer.status, 201, answer.text);
      assert.match(answer.body.id, /^rule-[a-z0-9]{8}$/);
      assert.equal(typeof answer.body.priority, 'number');
      assert.equal(targetOf(answer.body), body.functionId);
      if (i > 0) assert.ok(answer.body.priority > made[i - 1]!.priority, 'a new rule runs after the existing ones');
      made.push(answer.body);
    }
    assert.equal(made[0]!.remark, 'first');
    assert.deepEqual((made[0]!.conditions as unknown[][]).length, 2);
  });

  it('lists rules in execution order', async () => {
    assert.deepEqual((await list()).map((r) => r.id), made.map((r) => r.id));
  });

  it('gets one rule', async () => {
    const answer = await api<RuleView>('GET', `${rules()}/${made[1]!.id}`);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.id, made[1]!.id);
    assert.equal(targetOf(answer.body), fn2.id);
  });

  it('reorders with PUT .../order and every id: the list follows, first runs first', async () => {
    const order = [made[2]!.id, made[0]!.id, made[1]!.id];
    const answer = await api<{ rules: RuleView[] }>('PUT', `${rules()}/order`, { ruleIds: order });
    assert.equal(answer.status, 200, answer.text);
    const listed = await list();
    assert.deepEqual(listed.map((r) => r.id), order);
    const priorities = listed.map((r) => r.priority);
    assert.deepEqual([...priorities].sort((a, b) => a - b), priorities, 'priorities ascend in execution order');
    assert.equal(new Set(priorities).size, priorities.length);
  });

  it('refuses an order with a missing, duplicate, unknown or foreign id with 400 InvalidParameter.InvalidRuleOrder, keeping the order', async () => {
    const current = (await list()).map((r) => r.id);
    const foreignRule = await api<RuleView>('POST', rules(other), { conditions: hostIs('x.other.com'), functionId: foreign.id });
    assert.equal(foreignRule.status, 201, foreignRule.text);
    const bad = [
      current.slice(0, 2),
      [current[0]!, current[0]!, current[1]!, current[2]!],
      [current[0]!, current[1]!, current[1]!],
      [...current.slice(0, 2), 'rule-00000000'],
      [...current, 'rule-00000000'],
      [...current.slice(0, 2), foreignRule.body.id],
      [],
    ];
    for (const ruleIds of bad) {
      assertError(await api('PUT', `${rules()}/order`, { ruleIds }), 400, 'InvalidParameter.InvalidRuleOrder', JSON.stringify(ruleIds));
    }
    assert.deepEqual((await list()).map((r) => r.id), current);
    assert.equal((await api('PUT', `${rules()}/order`, { ruleIds: 'all' })).status, 400);
  });

  it('changes a rule with PATCH (conditions, function, remark) and keeps its place', async () => {
    const before = (await list()).map((r) => r.id);
    const id = made[1]!.id;
    const answer = await api<RuleView>('PATCH', `${rules()}/${id}`, { conditions: hostIs('patched.example.com'), functionId: fn.id, remark: 'patched' });
    assert.equal(answer.status, 200, answer.text);
    const got = (await api<RuleView>('GET', `${rules()}/${id}`)).body;
    assert.equal(targetOf(got), fn.id);
    assert.equal(got.remark, 'patched');
    assert.deepEqual(got.conditions, [[{ target: 'host', operator: 'equal', values: ['patched.example.com'], ignoreCase: false }]]);
    assert.deepEqual((await list()).map((r) => r.id), before);
  });

  const badConditions: [string, unknown][] = [
    ['not an array', { target: 'host' }],
    ['no groups', []],
    ['an empty group', [[]]],
    ['a group that is not an array', [{ target: 'host', operator: 'equal', values: ['a.com'] }]],
    ['an unknown target', [[{ target: 'hostname', operator: 'equal', values: ['a.com'] }]]],
    ['an unknown operator', [[{ target: 'host', operator: 'contains', values: ['a.com'] }]]],
    ['regex on host', [[{ target: 'host', operator: 'regex', values: ['a.*'] }]]],
    ['a broken regex', [[{ target: 'url', operator: 'regex', values: ['(unclosed'] }]]],
    ['equal without values', [[{ target: 'host', operator: 'equal' }]]],
    ['equal with empty values', [[{ target: 'host', operator: 'equal', values: [] }]]],
    ['a non-string value', [[{ target: 'host', operator: 'equal', values: [42] }]]],
    ['a header target without a name', [[{ target: 'request_header', operator: 'exist' }]]],
    ['a name on the host target', [[{ target: 'host', name: 'x', operator: 'equal', values: ['a.com'] }]]],
    ['an unknown field', [[{ target: 'host', operator: 'equal', values: ['a.com'], ignorecase: true }]]],
    ['a non-boolean ignoreCase', [[{ target: 'host', operator: 'equal', values: ['a.com'], ignoreCase: 'yes' }]]],
    ['a bad CIDR', [[{ target: 'client_ip', operator: 'equal', values: ['10.0.0.0/99'] }]]],
  ];
  for (const [what, conditions] of badConditions) {
    it(`refuses conditions with ${what}: 400 InvalidParameter.InvalidConditions`, async () => {
      const before = await list();
      assertError(await api('POST', rules(), { conditions, functionId: fn.id }), 400, 'InvalidParameter.InvalidConditions', what);
      assertError(await api('PATCH', `${rules()}/${made[0]!.id}`, { conditions }), 400, 'InvalidParameter.InvalidConditions', `PATCH ${what}`);
      assert.deepEqual(await list(), before, 'nothing saved');
    });
  }

  it('refuses a rule without conditions or functionId with 400', async () => {
    assert.equal((await api('POST', rules(), { functionId: fn.id })).status, 400);
    assert.equal((await api('POST', rules(), { conditions: hostIs('a.com') })).status, 400);
  });

  it('answers 404 for a rule to a function of another zone, or to an unknown function, and saves nothing', async () => {
    const before = await list();
    assertError(await api('POST', rules(), { conditions: hostIs('a.com'), functionId: foreign.id }), 404, 'ResourceUnavailable.FunctionNotFound');
    assertError(await api('POST', rules(), { conditions: hostIs('a.com'), functionId: 'ef-00000000' }), 404, 'ResourceUnavailable.FunctionNotFound');
    assertError(await api('PATCH', `${rules()}/${made[0]!.id}`, { functionId: foreign.id }), 404, 'ResourceUnavailable.FunctionNotFound');
    assert.deepEqual(await list(), before);
  });

  it('refuses a rule remark over 60 characters with InvalidParameter.LengthExceedsLimit', async () => {
    assertError(await api('POST', rules(), { conditions: hostIs('a.com'), functionId: fn.id, remark: 'r'.repeat(61) }), 400, 'InvalidParameter.LengthExceedsLimit');
    assert.equal((await api('POST', rules(), { conditions: hostIs('remark.example.com'), functionId: fn.id, remark: 'r'.repeat(60) })).status, 201);
  });

  it('answers 404 ZoneNotFound and RuleNotFound for unknown ids, and for a rule asked through another zone', async () => {
    const noZone = '/api/v1/zones/zone-000000000000/rules';
    assertError(await api('GET', noZone), 404, 'ResourceUnavailable.ZoneNotFound');
    assertError(await api('POST', noZone, { conditions: hostIs('a.com'), functionId: fn.id }), 404, 'ResourceUnavailable.ZoneNotFound');
    assertError(await api('PUT', `${noZone}/order`, { ruleIds: [] }), 404, 'ResourceUnavailable.ZoneNotFound');
    assertError(await api('GET', `${rules()}/rule-00000000`), 404, 'ResourceUnavailable.RuleNotFound');
    assertError(await api('PATCH', `${rules()}/rule-00000000`, { remark: 'x' }), 404, 'ResourceUnavailable.RuleNotFound');
    assertError(await api('DELETE', `${rules()}/rule-00000000`), 404, 'ResourceUnavailable.RuleNotFound');
    assertError(await api('GET', `${rules(other)}/${made[0]!.id}`), 404, 'ResourceUnavailable.RuleNotFound');
    assertError(await api('DELETE', `${rules(other)}/${made[0]!.id}`), 404, 'ResourceUnavailable.RuleNotFound');
  });

  it('deletes a rule: 204, gone from the list, the others keep their order', async () => {
    const before = (await list()).map((r) => r.id);
    const victim = before[1]!;
    assert.equal((await api('DELETE', `${rules()}/${victim}`)).status, 204);
    assertError(await api('GET', `${rules()}/${victim}`), 404, 'ResourceUnavailable.RuleNotFound');
    assert.deepEqual((await list()).map((r) => r.id), before.filter((id) => id !== victim));
    // A reorder now needs exactly the remaining ids.
    const remaining = before.filter((id) => id !== victim).reverse();
    assert.equal((await api('PUT', `${rules()}/order`, { ruleIds: remaining })).status, 200);
    assert.deepEqual((await list()).map((r) => r.id), remaining);
  });

  it('allows 200 rules per zone and refuses the 201st with LimitExceeded.RuleLimitExceeded', async () => {
    const full = await createZone(api, 'full-rules.example.com');
    const target = await createFunction(api, full.id, 'many-rules');
    for (let i = 0; i < 200; i++) {
      const answer = await api('POST', rules(full), { conditions: hostIs(`h${i}.full-rules.example.com`), functionId: target.id });
      assert.equal(answer.status, 201, answer.text);
    }
    assertError(await api('POST', rules(full), { conditions: hostIs('over.full-rules.example.com'), functionId: target.id }), 400, 'LimitExceeded.RuleLimitExceeded');
    assert.equal((await list(full)).length, 200);
  });

  // EdgeOne's DeleteFunction: "Once deleted, the function cannot be recovered, and associated
  // trigger rules are also deleted." (teo 2022-09-01)
  it('deleting a function deletes the trigger rules that run it, and only those', async () => {
    const doomed = await createFunction(api, zone.id, 'doomed-target');
    const rule = await api<RuleView>('POST', rules(), { conditions: hostIs('doomed.example.com'), functionId: doomed.id });
    assert.equal(rule.status, 201, rule.text);
    const others = (await list()).map((r) => r.id).filter((id) => id !== rule.body.id);
    assert.equal((await api('DELETE', `/api/v1/functions/${doomed.id}`)).status, 204);
    assertError(await api('GET', `${rules()}/${rule.body.id}`), 404, 'ResourceUnavailable.RuleNotFound');
    const listed = await list();
    assert.deepEqual(listed.map((r) => r.id), others);
    assert.ok(listed.every((r) => targetOf(r) !== doomed.id), 'no rule points at a deleted function');
  });
});
