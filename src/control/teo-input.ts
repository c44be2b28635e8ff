/**
 * Reading Tencent Cloud API parameters at the boundary, with Tencent Cloud's error codes: a
 * missing required parameter is MissingParameter, one the action does not know UnknownParameter,
 * a wrong type InvalidParameter, a value out of range InvalidParameterValue. Parameters inside
 * lists are named by their path (`FunctionRuleConditions.0.RuleConditions.1.Target`), and every
 * list has a length cap, so no request makes the server walk a list of any size.
 */
import { EdgefnError } from '../domain/errors.ts';

export type Params = Record<string, unknown>;

/** How list readers name and bound a parameter: `path` is its parents' prefix (`Filters.0.`). */
export interface ListOptions {
  required?: boolean;
  max?: number;
  path?: string;
}

const wrongType = (name: string, type: string): EdgefnError => new EdgefnError('InvalidParameter.InvalidParameter', `The parameter ${name} must be ${type}.`);
const missing = (name: string): EdgefnError => new EdgefnError('MissingParameter', `The request is missing a required parameter ${name}.`);

export function badValue(name: string, rule: string): EdgefnError {
  return new EdgefnError('InvalidParameterValue', `The value of ${name} is invalid: ${rule}.`);
}

/** Refuses any parameter of `item` not in `known`. */
export function onlyParams(item: Params, known: readonly string[], path = ''): void {
  for (const key of Object.keys(item)) {
    if (!known.includes(key)) throw new EdgefnError('UnknownParameter', `The parameter ${path}${key} is not recognized.`);
  }
}

/** The body as parameters; `known` lists every parameter the action takes. */
export function paramsOf(body: unknown, known: readonly string[]): Params {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw wrongType('body', 'a JSON object');
  onlyParams(body as Params, known);
  return body as Params;
}

const absent = (value: unknown): boolean => value === undefined || value === null;

export function optionalText(p: Params, name: string, path = ''): string | undefined {
  const value = p[name];
  if (absent(value)) return undefined;
  if (typeof value !== 'string') throw wrongType(path + name, 'a string');
  return value;
}

export function requiredText(p: Params, name: string, path = ''): string {
  const value = optionalText(p, name, path);
  if (value === undefined) throw missing(path + name);
  return value;
}

export function optionalBoolean(p: Params, name: string, path = ''): boolean | undefined {
  const value = p[name];
  if (absent(value)) return undefined;
  if (typeof value !== 'boolean') throw wrongType(path + name, 'a boolean');
  return value;
}

function listOf(p: Params, name: string, options: ListOptions): unknown[] | undefined {
  const value = p[name];
  const path = (options.path ?? '') + name;
  if (absent(value)) {
    if (options.required) throw missing(path);
    return undefined;
  }
  if (!Array.isArray(value)) throw wrongType(path, 'an array');
  const max = options.max ?? 200;
  if (value.length > max) throw badValue(path, `it may hold at most ${max} items`);
  return value;
}

export function textList(p: Params, name: string, options: ListOptions = {}): string[] | undefined {
  const list = listOf(p, name, options);
  if (list?.some((v) => typeof v !== 'string')) throw wrongType((options.path ?? '') + name, 'an array of strings');
  return list as string[] | undefined;
}

/** A list of objects, each read by `read` with its own path (`Name.3.`) and only `known` parameters. */
export function objectList<T>(p: Params, name: string, known: readonly string[], read: (item: Params, path: string) => T, options: ListOptions = {}): T[] | undefined {
  return listOf(p, name, options)?.map((item: unknown, i) => {
    const path = `${options.path ?? ''}${name}.${i}.`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw wrongType(path.slice(0, -1), 'an object');
    onlyParams(item as Params, known, path);
    return read(item as Params, path);
  });
}

/** Offset and Limit of a Describe action: Offset >= 0, 1 <= Limit <= `max` (default `fallback`). */
export function paging(p: Params, fallback = 20, max = 200): { offset: number; limit: number } {
  const offset = p.Offset ?? 0;
  const limit = p.Limit ?? fallback;
  if (typeof offset !== 'number' || !Number.isInteger(offset)) throw wrongType('Offset', 'an integer');
  if (typeof limit !== 'number' || !Number.isInteger(limit)) throw wrongType('Limit', 'an integer');
  if (offset < 0) throw badValue('Offset', 'it must not be negative');
  if (limit < 1 || limit > max) throw badValue('Limit', `it must be from 1 to ${max}`);
  return { offset, limit };
}

/** A filter's test: any of `values`, exactly or (fuzzy) as a substring. */
export interface FilterTest {
  name: string;
  values: string[];
  fuzzy: boolean;
}

/**
 * Filters [{Name, Values (at most 20), Fuzzy?}]; `names` are the filters the action knows,
 * `fuzzyAlways` those that always match substrings. `Fuzzy` counts only where the model has it.
 */
export function filtersOf(p: Params, names: readonly string[], fuzzyAlways: readonly string[] = [], fuzzyAllowed = false): FilterTest[] {
  return objectList(p, 'Filters', fuzzyAllowed ? ['Name', 'Values', 'Fuzzy'] : ['Name', 'Values'], (item, path) => {
    const name = requiredText(item, 'Name', path);
    if (!names.includes(name)) throw badValue(`${path}Name`, `it must be one of ${names.join(', ')}`);
    return { name, values: textList(item, 'Values', { required: true, max: 20, path })!, fuzzy: fuzzyAlways.includes(name) || optionalBoolean(item, 'Fuzzy', path) === true };
  }, { max: 20 }) ?? [];
}

/** Whether `value` passes every filter named `name`. */
export function passes(filters: FilterTest[], name: string, value: string): boolean {
  return filters.every((f) => f.name !== name || f.values.some((v) => (f.fuzzy ? value.includes(v) : value === v)));
}

/** Tencent Cloud's time format: ISO 8601 in UTC, to the second. */
export function tencentTime(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
