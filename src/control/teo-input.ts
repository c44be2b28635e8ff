/**
 * Reading Tencent Cloud API parameters at the boundary, with Tencent Cloud's error codes: a
 * missing required parameter is MissingParameter, one the action does not know UnknownParameter,
 * a wrong type InvalidParameter, a value out of range InvalidParameterValue.
 */
import { EdgefnError } from '../domain/errors.ts';

export type Params = Record<string, unknown>;

const wrongType = (name: string, type: string): EdgefnError => new EdgefnError('InvalidParameter.InvalidParameter', `The parameter ${name} must be ${type}.`);

export function badValue(name: string, rule: string): EdgefnError {
  return new EdgefnError('InvalidParameterValue', `The value of ${name} is invalid: ${rule}.`);
}

/** The body as parameters; `known` lists every parameter the action takes. */
export function paramsOf(body: unknown, known: readonly string[]): Params {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw wrongType('body', 'a JSON object');
  for (const key of Object.keys(body)) {
    if (!known.includes(key)) throw new EdgefnError('UnknownParameter', `The parameter ${key} is not recognized.`);
  }
  return body as Params;
}

export function requiredText(p: Params, name: string): string {
  if (p[name] === undefined || p[name] === null) throw new EdgefnError('MissingParameter', `The request is missing a required parameter ${name}.`);
  return optionalText(p, name)!;
}

export function optionalText(p: Params, name: string): string | undefined {
  const value = p[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw wrongType(name, 'a string');
  return value;
}

export function optionalBoolean(p: Params, name: string): boolean | undefined {
  const value = p[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw wrongType(name, 'a boolean');
  return value;
}

export function textList(p: Params, name: string, required = false): string[] | undefined {
  const value = p[name];
  if (value === undefined || value === null) {
    if (required) throw new EdgefnError('MissingParameter', `The request is missing a required parameter ${name}.`);
    return undefined;
  }
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw wrongType(name, 'an array of strings');
  return value as string[];
}

/** An array of objects, each read with `read` (its own parameters checked the same way). */
export function objectList<T>(p: Params, name: string, read: (item: Params, at: string) => T, required = false): T[] | undefined {
  const value = p[name];
  if (value === undefined || value === null) {
    if (required) throw new EdgefnError('MissingParameter', `The request is missing a required parameter ${name}.`);
    return undefined;
  }
  if (!Array.isArray(value)) throw wrongType(name, 'an array');
  return value.map((item: unknown, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw wrongType(`${name}.${i}`, 'an object');
    return read(item as Params, `${name}.${i}`);
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

/** Filters [{Name, Values, Fuzzy?}]; `names` are the filter names the action knows. */
export function filtersOf(p: Params, names: readonly string[], fuzzyAlways: readonly string[] = []): FilterTest[] {
  return objectList(p, 'Filters', (item, at) => {
    const name = requiredText(item, 'Name');
    if (!names.includes(name)) throw badValue(`${at}.Name`, `it must be one of ${names.join(', ')}`);
    for (const key of Object.keys(item)) if (!['Name', 'Values', 'Fuzzy'].includes(key)) throw new EdgefnError('UnknownParameter', `The parameter ${at}.${key} is not recognized.`);
    return { name, values: textList(item, 'Values', true)!, fuzzy: fuzzyAlways.includes(name) || optionalBoolean(item, 'Fuzzy') === true };
  }) ?? [];
}

/** Whether `value` passes every filter named `name`. */
export function passes(filters: FilterTest[], name: string, value: string): boolean {
  return filters.every((f) => f.name !== name || f.values.some((v) => (f.fuzzy ? value.includes(v) : value === v)));
}

/** Tencent Cloud's time format: ISO 8601 in UTC, to the second. */
export function tencentTime(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
