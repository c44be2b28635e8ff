/**
 * The console's only way to the platform: the public HTTP API, with the admin token from
 * sessionStorage in the Authorization header (never a cookie, so no other site can ride on it).
 */
const tokenKey = 'edgefn.token';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const token = {
  get: (): string | null => sessionStorage.getItem(tokenKey),
  set: (value: string): void => sessionStorage.setItem(tokenKey, value),
  clear: (): void => sessionStorage.removeItem(tokenKey),
};

/** Called when the API refuses the token (it was changed, or signed out elsewhere). */
let onUnauthorized: () => void = () => undefined;
export const whenUnauthorized = (callback: () => void): void => {
  onUnauthorized = callback;
};

export async function call<T>(method: string, path: string, body?: unknown, given = token.get()): Promise<T> {
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${given ?? ''}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) {
    let error: { code?: string; message?: string; details?: Record<string, unknown> } = {};
    try {
      error = (JSON.parse(text) as { error?: typeof error }).error ?? {};
    } catch {
      // not JSON
    }
    if (res.status === 401 && given === token.get()) onUnauthorized();
    throw new ApiError(res.status, error.code ?? `HTTP ${res.status}`, error.message ?? res.statusText, error.details);
  }
  return (text === '' ? {} : JSON.parse(text)) as T;
}

export const enc = encodeURIComponent;

// The API's objects, as far as the console reads them.
export interface Zone { id: string; name: string; origin: string }
export interface VersionRef { id: string; sha256: string; source: string; createdAt: string }
export interface Fn { id: string; zoneId: string; name: string; remark: string; domain: string; productionVersion: VersionRef; createdAt: string; updatedAt: string }
export interface Sticky { by: string; name?: string }
/** Stops a rollout by itself: errorRate is a share (0.01 is 1%) judged after minRequests. */
export interface AbortIf { errorRate: number; minRequests: number }
export interface Rollout { percent: number; sticky?: Sticky; abortIf?: AbortIf; since: string }
/** Why the last rollout stopped by itself; cleared by the next rollout. */
export interface RolloutStop { at: string; reason: string; percent: number; requests: number; errors: number }
export interface Shadow { percent: number; methods: string[]; since: string }
export interface Replica {
  functionId: string; name: string; remark: string; revision: number; createdAt: string; modifiedAt: string; content?: string;
  rollout: Rollout | null; rolloutStop?: RolloutStop | null; shadow?: Shadow | null;
}
export interface Version extends VersionRef { remark: string; content?: string }
export interface EnvVar { key: string; type: 'string' | 'json' | 'secret'; value?: string; updatedAt: string }
export interface Condition { target: string; operator: string; values: string[]; ignoreCase: boolean; name?: string }
export interface RuleAction {
  type: 'direct' | 'weight' | 'region';
  functionId?: string;
  targets?: { functionId: string; weight?: number; regions?: string[] }[];
  sticky?: { by: string; name?: string };
}
export interface Rule { id: string; zoneId: string; conditions: Condition[][]; action: RuleAction; remark: string }
export interface Compare { production: { version: { id: string }; content: string }; replica: { name: string; revision: number; content: string }; diff: string; added: number; removed: number }
export interface LogRecord {
  requestId: string; at: string; variant: string; versionId?: string; revision?: number; method: string; path: string;
  status: number; outcome: string; logs: { level: string; message: string }[]; droppedLogs: number;
  error?: { message: string; stack?: string }; cpuMs: number; wallMs: number; subrequests: number;
  /** How a replica got the request: its header, its rollout, or a shadow copy no client saw. */
  via?: 'header' | 'rollout' | 'shadow';
}
export interface TestResult { status: number; headers: [string, string][]; body: string; bodyTruncated: boolean; requestId: string | null; record: LogRecord | null }

/** One side of a mirrored request: what production, or the replica, answered. */
export interface ShadowSide { outcome: string; status: number; headers: Record<string, string>; bodySha256: string | null }
export interface ShadowPair { at: string; requestId: string; method: string; path: string; production: ShadowSide; replica: ShadowSide }
export interface ErrorCounts { requests: number; failures: number; errorRate: number | null }
export interface ShadowReport {
  since: string; pairs: number; matches: number; skipped: number;
  /** By kind: outcome, status, header:<name>, body. */
  mismatches: Record<string, { count: number; examples: ShadowPair[] }>;
  production: ErrorCounts; replica: ErrorCounts;
}
export interface Percentiles { p50: number; p95: number; p99: number }
export interface MetricsSummary extends ErrorCounts { wallMs: Percentiles | null; cpuMs: Percentiles | null }
export interface MetricsCompare {
  window: { seconds: number; from: string; to: string };
  production: MetricsSummary & { version: string };
  replica: MetricsSummary & { name: string; revision: number; byTraffic: Record<'header' | 'rollout' | 'shadow', MetricsSummary> };
}
