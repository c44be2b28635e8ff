/**
 * Trigger rules: the model, the parser for API input and the compiled matcher the gateway runs.
 *
 * A rule matches when any of its condition groups matches (OR); a group matches when all of its
 * conditions match (AND). Rules are tried in order and the first match wins
 * (shared/reference/edgeone.md, "Trigger rules"). The parser and the compiler share one code path
 * ({@link compileCondition}), so what the API accepts is exactly what the gateway can run.
 */
import { LinearRegex, RegexError } from './regex.ts';
import { EdgefnError } from './errors.ts';
import { buildRuleIndex, visitCandidates } from './rule-index.ts';
import { isInRange, parseClientIp, parseIpRange, type IpAddress, type IpRange } from './ip-range.ts';

export { parseRuleAction, selectFunctionId, stickyPoint } from './rule-action.ts';

/** What a condition looks at. */
export const conditionTargets = [
  'host',
  'url',
  'full_url',
  'filename',
  'extension',
  'query_string',
  'request_header',
  'request_method',
  'request_protocol',
  'client_ip',
  'client_country',
] as const;
/** One of {@link conditionTargets}. */
export type ConditionTarget = (typeof conditionTargets)[number];

/** How a condition compares. `regex` is only allowed on `url` and `full_url`. */
export const conditionOperators = ['equal', 'notequal', 'exist', 'notexist', 'regex'] as const;
/** One of {@link conditionOperators}. */
export type ConditionOperator = (typeof conditionOperators)[number];

/** One test on a request. `name` is required for `query_string` and `request_header`, and only there. */
export interface Condition {
  target: ConditionTarget;
  operator: ConditionOperator;
  values: string[];
  ignoreCase: boolean;
  name?: string;
}

/** Conditions that must all match (AND). */
export type ConditionGroup = Condition[];

/** What a matching rule does: run one function, pick one by weight, or pick one by client region. */
export type RuleAction =
  | { type: 'direct'; functionId: string }
  | { type: 'weight'; targets: { functionId: string; weight: number }[]; sticky?: Sticky }
  | { type: 'region'; targets: { functionId: string; regions: string[] }[] };

/**
 * How a weight action keeps one client on one function (edgefn's addition; EdgeOne draws per
 * request): by a cookie's value, a request header's value, or the client address.
 */
export type Sticky = { by: 'cookie' | 'header'; name: string } | { by: 'client_ip' };

/** A rule as the compiler takes it: `conditions` is an OR of AND groups. */
export interface RuleDefinition {
  id: string;
  conditions: ConditionGroup[];
  action: RuleAction;
}

/**
 * The parts of a request rules look at. `host` is lowercase and without port; `path` is the raw
 * (still percent-encoded) path; `query` is the raw query without '?'; `headers` takes a lowercase
 * header name.
 */
export interface MatchRequest {
  host: string;
  path: string;
  query: string;
  method: string;
  protocol: 'http' | 'https';
  headers: (name: string) => string | undefined;
  clientIp: string;
  country?: string;
}

/** The rule that matched. The same object is returned for every match of that rule. */
export interface MatchedRule {
  readonly id: string;
  readonly action: RuleAction;
}

/** Rules compiled for the gateway's hot path. */
export interface RuleMatcher {
  /** The first rule, in order, that matches the request. */
  match(req: MatchRequest): MatchedRule | undefined;
  /** How many rules were compiled. */
  readonly size: number;
}

/** Our cap on condition groups per rule; EdgeOne publishes none. */
export const maxConditionGroups = 10;
/** Our cap on conditions per group; EdgeOne publishes none. */
export const maxConditionsPerGroup = 10;
/** Our cap on the length of one regex pattern, to keep pathological patterns out of the hot path. */
export const maxRegexLength = 1024;
/** At most this many functions in a weight or region action (EdgeOne's limit). */
export const maxActionTargets = 5;

const namedTargets: ReadonlySet<string> = new Set(['query_string', 'request_header']);
const regexTargets: ReadonlySet<string> = new Set(['url', 'full_url']);
const conditionKeys: ReadonlySet<string> = new Set(['target', 'operator', 'values', 'ignoreCase', 'name']);
const headerNamePattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Whether a value is a plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function failConditions(message: string, details?: Record<string, unknown>): never {
  throw new EdgefnError('InvalidParameter.InvalidConditions', message, details);
}

/**
 * Parses API input of the shape `[[{target, operator, values, ignoreCase?, name?}]]` into condition
 * groups, or throws `InvalidParameter.InvalidConditions` naming the group and condition at fault
 * (1-based) and the broken rule. Unknown fields are refused, so typos never silently widen a rule.
 */
export function parseConditions(input: unknown): ConditionGroup[] {
  if (!Array.isArray(input)) failConditions('Invalid conditions: expected an array of condition groups.');
  if (input.length === 0) failConditions('Invalid conditions: at least one condition group is required.');
  if (input.length > maxConditionGroups) {
    failConditions(`Invalid conditions: at most ${maxConditionGroups} condition groups are allowed, got ${input.length}.`);
  }
  return input.map((group: unknown, g) => {
    const where = `group ${g + 1}`;
    if (!Array.isArray(group)) failConditions(`Invalid conditions: ${where} must be an array of conditions.`, { group: g });
    if (group.length === 0) failConditions(`Invalid conditions: ${where} is empty; it needs at least one condition.`, { group: g });
    if (group.length > maxConditionsPerGroup) {
      failConditions(`Invalid conditions: ${where} has ${group.length} conditions; at most ${maxConditionsPerGroup} are allowed.`, { group: g });
    }
    return group.map((raw: unknown, c) => {
      const at = `${where}, condition ${c + 1}`;
      try {
        const condition = parseCondition(raw);
        compileCondition(condition);
        return condition;
      } catch (error) {
        if (error instanceof EdgefnError && error.code === 'InvalidParameter.InvalidConditions') {
          failConditions(`Invalid conditions: ${at}: ${error.message}`, { group: g, condition: c });
        }
        throw error;
      }
    });
  });
}

function parseCondition(raw: unknown): Condition {
  if (!isRecord(raw)) failConditions('expected an object with target, operator and values');
  for (const key of Object.keys(raw)) {
    if (!conditionKeys.has(key)) failConditions(`unknown field ${JSON.stringify(key)} (allowed: target, operator, values, ignoreCase, name)`);
  }
  const { target, operator, values, ignoreCase, name } = raw;
  if (typeof target !== 'string' || !(conditionTargets as readonly string[]).includes(target)) {
    failConditions(`unknown target ${JSON.stringify(target)} (expected one of ${conditionTargets.join(', ')})`);
  }
  if (typeof operator !== 'string' || !(conditionOperators as readonly string[]).includes(operator)) {
    failConditions(`unknown operator ${JSON.stringify(operator)} (expected one of ${conditionOperators.join(', ')})`);
  }
  if (ignoreCase !== undefined && typeof ignoreCase !== 'boolean') failConditions('ignoreCase must be a boolean');
  const condition: Condition = {
    target: target as ConditionTarget,
    operator: operator as ConditionOperator,
    values: parseValues(operator as ConditionOperator, values),
    ignoreCase: ignoreCase ?? false,
  };
  if (namedTargets.has(target)) {
    if (name === undefined) failConditions(`target ${target} needs a name (the ${target === 'request_header' ? 'header' : 'query parameter'} to look at)`);
    if (typeof name !== 'string' || name.length === 0) failConditions('name must be a non-empty string');
    if (target === 'request_header' && !headerNamePattern.test(name)) failConditions(`${JSON.stringify(name)} is not a valid header name`);
    condition.name = name;
  } else if (name !== undefined) {
    failConditions(`target ${target} takes no name; only query_string and request_header do`);
  }
  return condition;
}

function parseValues(operator: ConditionOperator, values: unknown): string[] {
  const needsValues = operator === 'equal' || operator === 'notequal' || operator === 'regex';
  if (values === undefined) {
    if (needsValues) failConditions(`operator ${operator} needs at least one value`);
    return [];
  }
  if (!Array.isArray(values)) failConditions('values must be an array of strings');
  if (!needsValues && values.length > 0) failConditions(`operator ${operator} takes no values`);
  if (needsValues && values.length === 0) failConditions(`operator ${operator} needs at least one value`);
  return values.map((value: unknown, i) => {
    if (typeof value !== 'string') failConditions(`value ${i + 1} must be a string`);
    if (value.length === 0) failConditions(`value ${i + 1} is empty; use exist or notexist to test for a missing value`);
    return value;
  });
}

// ---------------------------------------------------------------------------------------------
// Compiling. Everything that can be worked out once (folded values, sets, wildcard pieces, regexes,
// CIDR ranges) is worked out here, so that matching a request only compares strings and numbers.

/**
 * The per-request view of a {@link MatchRequest}: derived and case-folded parts are computed on
 * first use and shared by every condition of every rule (`undefined` = not computed yet).
 */
interface RequestView {
  readonly req: MatchRequest;
  host: string | undefined;
  method: string | undefined;
  country: string | null | undefined;
  path: string | undefined;
  fullUrl: string | undefined;
  fullUrlLower: string | undefined;
  filename: string | undefined;
  filenameLower: string | undefined;
  extension: string | undefined;
  extensionLower: string | undefined;
  query: Map<string, string | null> | undefined;
  ip: IpAddress | null | undefined;
}

type Test = (view: RequestView) => boolean;
type Getter = (view: RequestView) => string | undefined;
type Fold = (s: string) => string;

const keep: Fold = (s) => s;
const lower: Fold = (s) => s.toLowerCase();
const upper: Fold = (s) => s.toUpperCase();
const always: Test = () => true;
const never: Test = () => false;

/**
 * Compiles one condition into a test, or throws `InvalidParameter.InvalidConditions` (without a
 * location; {@link parseConditions} adds it) when a value cannot be used: a bad regex or CIDR, a
 * path without a leading '/', an unknown protocol, a country that is not a two-letter code.
 */
export function compileCondition(condition: Condition): (req: MatchRequest) => boolean {
  const test = compileTest(condition);
  return (req) => test(createView(req));
}

function compileTest(condition: Condition): Test {
  const { target, operator, values } = condition;
  if (operator === 'regex' && !regexTargets.has(target)) failConditions(`operator regex is only allowed on url and full_url, not on ${target}`);
  checkValues(condition);
  // Equality compares folded text; regex and exist look at the text as received.
  const get = compileGetter(condition, operator === 'equal' || operator === 'notequal');
  const named = condition.name !== undefined;

  switch (operator) {
    case 'exist':
      return named ? (v) => get(v) !== undefined : (v) => isPresent(get(v));
    case 'notexist':
      return named ? (v) => get(v) === undefined : (v) => !isPresent(get(v));
    case 'regex': {
      const regexes = values.map((pattern) => compileRegex(pattern, condition.ignoreCase));
      return (v) => {
        const s = get(v);
        if (s === undefined) return false;
        for (const re of regexes) if (re.test(s)) return true;
        return false;
      };
    }
    case 'equal':
    case 'notequal': {
      const negate = operator === 'notequal';
      const equals = target === 'client_ip' ? compileIpEquality(values, negate) : compileEquality(condition, get, negate);
      if (equals === 'all') return negate ? never : always;
      return equals;
    }
  }
}

function isPresent(s: string | undefined): boolean {
  return s !== undefined && s !== '';
}

function checkValues(condition: Condition): void {
  const { target, operator, values } = condition;
  if (operator !== 'equal' && operator !== 'notequal') return;
  for (const value of values) {
    if (value === 'all') continue;
    const quoted = JSON.stringify(value);
    switch (target) {
      case 'url':
        if (!value.startsWith('/') && !value.startsWith('*')) failConditions(`url value ${quoted} must start with '/' (or '*')`);
        break;
      case 'full_url':
        if (!/^(?:https?:\/\/|\*)/i.test(value)) failConditions(`full_url value ${quoted} must start with http:// or https:// (or '*')`);
        break;
      case 'request_protocol':
        if (!/^https?$/i.test(value)) failConditions(`request_protocol value ${quoted} must be http or https`);
        break;
      case 'request_method':
        if (!/^[A-Za-z]+$/.test(value)) failConditions(`request_method value ${quoted} must be an HTTP method such as GET`);
        break;
      case 'client_country':
        if (!/^[A-Za-z]{2}$/.test(value)) failConditions(`client_country value ${quoted} must be a two-letter ISO 3166 code such as CN`);
        break;
      case 'client_ip':
        if (parseIpRange(value) === undefined) failConditions(`client_ip value ${quoted} is not an IP address or CIDR block`);
        break;
      default:
        break;
    }
  }
}

// Host names, schemes, methods and country codes are case-insensitive by definition, so they are
// always compared folded; `ignoreCase` decides for everything else.
function foldOf(condition: Condition): Fold {
  switch (condition.target) {
    case 'host':
    case 'request_protocol':
      return lower;
    case 'request_method':
    case 'client_country':
      return upper;
    default:
      return condition.ignoreCase ? lower : keep;
  }
}

/** Reads the condition's target from a request; with `folded`, already case-folded by {@link foldOf}. */
function compileGetter(condition: Condition, folded: boolean): Getter {
  const fold = folded && condition.ignoreCase;
  switch (condition.target) {
    case 'host':
      return folded ? getHostLower : (v) => v.req.host;
    case 'url':
      return fold ? getPathLower : (v) => v.req.path;
    case 'full_url':
      return fold ? getFullUrlLower : getFullUrl;
    case 'filename':
      return fold ? getFilenameLower : getFilename;
    case 'extension':
      return fold ? getExtensionLower : getExtension;
    case 'query_string': {
      const name = condition.name ?? '';
      return fold ? (v) => getQueryParam(v, name)?.toLowerCase() : (v) => getQueryParam(v, name);
    }
    case 'request_header': {
      const name = (condition.name ?? '').toLowerCase();
      return fold ? (v) => v.req.headers(name)?.toLowerCase() : (v) => v.req.headers(name);
    }
    case 'request_method':
      return folded ? getMethodUpper : (v) => v.req.method;
    case 'request_protocol':
      // Typed as 'http' | 'https': already folded.
      return (v) => v.req.protocol;
    case 'client_ip':
      return (v) => v.req.clientIp;
    case 'client_country':
      return folded ? getCountryUpper : (v) => v.req.country;
  }
}

// A missing value equals nothing, so `notequal` holds for it. The closures are spelled out per case,
// with the negation inside, so that one condition costs one or two calls on the hot path.
function compileEquality(condition: Condition, get: Getter, negate: boolean): Test | 'all' {
  const fold = foldOf(condition);
  const wildcards = condition.target === 'url' || condition.target === 'full_url';
  const exact = new Set<string>();
  const patterns: Wildcard[] = [];
  for (const value of condition.values) {
    if (value === 'all') return 'all';
    const folded = fold(value);
    if (wildcards && folded.includes('*')) patterns.push(compileWildcard(folded));
    else exact.add(folded);
  }
  // The getter hands over text folded the same way (see compileGetter).
  if (patterns.length === 0) {
    if (exact.size === 1) {
      const only = exact.values().next().value ?? '';
      return negate ? (v) => get(v) !== only : (v) => get(v) === only;
    }
    return negate
      ? (v) => {
          const s = get(v);
          return s === undefined || !exact.has(s);
        }
      : (v) => {
          const s = get(v);
          return s !== undefined && exact.has(s);
        };
  }
  const equals = (s: string | undefined): boolean => {
    if (s === undefined) return false;
    if (exact.has(s)) return true;
    for (const pattern of patterns) if (matchWildcard(pattern, s)) return true;
    return false;
  };
  return negate ? (v) => !equals(get(v)) : (v) => equals(get(v));
}

/** A '*' pattern cut at its stars: `/a/*\/b/*.js` → first '/a/', middles ['/b/'], last '.js'. */
interface Wildcard {
  first: string;
  middles: string[];
  last: string;
  minLength: number;
}

function compileWildcard(pattern: string): Wildcard {
  const parts = pattern.split('*');
  const first = parts[0] ?? '';
  const last = parts.length > 1 ? (parts[parts.length - 1] ?? '') : '';
  const middles = parts.slice(1, -1).filter((part) => part !== '');
  return { first, middles, last, minLength: first.length + last.length };
}

/**
 * Whether `s` matches a wildcard, where '*' matches any run of characters, '/' included. Taking the
 * leftmost occurrence of each middle piece is always right when '*' is the only wildcard, so this
 * takes at most O(|s|·|pattern|) and, unlike a regex, cannot backtrack.
 */
function matchWildcard(w: Wildcard, s: string): boolean {
  if (s.length < w.minLength || !s.startsWith(w.first) || !s.endsWith(w.last)) return false;
  const middles = w.middles;
  if (middles.length === 0) return true;
  let pos = w.first.length;
  const end = s.length - w.last.length;
  for (const part of middles) {
    const at = s.indexOf(part, pos);
    if (at < 0 || at + part.length > end) return false;
    pos = at + part.length;
  }
  return true;
}

/**
 * Rules' regexes are RE2 syntax (as EdgeOne's) and run in linear time: any client chooses the text
 * they are tested against, so a backtracking engine would let one request stall the gateway.
 */
function compileRegex(pattern: string, ignoreCase: boolean): LinearRegex {
  if (pattern.length > maxRegexLength) failConditions(`regex is ${pattern.length} characters long; at most ${maxRegexLength} are allowed`);
  try {
    return new LinearRegex(pattern, ignoreCase);
  } catch (error) {
    if (!(error instanceof RegexError)) throw error;
    return failConditions(`invalid regex ${JSON.stringify(pattern)}: ${error.message}`);
  }
}

function getHostLower(v: RequestView): string {
  return (v.host ??= v.req.host.toLowerCase());
}

function getMethodUpper(v: RequestView): string {
  return (v.method ??= v.req.method.toUpperCase());
}

function getCountryUpper(v: RequestView): string | undefined {
  if (v.country === undefined) v.country = v.req.country?.toUpperCase() ?? null;
  return v.country ?? undefined;
}

function getPathLower(v: RequestView): string {
  return (v.path ??= v.req.path.toLowerCase());
}

function getFullUrl(v: RequestView): string {
  if (v.fullUrl === undefined) {
    const { protocol, host, path, query } = v.req;
    v.fullUrl = query === '' ? `${protocol}://${host}${path}` : `${protocol}://${host}${path}?${query}`;
  }
  return v.fullUrl;
}

function getFullUrlLower(v: RequestView): string {
  return (v.fullUrlLower ??= getFullUrl(v).toLowerCase());
}

function getFilename(v: RequestView): string {
  if (v.filename === undefined) {
    const path = v.req.path;
    v.filename = path.slice(path.lastIndexOf('/') + 1);
  }
  return v.filename;
}

function getFilenameLower(v: RequestView): string {
  return (v.filenameLower ??= getFilename(v).toLowerCase());
}

// Like path.extname without the dot: 'a.tar.gz' → 'gz', '.htaccess' → '', 'file.' → ''.
function getExtension(v: RequestView): string {
  if (v.extension === undefined) {
    const filename = getFilename(v);
    const dot = filename.lastIndexOf('.');
    v.extension = dot > 0 ? filename.slice(dot + 1) : '';
  }
  return v.extension;
}

function getExtensionLower(v: RequestView): string {
  return (v.extensionLower ??= getExtension(v).toLowerCase());
}

// Each parameter name is looked up once per request, however many rules ask for it.
function getQueryParam(v: RequestView, name: string): string | undefined {
  const cache = (v.query ??= new Map());
  let value = cache.get(name);
  if (value === undefined) {
    value = findQueryParam(v.req.query, name) ?? null;
    cache.set(name, value);
  }
  return value ?? undefined;
}

/**
 * The value of the first query parameter called `name` in a raw query, percent-decoded with '+' as
 * a space (as URLSearchParams reads it); '' for `?name` or `?name=`, undefined when absent.
 */
export function findQueryParam(query: string, name: string): string | undefined {
  const n = query.length;
  let start = 0;
  while (start < n) {
    let end = query.indexOf('&', start);
    if (end < 0) end = n;
    if (end > start) {
      let keyEnd = query.indexOf('=', start);
      if (keyEnd < 0 || keyEnd > end) keyEnd = end;
      const sameRaw = keyEnd - start === name.length && query.startsWith(name, start);
      if (sameRaw || (needsDecoding(query, start, keyEnd) && decodeQueryPart(query.slice(start, keyEnd)) === name)) {
        return keyEnd < end ? decodeQueryPart(query.slice(keyEnd + 1, end)) : '';
      }
    }
    start = end + 1;
  }
  return undefined;
}

function needsDecoding(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 /* % */ || c === 0x2b /* + */) return true;
  }
  return false;
}

function decodeQueryPart(part: string): string {
  if (!needsDecoding(part, 0, part.length)) return part;
  const spaced = part.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    // Malformed escapes are compared as written, as URLSearchParams would keep them.
    return spaced;
  }
}

// ---------------------------------------------------------------------------------------------
// The matcher.

function createView(req: MatchRequest): RequestView {
  return {
    req,
    host: undefined,
    method: undefined,
    country: undefined,
    path: undefined,
    fullUrl: undefined,
    fullUrlLower: undefined,
    filename: undefined,
    filenameLower: undefined,
    extension: undefined,
    extensionLower: undefined,
    query: undefined,
    ip: undefined,
  };
}

/**
 * Compiles rules, in priority order, into a matcher. A rule with no condition groups, and an
 * empty group, never match. Throws `InvalidParameter.InvalidConditions` naming the rule when a condition cannot be
 * compiled (only possible for conditions that did not come through {@link parseConditions}).
 */
export function compileRules(rules: readonly RuleDefinition[]): RuleMatcher {
  const compiled = rules.map((rule) => {
    // An empty group would be an AND of nothing, i.e. a catch-all; never let bad data widen a rule.
    const groups: Test[][] = rule.conditions.filter((group) => group.length > 0).map((group, g) =>
      group.map((condition, c) => {
        try {
          return compileTest(condition);
        } catch (error) {
          if (error instanceof EdgefnError) {
            failConditions(`Invalid conditions in rule ${rule.id}: group ${g + 1}, condition ${c + 1}: ${error.message}`, { ruleId: rule.id });
          }
          throw error;
        }
      }),
    );
    const result: MatchedRule = Object.freeze({ id: rule.id, action: rule.action });
    return { groups, result };
  });

  const index = buildRuleIndex(compiled.map((_, i) => rules[i]!.conditions));
  return {
    size: compiled.length,
    match(req: MatchRequest): MatchedRule | undefined {
      const view = createView(req);
      let found: MatchedRule | undefined;
      visitCandidates(index, req.host.toLowerCase(), req.path, (i) => {
        const rule = compiled[i]!;
        for (const group of rule.groups) {
          let all = true;
          for (const test of group) {
            if (!test(view)) {
              all = false;
              break;
            }
          }
          if (all) {
            found = rule.result;
            return true;
          }
        }
        return false;
      });
      return found;
    },
  };
}

function compileIpEquality(values: string[], negate: boolean): Test | 'all' {
  const ranges: IpRange[] = [];
  for (const value of values) {
    if (value === 'all') return 'all';
    const range = parseIpRange(value);
    if (range === undefined) failConditions(`client_ip value ${JSON.stringify(value)} is not an IP address or CIDR block`);
    ranges.push(range);
  }
  const equals = (v: RequestView): boolean => {
    if (v.ip === undefined) v.ip = parseClientIp(v.req.clientIp) ?? null;
    const ip = v.ip;
    if (ip === null) return false;
    for (const range of ranges) if (isInRange(ip, range)) return true;
    return false;
  };
  return negate ? (v) => !equals(v) : equals;
}
