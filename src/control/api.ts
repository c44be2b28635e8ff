/**
 * The HTTP API (`/api/v1`): JSON over HTTP, `Authorization: Bearer <token>` on every call. Routes
 * only parse input and call the control plane; the OpenAPI document is generated from this table.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { EdgefnError } from '../domain/errors.ts';
import type { ControlPlane } from './services.ts';
import type { ReplicaTraffic } from './replica-traffic.ts';
import type { ApiKeys } from './api-keys.ts';
import type { VersionMetrics } from './metrics.ts';
import { createRouter, type Route } from './router.ts';
import { objectBody, oneOf, onlyFields, optionalInteger, optionalString, requiredString, stringArray } from './input.ts';
import { openApiDocument } from './openapi.ts';
import { parseTestInput, runTestRequest } from './test-request.ts';
import { defaultFollowLimits, followResult, type FollowLimits } from './follow.ts';

export interface ApiOptions {
  control: ControlPlane;
  traffic: ReplicaTraffic;
  /** Keys of the EdgeOne-compatible API (teo.ts), managed here with the admin token. */
  keys: ApiKeys;
  /** Served at GET /metrics (Prometheus text); none when invocation records are off. */
  metrics?: VersionMetrics | null;
  /** The admin token every request must carry. */
  token: string;
  /**
   * Awaited after each change before the API answers: with it, once a sync or rollback call has
   * returned, the gateway serves no new request with the old code.
   */
  afterWrite?: () => Promise<void>;
  /** Where this platform's gateway listens, for clients that send test requests (the CLI). */
  gatewayUrl?: string;
  /** Follow streams of the logs (heartbeat, slow-follower bound; defaults in follow.ts). */
  follow?: Partial<FollowLimits>;
  log?: (line: string) => void;
}

const ok = (body: unknown) => ({ status: 200, body });
const created = (body: unknown) => ({ status: 201, body });
const noContent = () => ({ status: 204 });

function routes(c: ControlPlane, t: ReplicaTraffic, followLimits: FollowLimits, gatewayUrl: string | undefined): Route[] {
  const fn = '/api/v1/functions/{functionId}';
  const replica = `${fn}/replicas/{name}`;
  const rules = '/api/v1/zones/{zoneId}/rules';
  return [
    { method: 'POST', path: '/api/v1/zones', summary: 'Create a zone (site): {name, origin}', handler: async ({ body }) => {
      const b = objectBody(body);
      onlyFields(b, ['name', 'origin']);
      return created(await c.createZone({ name: requiredString(b, 'name'), origin: requiredString(b, 'origin') }));
    } },
    { method: 'GET', path: '/api/v1/zones', summary: 'List zones', handler: async () => ok({ zones: await c.listZones() }) },
    { method: 'GET', path: '/api/v1/zones/{zoneId}', summary: 'Get a zone', handler: async ({ params }) => ok(await c.getZone(params.zoneId!)) },
    { method: 'PATCH', path: '/api/v1/zones/{zoneId}', summary: 'Change a zone: {origin?}', handler: async ({ params, body }) => {
      const b = objectBody(body);
      onlyFields(b, ['origin']);
      const origin = optionalString(b, 'origin');
      return ok(await c.updateZone(params.zoneId!, origin === undefined ? {} : { origin }));
    } },
    { method: 'DELETE', path: '/api/v1/zones/{zoneId}', summary: 'Delete a zone with its functions and rules', handler: async ({ params }) => {
      await c.deleteZone(params.zoneId!);
      return noContent();
    } },

    { method: 'POST', path: '/api/v1/functions', summary: 'Create a function: {zoneId, name, content, remark?}', handler: async ({ body }) => {
      const b = objectBody(body);
      onlyFields(b, ['zoneId', 'name', 'content', 'remark']);
      const remark = optionalString(b, 'remark');
      return created(await c.createFunction({ zoneId: requiredString(b, 'zoneId'), name: requiredString(b, 'name'), content: requiredString(b, 'content'), ...(remark !== undefined ? { remark } : {}) }));
    } },
    { method: 'GET', path: '/api/v1/functions', summary: 'List functions (?zoneId=)', handler: async ({ query }) => {
      const zoneId = query.get('zoneId');
      if (zoneId === '') throw new EdgefnError('InvalidParameter.InvalidParameter', "'zoneId' must not be empty");
      return ok({ functions: await c.listFunctions(zoneId ?? undefined) });
    } },
    { method: 'GET', path: `${fn}/logs`, summary: 'Invocation records, newest first (?variant=production|<replica>&limit=1..1000&before=<next>); with ?follow=1, new records as they come, as NDJSON (application/x-ndjson: one record per line, an empty line every 15 s; ?variant= filters, default every variant)', handler: async ({ params, query }) => {
      const variant = query.get('variant') ?? undefined;
      const follow = query.get('follow');
      if (follow !== null && follow !== '0' && follow !== '1') throw new EdgefnError('InvalidParameter.InvalidParameter', "'follow' must be 1 (or 0)");
      if (follow === '1') {
        if (query.has('limit') || query.has('before')) throw new EdgefnError('InvalidParameter.InvalidParameter', "'limit' and 'before' page the list; a follow stream has neither");
        return followResult((listener, onEnd) => c.followLogs(params.functionId!, variant, listener, onEnd), followLimits);
      }
      const limitText = query.get('limit');
      const limit = limitText === null ? undefined : Number(limitText);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000)) throw new EdgefnError('InvalidParameter.InvalidParameter', "'limit' must be a whole number from 1 to 1000");
      const before = query.get('before') ?? undefined;
      if (before !== undefined && !/^[1-9]\d{0,15}$/.test(before)) throw new EdgefnError('InvalidParameter.InvalidParameter', "'before' must be the 'next' of an earlier page");
      return ok(await c.listLogs(params.functionId!, { variant: variant ?? 'production', ...(limit !== undefined ? { limit } : {}), ...(before !== undefined ? { before } : {}) }));
    } },
    { method: 'POST', path: `${fn}/test`, summary: "Send a test request through this platform's gateway to the function's default domain: {variant: production|<replica>, method, path, headers: [[name, value]], body?}; answers {status, headers, body, bodyTruncated, requestId, record}", handler: async ({ params, body }) => {
      const b = objectBody(body);
      onlyFields(b, ['variant', 'method', 'path', 'headers', 'body']);
      if (!gatewayUrl) throw new EdgefnError('FailedOperation.TestRequestFailed', 'This API has no gateway to send test requests through');
      return ok(await runTestRequest(c, gatewayUrl, params.functionId!, parseTestInput(b)));
    } },
    { method: 'GET', path: fn, summary: 'Get a function', handler: async ({ params }) => ok(await c.getFunction(params.functionId!)) },
    { method: 'PATCH', path: fn, summary: 'Change a function: {content?, remark?}; new content is a new production version', handler: async ({ params, body }) => {
      const b = objectBody(body);
      onlyFields(b, ['content', 'remark']);
      const content = optionalString(b, 'content');
      const remark = optionalString(b, 'remark');
      return ok(await c.updateFunction(params.functionId!, { ...(content !== undefined ? { content } : {}), ...(remark !== undefined ? { remark } : {}) }));
    } },
    { method: 'DELETE', path: fn, summary: 'Delete a function', handler: async ({ params }) => {
      await c.deleteFunction(params.functionId!);
      return noContent();
    } },

    { method: 'GET', path: `${fn}/versions`, summary: 'List production versions, newest first', handler: async ({ params }) => ok({ versions: await c.listVersions(params.functionId!) }) },
    { method: 'GET', path: `${fn}/versions/{versionId}`, summary: 'Get a version with its content', handler: async ({ params }) => ok(await c.getVersion(params.functionId!, params.versionId!)) },
    { method: 'POST', path: `${fn}/versions/{versionId}/rollback`, summary: "Make a new production version with this version's content", handler: async ({ params }) =>
      created(await c.rollback(params.functionId!, params.versionId!)) },

    { method: 'PUT', path: `${fn}/env/{key}`, summary: 'Set an env var: {value, type: string|json|secret}', handler: async ({ params, body }) => {
      const b = objectBody(body);
      onlyFields(b, ['value', 'type']);
      return ok(await c.putEnv(params.functionId!, params.key!, { value: requiredString(b, 'value'), type: oneOf(b, 'type', ['string', 'json', 'secret'] as const) }));
    } },
    { method: 'GET', path: `${fn}/env`, summary: 'List env vars (secret values are never returned)', handler: async ({ params }) => ok({ env: await c.listEnv(params.functionId!) }) },
    { method: 'DELETE', path: `${fn}/env/{key}`, summary: 'Delete an env var', handler: async ({ params }) => {
      await c.deleteEnv(params.functionId!, params.key!);
      return noContent();
    } },

    { method: 'POST', path: `${fn}/replicas`, summary: 'Create a replica: {name, from: "production"} or {name, content}; remark?', handler: async ({ params, body }) => {
      const b = objectBody(body);
      onlyFields(b, ['name', 'from', 'content', 'remark']);
      const name = requiredString(b, 'name');
      const remark = optionalString(b, 'remark');
      const base = { name, ...(remark !== undefined ? { remark } : {}) };
      if (b.from !== undefined && b.content !== undefined) throw new EdgefnError('InvalidParameter.InvalidParameter', "Give either 'from' or 'content', not both");
      if (b.from !== undefined) {
        oneOf(b, 'from', ['production'] as const);
        return created(await c.createReplica(params.functionId!, { ...base, from: 'production' }));
      }
      return created(await c.createReplica(params.functionId!, { ...base, content: requiredString(b, 'content') }));
    } },
    { method: 'GET', path: `${fn}/replicas`, summary: 'List replicas', handler: async ({ params }) => ok({ replicas: await c.listReplicas(params.functionId!) }) },
    { method: 'GET', path: replica, summary: 'Get a replica with its content', handler: async ({ params }) => ok(await c.getReplica(params.functionId!, params.name!)) },
    { method: 'PATCH', path: replica, summary: 'Change a replica: {content?, remark?, revision?}; a stale revision is a 409', handler: async ({ params, body }) => {
      const b = objectBody(body);
      onlyFields(b, ['content', 'remark', 'revision']);
      const content = optionalString(b, 'content');
      const remark = optionalString(b, 'remark');
      const revision = optionalInteger(b, 'revision');
      return ok(await c.updateReplica(params.functionId!, params.name!, { ...(content !== undefined ? { content } : {}), ...(remark !== undefined ? { remark } : {}), ...(revision !== undefined ? { revision } : {}) }));
    } },
    { method: 'DELETE', path: replica, summary: 'Delete a replica', handler: async ({ params }) => {
      await c.deleteReplicas(params.functionId!, [params.name!]);
      return noContent();
    } },
    { method: 'PUT', path: `${replica}/rollout`, summary: "Send a share of the function's production traffic (requests without the replica header) to the replica: {percent: 0-100 in steps of 0.1, sticky?: {by: cookie|header, name} | {by: client_ip}, abortIf?: {errorRate: 0-1, minRequests?}}; 0 ends it", handler: async ({ params, body }) =>
      ok(await t.setRollout(params.functionId!, params.name!, objectBody(body))) },
    { method: 'DELETE', path: `${replica}/rollout`, summary: "End the replica's rollout: production serves all its traffic again", handler: async ({ params }) =>
      ok(await t.setRollout(params.functionId!, params.name!, { percent: 0 })) },
    { method: 'PUT', path: `${replica}/shadow`, summary: 'Mirror a sample of production requests to the replica after production has answered: {percent: 0-100 in steps of 0.1, methods?: [GET, HEAD, ...] (default GET and HEAD)}; 0 ends it', handler: async ({ params, body }) =>
      ok(await t.setShadow(params.functionId!, params.name!, objectBody(body))) },
    { method: 'DELETE', path: `${replica}/shadow`, summary: 'End the shadow traffic to the replica', handler: async ({ params }) =>
      ok(await t.setShadow(params.functionId!, params.name!, { percent: 0 })) },
    { method: 'GET', path: `${replica}/shadow/report`, summary: 'The shadow setting and the report of its pairs: matches, mismatches by kind with examples, error rates', handler: async ({ params }) =>
      ok(await t.shadowReport(params.functionId!, params.name!)) },
    { method: 'GET', path: `${fn}/metrics/compare`, summary: "The replica's current revision against production's version (?replica=<name>&window=<seconds, 60-3600, default 900>): requests, error rate, p50/p95/p99 wall and CPU time", handler: async ({ params, query }) => {
      const name = query.get('replica');
      if (!name) throw new EdgefnError('InvalidParameter.InvalidParameter', "'replica' is required: ?replica=<name>");
      const window = query.get('window');
      return ok(await t.compare(params.functionId!, name, window === null ? 900_000 : /^\d{1,5}$/.test(window) ? Number(window) * 1000 : NaN));
    } },
    { method: 'GET', path: `${replica}/compare`, summary: 'Compare production with the replica (unified diff)', handler: async ({ params }) => ok(await c.compare(params.functionId!, params.name!)) },
    { method: 'POST', path: `${replica}/sync`, summary: 'Sync the replica to production: {productionVersion, replicaRevision?, confirm: true}; either one stale is a 409', handler: async ({ params, body }) => {
      const b = objectBody(body);
      onlyFields(b, ['productionVersion', 'replicaRevision', 'confirm']);
      const replicaRevision = optionalInteger(b, 'replicaRevision');
      return created(await c.sync(params.functionId!, params.name!, { productionVersion: requiredString(b, 'productionVersion'), ...(replicaRevision !== undefined ? { replicaRevision } : {}), confirm: b.confirm === true }));
    } },

    { method: 'POST', path: rules, summary: 'Create a trigger rule: {conditions: [[{target, operator, values, ignoreCase?, name?}]], functionId | action: {type: direct|weight|region, ...}, remark?}', handler: async ({ params, body }) => {
      const b = objectBody(body);
      onlyFields(b, ['conditions', 'functionId', 'action', 'remark']);
      const remark = optionalString(b, 'remark');
      const functionId = optionalString(b, 'functionId');
      return created(await c.createRule(params.zoneId!, { conditions: b.conditions, ...(functionId !== undefined ? { functionId } : {}), ...(b.action !== undefined ? { action: b.action } : {}), ...(remark !== undefined ? { remark } : {}) }));
    } },
    { method: 'GET', path: rules, summary: 'List trigger rules in execution order', handler: async ({ params }) => ok({ rules: await c.listRules(params.zoneId!) }) },
    { method: 'PUT', path: `${rules}/order`, summary: 'Order the rules: {ruleIds: [...]} (every id, first runs first)', handler: async ({ params, body }) => {
      const b = objectBody(body);
      onlyFields(b, ['ruleIds']);
      return ok({ rules: await c.reorderRules(params.zoneId!, stringArray(b, 'ruleIds')) });
    } },
    { method: 'GET', path: `${rules}/{ruleId}`, summary: 'Get a trigger rule', handler: async ({ params }) => ok(await c.getRule(params.zoneId!, params.ruleId!)) },
    { method: 'PATCH', path: `${rules}/{ruleId}`, summary: 'Change a trigger rule: {conditions?, functionId? | action?, remark?}', handler: async ({ params, body }) => {
      const b = objectBody(body);
      onlyFields(b, ['conditions', 'functionId', 'action', 'remark']);
      const functionId = optionalString(b, 'functionId');
      const remark = optionalString(b, 'remark');
      return ok(await c.updateRule(params.zoneId!, params.ruleId!, { ...(b.conditions !== undefined ? { conditions: b.conditions } : {}), ...(functionId !== undefined ? { functionId } : {}), ...(b.action !== undefined ? { action: b.action } : {}), ...(remark !== undefined ? { remark } : {}) }));
    } },
    { method: 'DELETE', path: `${rules}/{ruleId}`, summary: 'Delete a trigger rule', handler: async ({ params }) => {
      await c.deleteRules(params.zoneId!, [params.ruleId!]);
      return noContent();
    } },
  ];
}

/** The API's request handler. */
export function createApi(options: ApiOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const table = routes(options.control, options.traffic, { ...defaultFollowLimits, ...options.follow }, options.gatewayUrl);
  const metrics = options.metrics;
  table.push({ method: 'GET', path: '/metrics', summary: 'Per-version metrics in the Prometheus text format (admin token required, as everywhere)', handler: async () => {
    if (!metrics) throw new EdgefnError('FailedOperation.InvocationLogsOff', 'Metrics are made from invocation records, which are off on this server (edgefn serve --invocation-logs off)');
    const text = await metrics.text();
    return { status: 200, stream: (res) => res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text) }).end(text) };
  } });
  const expected = Buffer.from(options.token);
  const keys = options.keys;
  table.push(
    { method: 'POST', path: '/api/v1/api-keys', summary: 'Create an API key for the EdgeOne-compatible API (POST / with TC3-HMAC-SHA256): {remark?}; answers {secretId, secretKey, remark, createdAt}, the secretKey shown this once', handler: async ({ body }) => {
      const b = objectBody(body);
      onlyFields(b, ['remark']);
      return created(await keys.create(optionalString(b, 'remark') ?? ''));
    } },
    { method: 'GET', path: '/api/v1/api-keys', summary: 'List API keys (never their secret keys)', handler: async () => ok({ apiKeys: await keys.list() }) },
    { method: 'DELETE', path: '/api/v1/api-keys/{secretId}', summary: 'Delete an API key: its next request is refused', handler: async ({ params }) => {
      await keys.delete(params.secretId!);
      return noContent();
    } },
  );
  table.push({ method: 'GET', path: '/api/v1/platform', summary: "This platform: {gateway} is the gateway's URL (its host is the listening address; a wildcard address means this API's host)", handler: async () => ok({ gateway: options.gatewayUrl ?? null }) });
  table.push({ method: 'GET', path: '/api/v1/openapi.json', summary: 'This API as an OpenAPI 3 document', handler: async () => ok(openApiDocument(table)) });
  return createRouter(table, {
    log,
    ...(options.afterWrite ? { afterWrite: options.afterWrite } : {}),
    before: (req) => {
      // Checked before routing, for every path. Compare in constant time; never echo the token.
      const match = /^bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
      const given = Buffer.from(match?.[1]?.trim() ?? '');
      if (given.byteLength !== expected.byteLength || !timingSafeEqual(given, expected)) {
        throw new EdgefnError('UnauthorizedOperation.Unauthorized', 'Missing or wrong admin token: send Authorization: Bearer <token>');
      }
    },
  });
}
