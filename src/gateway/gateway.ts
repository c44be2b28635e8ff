/**
 * The data plane: resolves each request to a function (default domain, or the zone's trigger
 * rules), runs production in this process and replicas in the replica lane, passes everything else
 * through to the zone's origin, and maps platform failures to responses with a code header.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MatchRequest } from '../domain/rules.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { EgressDispatchers } from '../runtime/host/egress.ts';
import { ownHostRoute, readBodyWithin, readTarget, toIncoming, writeFailure, writeResponse } from './node-io.ts';
import type { RequestTarget } from './request-target.ts';
import { proxyToOrigin } from './proxy.ts';
import type { FunctionEntry, RoutingTable, ZoneEntry } from './routes.ts';
import type { LaneClient } from './lane.ts';
import type { Geo, GeoLookup } from './geo.ts';
import { loopHeader, newLoop, readLoop, stampLoop, type LoopGuard, type LoopState } from './loop.ts';
import { newRequestId, pathOf, recordWhenDone, requestIdHeader, type RecordSink, type RecordStart } from './records.ts';
import { pickFunctionId, pickRollout, selectedHeader } from './rule-pick.ts';
import { ShadowMirror, comparedOf, hashWhileSending, pickShadow } from './shadow.ts';
import type { ShadowSide } from './records.ts';
import { statusOf } from '../domain/errors.ts';
import { clientIpOf } from './client-ip.ts';
import type { IpRange } from '../domain/ip-range.ts';
import { reservedReplicaName } from '../domain/names.ts';

/** The request header that picks a replica, and the response header that says what answered. */
export const replicaHeader = 'eo-function-replica-name';
export const replicaStatusHeader = 'EO-Function-Replica-Status';

export interface GatewayOptions {
  routes: RoutingTable;
  runtime: Runtime;
  lane: LaneClient;
  /** Where clients are (request.eo.geo, client_country rules); none by default. */
  geo?: GeoLookup;
  /** Loop and fan-out limits for requests that functions send back to the platform. */
  loops: LoopGuard;
  /** Where functions' subrequests may go: the public internet and their zone's origin. */
  egress: EgressDispatchers;
  /** Where invocation records go (none: not recorded). */
  records?: RecordSink;
  /** Reverse proxies whose X-Forwarded-For names the client (`--trust-proxy`); none by default. */
  trustProxy?: IpRange[];
  log?: (line: string) => void;
}

function matchRequest(req: IncomingMessage, target: RequestTarget, clientIp: string, geo: Geo | undefined): MatchRequest {
  const url = target.path;
  const q = url.indexOf('?');
  return {
    host: target.hostname,
    path: q === -1 ? url : url.slice(0, q),
    query: q === -1 ? '' : url.slice(q + 1),
    method: req.method ?? 'GET',
    protocol: 'http',
    headers: (name) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
    clientIp,
    ...(typeof geo?.countryCodeAlpha2 === 'string' ? { country: geo.countryCodeAlpha2 } : {}),
  };
}

export function createGateway(options: GatewayOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { routes, runtime, lane } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));

  const proxies = options.trustProxy ?? [];

  // Shadow copies are reported through the record sink: none without it.
  const mirror = options.records && new ShadowMirror(lane, options.records);

  async function runProduction(req: IncomingMessage, res: ServerResponse, target: RequestTarget, fn: FunctionEntry, client: { ip: string; geo: Geo | undefined }, loop: LoopState, start: RecordStart | undefined, extraHeaders: string[]): Promise<void> {
    const body = await readBodyWithin(req, res, runtime.limits.requestBodyBytes);
    if (body === undefined) return;
    const origin = fn.zone.origin;
    // A fetch to the request's own host goes to the zone's origin (keeping the Host header).
    const route = ownHostRoute(target, origin);
    const { outcome, report } = await runtime.execute(fn.production, toIncoming(req, target, body, 'http', client.geo, client.ip), {
      route,
      subrequestHeaders: (headers) => stampLoop(headers, loop),
      egress: options.egress.forOrigin(origin),
    });
    if (start && options.records) recordWhenDone(options.records, res, start, report);
    const shadow = mirror && start && pickShadow(fn, req.method ?? 'GET');
    if (shadow) {
      // What production answered, taken as it goes out (the body hashed on its way).
      let side: () => ShadowSide;
      if (outcome.kind === 'response') {
        const sent = hashWhileSending(outcome.body);
        outcome.body = sent.body;
        side = () => ({ outcome: 'ok', status: outcome.status, headers: comparedOf(outcome.headers), bodySha256: sent.digest() });
      } else {
        const failure = outcome.kind === 'error' ? outcome.error.code : 'passthrough';
        side = () => ({ outcome: failure, status: outcome.kind === 'error' ? statusOf(outcome.error.code) : res.statusCode, headers: {}, bodySha256: null });
      }
      mirror.afterResponse(res, { fn, replica: shadow, req, body, requestId: start.requestId, at: start.at, clientIp: client.ip, geo: client.geo, loop }, side);
    }
    if (outcome.kind === 'response') await writeResponse(res, outcome, extraHeaders);
    else if (outcome.kind === 'passthrough') await proxyToOrigin(req, res, origin, body, 'http', extraHeaders);
    else writeFailure(res, outcome.error.code, outcome.error.message, extraHeaders);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    /*
     * Host and path are validated once, and rules, the function's URL and the origin are all built
     * from these parts: a malformed Host cannot make a rule see one path and the function another.
     */
    const target = readTarget(req, res);
    if (!target) return;
    const host = target.hostname;
    const clientIp = clientIpOf(req, proxies);
    const geo = options.geo?.(clientIp);
    const client = { ip: clientIp, geo };
    let fn = routes.functionByDomain(host);
    let zone: ZoneEntry | undefined = fn?.zone;
    let selected: string[] = [];
    if (!fn) {
      zone = routes.zoneOf(host);
      if (!zone) {
        writeFailure(res, 'ResourceNotFound.Host', `No zone or function serves the host '${host}'`);
        return;
      }
      const rule = zone.matcher.match(matchRequest(req, target, clientIp, geo));
      if (rule) {
        fn = zone.functions.get(pickFunctionId(rule.action, req, clientIp, geo));
        // Which of several functions answered, so a canary can be seen working.
        if (fn && rule.action.type !== 'direct') selected = [selectedHeader, fn.name];
      }
      if (!fn) {
        await proxyToOrigin(req, res, zone.origin, undefined, 'http');
        return;
      }
    }
    const loop = readLoop(req.headers[loopHeader]) ?? newLoop();
    const refused = options.loops.admit(loop);
    if (refused) {
      writeFailure(res, 'FunctionRuntime.LoopDetected', refused);
      return;
    }
    const requestId = newRequestId();
    // Nothing of the record is made when records are off (`serve --invocation-logs off`).
    const start: RecordStart | undefined = options.records && { requestId, at: new Date().toISOString(), zoneId: fn.zone.zone.id, functionId: fn.id, variant: 'production', versionId: fn.productionVersionId, method: req.method ?? 'GET', host, path: pathOf(target.path) };
    /*
     * Replica selection. Header names are case-insensitive in HTTP (and lowercase in HTTP/2), so
     * Node's lowercased lookup is right; the value must equal a replica name exactly.
     */
    const wanted = req.headers[replicaHeader];
    // `production` asks for production itself: no replica, and no rollout either.
    if (wanted === reservedReplicaName) {
      await runProduction(req, res, target, fn, client, loop, start, [requestIdHeader, requestId, ...selected]);
      return;
    }
    if (typeof wanted === 'string') {
      const replica = fn.replicas.get(wanted);
      if (replica !== undefined) {
        await lane.forward(req, res, { fn, replica: wanted, sha256: replica.sha256, revision: replica.revision, requestId, clientIp, geo, loop, via: 'header', extraHeaders: [replicaStatusHeader, 'served', requestIdHeader, requestId, ...selected] });
        return;
      }
      await runProduction(req, res, target, fn, client, loop, start, [replicaStatusHeader, 'not-found', requestIdHeader, requestId, ...selected]);
      return;
    }
    // A replica on a rollout takes its share of the requests that ask for no replica.
    const rolled = pickRollout(fn, req, clientIp);
    const replica = rolled === undefined ? undefined : fn.replicas.get(rolled);
    if (rolled !== undefined && replica !== undefined) {
      await lane.forward(req, res, { fn, replica: rolled, sha256: replica.sha256, revision: replica.revision, requestId, clientIp, geo, loop, via: 'rollout', extraHeaders: [replicaStatusHeader, 'rollout', requestIdHeader, requestId, ...selected] });
      return;
    }
    await runProduction(req, res, target, fn, client, loop, start, [requestIdHeader, requestId, ...selected]);
  }

  return (req, res) =>
    handle(req, res).catch((error: unknown) => {
      log(`gateway internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      writeFailure(res, 'InternalError.SystemError', 'Internal error');
    });
}
