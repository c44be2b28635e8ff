/** Reading API request bodies at the boundary: each field's type checked once, with a clear error. */
import { EdgefnError } from '../domain/errors.ts';

type Body = Record<string, unknown>;

const bad = (message: string): EdgefnError => new EdgefnError('InvalidParameter.InvalidParameter', message);

/** The body as an object (an empty object when there is none). */
export function objectBody(body: unknown): Body {
  if (body === undefined) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw bad('The request body must be a JSON object');
  return body as Body;
}

export function requiredString(body: Body, field: string): string {
  const value = body[field];
  if (typeof value !== 'string') throw bad(`'${field}' is required and must be a string`);
  return value;
}

export function optionalString(body: Body, field: string): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw bad(`'${field}' must be a string`);
  return value;
}

export function optionalInteger(body: Body, field: string): number | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw bad(`'${field}' must be an integer`);
  return value;
}

export function oneOf<T extends string>(body: Body, field: string, allowed: readonly T[]): T {
  const value = body[field];
  if (typeof value !== 'string' || !allowed.includes(value as T)) throw bad(`'${field}' must be one of ${allowed.join(', ')}`);
  return value as T;
}

export function stringArray(body: Body, field: string): string[] {
  const value = body[field];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw bad(`'${field}' must be an array of strings`);
  return value as string[];
}

/** Refuses fields the route does not know, so typos do not pass silently. */
export function onlyFields(body: Body, allowed: readonly string[]): void {
  for (const key of Object.keys(body)) if (!allowed.includes(key)) throw bad(`Unknown field '${key}'`);
}
