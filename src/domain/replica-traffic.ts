/**
 * A replica on real traffic, as the API takes it: a rollout (a share of the function's production
 * requests answered by the replica) and shadow traffic (a sample of production requests mirrored
 * to the replica after production has answered). Errors are `InvalidParameter.InvalidParameter`.
 */
import { EdgefnError } from './errors.ts';
import { parseSticky } from './rule-action.ts';
import { isRecord, type Sticky } from './rules.ts';

/** Stops a rollout by itself once enough rollout requests failed. */
export interface AbortIf {
  /** The share of failed rollout requests (0-1) above which the rollout stops. */
  errorRate: number;
  /** Rollout requests counted before the rate is judged. */
  minRequests: number;
}

/** A replica on a share (0.1-100%) of its function's production traffic. */
export interface Rollout {
  percent: number;
  sticky?: Sticky;
  abortIf?: AbortIf;
  /** When this setting was made (ISO): the guard counts requests from here. */
  since: string;
}

/** Why a rollout stopped by itself (its `abortIf` tripped). */
export interface RolloutStop {
  at: string;
  reason: string;
  percent: number;
  requests: number;
  errors: number;
}

/** A replica receiving copies of a sample of production requests. */
export interface Shadow {
  percent: number;
  /** Only requests with these methods are mirrored. */
  methods: string[];
  /** When this setting was made (ISO): the shadow report starts here. */
  since: string;
}

/** Methods a shadow may mirror; GET and HEAD by default, as they should have no side effects. */
export const shadowMethods = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

function fail(message: string): never {
  throw new EdgefnError('InvalidParameter.InvalidParameter', message);
}

function onlyKeys(input: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(input)) if (!allowed.includes(key)) fail(`${what} has unknown field '${key}'`);
}

/** 0-100 in steps of 0.1, rounded to that step. */
function parsePercent(value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 100) || Math.abs(value * 10 - Math.round(value * 10)) > 1e-9) {
    fail("'percent' must be a number from 0 to 100 in steps of 0.1");
  }
  return Math.round(value * 10) / 10;
}

function parseAbortIf(input: unknown): AbortIf {
  if (!isRecord(input)) fail("'abortIf' must be an object: {errorRate: 0-1, minRequests: 1-1000000}");
  onlyKeys(input, ['errorRate', 'minRequests'], "'abortIf'");
  const { errorRate, minRequests } = input;
  if (typeof errorRate !== 'number' || !(errorRate >= 0 && errorRate < 1)) fail("'abortIf.errorRate' must be a number from 0 to below 1 (0.01 is 1%)");
  const min = minRequests === undefined ? 100 : minRequests;
  if (typeof min !== 'number' || !Number.isInteger(min) || min < 1 || min > 1_000_000) fail("'abortIf.minRequests' must be a whole number from 1 to 1000000");
  return { errorRate, minRequests: min };
}

/** `{percent, sticky?, abortIf?}`; zero percent means no rollout (null). */
export function parseRollout(input: unknown, at: string): Rollout | null {
  if (!isRecord(input)) fail('The rollout must be an object: {percent, sticky?, abortIf?}');
  onlyKeys(input, ['percent', 'sticky', 'abortIf'], 'The rollout');
  const percent = parsePercent(input.percent);
  if (percent === 0) return null;
  return {
    percent,
    ...(input.sticky !== undefined ? { sticky: parseSticky(input.sticky) } : {}),
    ...(input.abortIf !== undefined ? { abortIf: parseAbortIf(input.abortIf) } : {}),
    since: at,
  };
}

/** `{percent, methods?}` (methods default to GET and HEAD); zero percent means no shadow (null). */
export function parseShadow(input: unknown, at: string): Shadow | null {
  if (!isRecord(input)) fail('The shadow setting must be an object: {percent, methods?}');
  onlyKeys(input, ['percent', 'methods'], 'The shadow setting');
  const percent = parsePercent(input.percent);
  if (percent === 0) return null;
  let methods: string[] = ['GET', 'HEAD'];
  if (input.methods !== undefined) {
    const given = input.methods;
    if (!Array.isArray(given) || given.length === 0) fail(`'methods' must be a non-empty array of ${shadowMethods.join(', ')}`);
    methods = [];
    for (const method of given) {
      const upper = typeof method === 'string' ? method.toUpperCase() : '';
      if (!(shadowMethods as readonly string[]).includes(upper)) fail(`'methods' may hold only ${shadowMethods.join(', ')}`);
      if (!methods.includes(upper)) methods.push(upper);
    }
  }
  return { percent, methods, since: at };
}

/** One side of a mirrored request: what production, or the replica, answered. */
export interface ShadowSide {
  /** 'ok', 'passthrough' (to the origin), or a platform error code. */
  outcome: string;
  status: number;
  /** The compared headers the answer had (gateway/shadow.ts), lowercase names. */
  headers: Record<string, string>;
  /** Hex SHA-256 of the body as sent; null when there is none to compare (passed through). */
  bodySha256: string | null;
}

/** A production request and its shadow copy, or a copy skipped (too many in flight). */
export interface ShadowNote {
  type: 'shadow';
  functionId: string;
  replica: string;
  /** The shadow setting the copy was made under (a report starts with its setting). */
  since: string;
  pair?: {
    at: string;
    requestId: string;
    method: string;
    path: string;
    production: ShadowSide;
    replica: ShadowSide;
  };
  skipped?: true;
}

/** Whether an execution failed, for error rates: a platform error, or a 5xx status. */
export function isFailure(outcome: string, status: number): boolean {
  return (outcome !== 'ok' && outcome !== 'passthrough') || status >= 500;
}
