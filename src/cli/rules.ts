/**
 * `edgefn rules …`: trigger rules, tried in order, the first match runs its function (--function),
 * one of several by weight (--weight, optionally --sticky) or by the client's region (--region). A
 * condition is written `TARGET[:NAME] OPERATOR[-i] [VALUE ...]` (e.g. `host equal www.example.com`,
 * `request_header:x-env equal beta`, `url equal-i /Pic`); repeated --when are ANDed, --or starts
 * another group.
 */
import type { Command } from 'commander';
import type { ApiClient, Json } from './client.ts';
import { context, functionIdOf, noun, seg, verb, zoneIdOf } from './context.ts';
import { CliError } from './errors.ts';
import { printJson, printLine, printTable } from './output.ts';
import { confirm, requireInteractive } from './prompt.ts';

interface Options {
  json?: boolean;
  zone?: string;
}

/** Splits on spaces; "double quotes" keep spaces in a value. */
function words(text: string): string[] {
  const out: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) out.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]!);
  return out;
}

export function parseWhen(text: string): Json {
  const [subject, operatorText, ...values] = words(text);
  if (!subject || !operatorText) throw new CliError(`--when '${text}': write TARGET OPERATOR [VALUE ...], e.g. 'host equal www.example.com'`);
  const colon = subject.indexOf(':');
  const target = colon === -1 ? subject : subject.slice(0, colon);
  const name = colon === -1 ? undefined : subject.slice(colon + 1);
  const ignoreCase = operatorText.endsWith('-i');
  const operator = ignoreCase ? operatorText.slice(0, -2) : operatorText;
  // The API checks targets, operators and values and names what is wrong.
  return { target, operator, values, ignoreCase, ...(name !== undefined ? { name } : {}) };
}

function describeConditions(groups: Json[][]): string {
  return groups
    .map((group) => group.map((c) => `${c.target as string}${c.name ? `:${c.name as string}` : ''} ${c.operator as string}${c.ignoreCase ? '-i' : ''} ${(c.values as string[]).join(' ')}`.trim()).join(' and '))
    .join(' | or | ');
}

function describeAction(action: Json): string {
  if (action.type === 'direct') return action.functionId as string;
  const targets = action.targets as Json[];
  if (action.type === 'weight') {
    const sticky = action.sticky as Json | undefined;
    const by = sticky ? ` (sticky by ${sticky.by as string}${sticky.name ? ` ${sticky.name as string}` : ''})` : '';
    return `${targets.map((t) => `${t.functionId as string} ${t.weight as number}%`).join(', ')}${by}`;
  }
  return targets.map((t) => `${t.functionId as string} in ${(t.regions as string[]).join(',')}`).join('; ');
}

const collect = (value: string, all: string[]): string[] => [...all, value];

/** `NAME=VALUE` of --weight and --region; the function may be a name in the zone or an id. */
function split(text: string, flag: string): [string, string] {
  const eq = text.lastIndexOf('=');
  if (eq < 1 || eq === text.length - 1) throw new CliError(`--${flag} '${text}': write FUNCTION=${flag === 'weight' ? 'PERCENT' : 'CODES'}`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

/** `cookie:NAME`, `header:NAME` or `client_ip`, as the API's sticky object (also for replica rollouts). */
export function parseSticky(text: string): Json {
  if (text === 'client_ip') return { by: 'client_ip' };
  const colon = text.indexOf(':');
  const by = text.slice(0, colon);
  if (colon < 1 || (by !== 'cookie' && by !== 'header')) throw new CliError(`--sticky '${text}': write cookie:NAME, header:NAME or client_ip`);
  return { by, name: text.slice(colon + 1) };
}

/** The rule's action from --function, --weight or --region (exactly one kind). */
async function actionOf(api: ApiClient, zoneId: string, options: { function?: string; weight: string[]; sticky?: string; region: string[] }): Promise<Json> {
  const kinds = [options.function !== undefined, options.weight.length > 0, options.region.length > 0].filter(Boolean).length;
  if (kinds !== 1) throw new CliError('give exactly one of --function, --weight (repeated) or --region (repeated)');
  if (options.sticky !== undefined && options.weight.length === 0) throw new CliError('--sticky goes with --weight');
  if (options.function !== undefined) return { functionId: await functionIdOf(api, options.function, zoneId) };
  if (options.weight.length > 0) {
    const targets = [];
    for (const item of options.weight) {
      const [fn, percent] = split(item, 'weight');
      const weight = Number(percent.replace(/%$/, ''));
      if (!Number.isInteger(weight)) throw new CliError(`--weight '${item}': the share is a whole percent, 0-100`);
      targets.push({ functionId: await functionIdOf(api, fn, zoneId), weight });
    }
    return { action: { type: 'weight', targets, ...(options.sticky !== undefined ? { sticky: parseSticky(options.sticky) } : {}) } };
  }
  const targets = [];
  for (const item of options.region) {
    const [fn, codes] = split(item, 'region');
    targets.push({ functionId: await functionIdOf(api, fn, zoneId), regions: codes.split(',').map((c) => c.trim()).filter((c) => c !== '') });
  }
  return { action: { type: 'region', targets } };
}

/** The zone of a rule: given, or found by looking through the zones. */
async function zoneOfRule(api: ApiClient, ruleId: string, zone: string | undefined): Promise<string> {
  if (zone !== undefined) return zoneIdOf(api, zone);
  const { zones } = (await api.get('/zones')) as { zones: Json[] };
  for (const z of zones) {
    const { rules } = (await api.get(`/zones/${seg(z.id as string)}/rules`)) as { rules: Json[] };
    if (rules.some((r) => r.id === ruleId)) return z.id as string;
  }
  throw new CliError(`no rule ${ruleId} in any zone: see edgefn rules list --zone <zone> [ResourceUnavailable.RuleNotFound]`, { code: 'ResourceUnavailable.RuleNotFound' });
}

export function registerRules(program: Command): void {
  const rules = noun(program, 'rules', "trigger rules: which requests run which function", "edgefn rules create --zone example.com --function hello --when 'host equal www.example.com' --when 'url equal /pic'");

  const create = verb(rules, 'create', 'create a trigger rule (it runs after the existing ones)', "edgefn rules create --zone example.com --function hello --when 'host equal www.example.com' --when 'url equal /pic' --or --when 'url equal /img'")
    .requiredOption('--zone <zone>', 'the zone (id or name)')
    .option('--function <function>', 'the function to run (id or name)')
    .option('--weight <function=percent>', 'a canary: run this function for that share of requests (repeatable; the shares add up to 100)', collect, [] as string[])
    .option('--sticky <key>', 'keep each client on one side of --weight: cookie:NAME, header:NAME or client_ip')
    .option('--region <function=codes>', 'run this function for clients in these regions, e.g. hello-cn=CN,CN.GD (repeatable; one must list Default)', collect, [] as string[])
    .option('--when <condition>', "a condition: 'TARGET[:NAME] OPERATOR[-i] [VALUE ...]' (repeatable; all must match)")
    .option('--or', 'start another group of --when conditions (either group may match)')
    .option('--remark <text>', 'a note about the rule')
    .addHelpText('after', "\nA canary and a regional rule:\n  $ edgefn rules create --zone example.com --when 'host equal www.example.com' --weight hello=90 --weight hello-next=10 --sticky cookie:uid\n  $ edgefn rules create --zone example.com --when 'host equal www.example.com' --region hello-cn=CN --region hello=Default\n");
  // Commander keeps options by name, not in order; the groups need the order of --when and --or.
  const groups: Json[][] = [[]];
  create.on('option:when', (value: string) => groups.at(-1)!.push(parseWhen(value)));
  create.on('option:or', () => groups.push([]));
  create.action(async (options: Options & { function?: string; weight: string[]; sticky?: string; region: string[]; remark?: string }) => {
    if (groups.some((group) => group.length === 0)) throw new CliError('each group needs at least one --when (and --or goes between groups)');
    const { api } = context();
    const zoneId = await zoneIdOf(api, options.zone!);
    const target = await actionOf(api, zoneId, options);
    const rule = await api.request('POST', `/zones/${seg(zoneId)}/rules`, { conditions: groups, ...target, ...(options.remark !== undefined ? { remark: options.remark } : {}) });
    if (options.json) printJson(rule);
    else printLine(`Created rule ${rule.id as string}: when ${describeConditions(rule.conditions as Json[][])} run ${describeAction(rule.action as Json)}`);
  });

  verb(rules, 'list', "list a zone's rules in the order they are tried", 'edgefn rules list --zone example.com')
    .requiredOption('--zone <zone>', 'the zone (id or name)')
    .action(async (options: Options) => {
      const { api } = context();
      const body = await api.get(`/zones/${seg(await zoneIdOf(api, options.zone!))}/rules`);
      if (options.json) return printJson(body);
      printTable(['#', 'RULE', 'RUNS', 'WHEN'], (body.rules as Json[]).map((r, i) => [String(i + 1), r.id as string, describeAction(r.action as Json), describeConditions(r.conditions as Json[][])]));
    });

  verb(rules, 'delete <rule>', 'delete a trigger rule', 'edgefn rules delete rule-abcd1234 --yes')
    .option('--zone <zone>', "the rule's zone (found when absent)")
    .option('--yes', 'do not ask for confirmation')
    .action(async (ruleId: string, options: Options & { yes?: boolean }) => {
      const { api } = context();
      const zoneId = await zoneOfRule(api, ruleId, options.zone);
      if (!options.yes) {
        requireInteractive(`delete rule ${ruleId}`);
        await confirm(`Delete trigger rule ${ruleId}?`);
      }
      await api.request('DELETE', `/zones/${seg(zoneId)}/rules/${seg(ruleId)}`);
      if (options.json) printJson({ id: ruleId, zoneId, deleted: true });
      else printLine(`Deleted rule ${ruleId}`);
    });

  verb(rules, 'order <rules...>', 'set the order rules are tried in (every rule of the zone, first runs first)', 'edgefn rules order --zone example.com rule-bbbb2222 rule-aaaa1111')
    .requiredOption('--zone <zone>', 'the zone (id or name)')
    .action(async (ruleIds: string[], options: Options) => {
      const { api } = context();
      const body = await api.request('PUT', `/zones/${seg(await zoneIdOf(api, options.zone!))}/rules/order`, { ruleIds });
      if (options.json) return printJson(body);
      printLine(`Order: ${(body.rules as Json[]).map((r) => r.id as string).join(', ')}`);
    });
}
