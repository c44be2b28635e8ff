/**
 * Wiring for `edgefn serve`: the store, the control plane and its HTTP API on the admin port, the
 * replica lane process, and the gateway on the data port: in this process (`--workers 1`) or in
 * worker processes sharing the port (gateway/workers.ts).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from './store/sqlite.ts';
import { loadSecretBox } from './store/secrets.ts';
import { cpuClock, type RuntimeOptions } from './runtime/runtime.ts';
import { CodeChecker } from './runtime/compile.ts';
import { defaultLimits } from './domain/limits.ts';
import { ControlPlane } from './control/services.ts';
import { InvocationLog } from './store/invocation-log.ts';
import { VersionMetrics } from './control/metrics.ts';
import { ShadowReports } from './control/shadow-report.ts';
import { ReplicaTraffic } from './control/replica-traffic.ts';
import { createApi } from './control/api.ts';
import { ApiKeys } from './control/api-keys.ts';
import { createTeoApi, teoVersion, withTeoApi } from './control/teo.ts';
import { withConsole } from './control/console.ts';
import { defaultFollowLimits, type FollowLimits } from './control/follow.ts';
import { RecordJoin, type RecordSink } from './gateway/records.ts';
import { ReplicaLane } from './gateway/lane.ts';
import { drain, listen, startGatewayNode } from './gateway/node.ts';
import { GatewayWorkers } from './gateway/workers.ts';
import { describeGeoDb, resolveGeoDb } from './gateway/geo-db.ts';
import { adminLimits, createLimitedServer, gatewayLimits, type ConnectionLimits } from './gateway/connections.ts';

// The built web console (scripts/build.mjs); this file and its bundle both sit one level below the root.
const consoleDir = fileURLToPath(new URL('../console/dist', import.meta.url));

export { guardProcess } from './gateway/process-guard.ts';

export interface ServeOptions {
  dataDir: string;
  host: string;
  port: number;
  adminPort: number;
  domainSuffix: string;
  /** A JSON file mapping client address ranges to geo records (see gateway/geo.ts); it wins over the database. */
  geoFile?: string;
  /**
   * MMDB files for client locations (gateway/geo-db.ts), `bundled` for the shipped DB-IP City Lite;
   * [] for none. Default: the shipped one when installed.
   */
  geoDb?: string[];
  /** How often the gateway looks for a new geo file or database (default 5 s). */
  geoPollMs?: number;
  runtime?: RuntimeOptions;
  /** Gateway connection limits (defaults: gateway/connections.ts). */
  connections?: Partial<ConnectionLimits>;
  /** How long a stop waits for requests in flight before closing their connections. */
  drainMs?: number;
  /** Address ranges functions may reach although they are not public (`--egress-allow`), as CIDR text. */
  egressAllow?: string[];
  /** Reverse proxies whose X-Forwarded-For names the client (`--trust-proxy`), as CIDR text. */
  trustProxy?: string[];
  /**
   * Gateway processes (default: the number of cores). 1 runs the gateway in this process; more run
   * it in that many worker processes on the same port. Thread and connection limits are for the
   * whole node and are split between them.
   */
  workers?: number;
  /**
   * Invocation records (`--invocation-logs`, default on). Off, no process makes any (clients
   * still get EO-Request-Id), and the logs API answers FailedOperation.InvocationLogsOff.
   */
  invocationLogs?: boolean;
  /** Follow streams of the logs API: how many at once, heartbeat, slow-follower bound (control/follow.ts). */
  logFollow?: Partial<FollowLimits>;
  print?: (line: string) => void;
}

export interface RunningEdgefn {
  gatewayUrl: string;
  apiUrl: string;
  token: string;
  tokenFile: string | undefined;
  store: SqliteStore;
  lane: ReplicaLane;
  /** Process ids of the gateway workers (none when the gateway runs in this process). */
  workerPids(): number[];
  close(): Promise<void>;
}

/** The admin token: EDGEFN_ADMIN_TOKEN, or the token file (generated and announced on first start). */
function adminToken(dataDir: string, print: (line: string) => void): { token: string; file: string | undefined } {
  const fromEnv = process.env.EDGEFN_ADMIN_TOKEN;
  if (fromEnv) return { token: fromEnv, file: undefined };
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), file };
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  print(`admin token (shown once; also in ${file}): ${token}`);
  return { token, file };
}

export async function startEdgefn(options: ServeOptions): Promise<RunningEdgefn> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const { token, file } = adminToken(dataDir, print);
  // Everything started so far, stopped in reverse order on close or when a later step fails.
  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse().splice(0)) await stop();
  };
  const drainMs = options.drainMs ?? 10_000;
  try {
    const store = new SqliteStore({ path: join(dataDir, 'edgefn.db') });
    stops.push(() => store.close());
    const secrets = loadSecretBox(dataDir);
    if (cpuClock() === 'wall') {
      print('warning: isolated-vm is the prebuilt binary, which counts wall time as CPU time; run `node scripts/build-isolated-vm.mjs` (see docs/runtime.md)');
    }
    const checker = new CodeChecker({ ...defaultLimits, ...options.runtime?.limits }.codeBytes);
    stops.push(() => checker.close());
    const follow = { ...defaultFollowLimits, ...options.logFollow };
    const logs = options.invocationLogs === false ? null : new InvocationLog({ maxFollowers: follow.maxFollowers });
    // Metrics, shadow reports and rollout guards are made from the same records, when there are any.
    const metrics = logs && new VersionMetrics();
    const shadows = logs && new ShadowReports();
    const traffic = new ReplicaTraffic({ store, metrics, shadows });
    await traffic.loadGuards();
    const recordJoin =
      logs &&
      new RecordJoin((record) => {
        logs.append(record);
        metrics!.observe(record);
        traffic.observe(record);
      });
    const records: RecordSink | undefined = recordJoin ? (note) => (note.type === 'shadow' ? shadows!.take(note) : recordJoin.take(note)) : undefined;
    const control = new ControlPlane({ store, secrets, checkCode: (code) => checker.check(code), domainSuffix: options.domainSuffix, logs });
    const egressAllow = options.egressAllow ?? [];
    const laneSocket = join(dataDir, 'lane.sock');
    const lane = new ReplicaLane({ dataDir, socketPath: laneSocket, egressAllow, ...(records ? { records } : {}) });
    let laneStopped: Promise<void> | undefined;
    const stopLane = (): Promise<void> => (laneStopped ??= lane.stop(drainMs));
    stops.push(stopLane);
    await lane.start();

    const count = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
    const geoDb = resolveGeoDb(options.geoDb);
    const geo = { geoDb, ...(options.geoFile ? { geoFile: options.geoFile } : {}), ...(options.geoPollMs ? { geoPollMs: options.geoPollMs } : {}) };
    const node = { dataDir, domainSuffix: options.domainSuffix, host: options.host, egressAllow, trustProxy: options.trustProxy ?? [], laneSocket, ...geo };
    const recordsOption = records ? { records } : {};
    const runtime = splitRuntime(options.runtime, count);
    const connections = splitConnections({ ...gatewayLimits(), ...options.connections }, options.connections ?? {}, count);
    let gatewayUrl: string;
    let settled: () => Promise<void>;
    let workerPids: () => number[] = () => [];
    let stopGateway: () => Promise<void>;
    if (count === 1) {
      const gateway = await startGatewayNode({ ...node, store, secrets, port: options.port, runtime, connections, laneReadiness: lane.readiness, ...recordsOption });
      ({ url: gatewayUrl } = gateway);
      settled = () => gateway.routes.settled();
      stopGateway = () => gateway.close(drainMs);
    } else {
      const workers = new GatewayWorkers({ count, config: { ...node, port: options.port, runtime, connections, invocationLogs: logs !== null }, subscribe: (listener) => store.subscribe(listener), laneReadiness: lane.readiness, ...recordsOption, log: (line) => process.stderr.write(`${line}\n`) });
      // Pushed before starting: workers already started are stopped if a later one fails.
      stopGateway = () => workers.stop(drainMs);
      stops.push(() => workers.stop(0));
      gatewayUrl = await workers.start();
      stops.pop();
      settled = () => workers.settled();
      workerPids = () => workers.pids;
    }
    const keys = new ApiKeys(store, secrets);
    const api = createApi({ control, traffic, keys, metrics, token, afterWrite: () => settled(), follow, gatewayUrl });
    const teo = createTeoApi({ control, keys, afterWrite: () => settled() });
    const apiServer = createLimitedServer(withTeoApi(teo, withConsole(consoleDir, api)), adminLimits);
    // The lane drains its own requests meanwhile (it gets the same time), so a stop takes one drain,
    // not two. Follow streams never finish by themselves: they are ended first, so they hold nothing up.
    stops.push(() => {
      logs?.close();
      return Promise.all([stopGateway(), drain(apiServer, drainMs), stopLane()]).then(() => undefined);
    });
    const apiUrl = await listen(apiServer, options.adminPort, options.host);
    print(`edgefn gateway: ${gatewayUrl}${count > 1 ? ` (${count} worker processes)` : ''}`);
    print(`edgefn API:     ${apiUrl}/api/v1 (OpenAPI: ${apiUrl}/api/v1/openapi.json)`);
    print(`EdgeOne API:    ${apiUrl}/ (teo ${teoVersion}, TC3-HMAC-SHA256 with an API key: docs/teo-api.md)`);
    print(file ? `admin token file: ${file}` : 'admin token: from EDGEFN_ADMIN_TOKEN');
    print(`data: ${join(dataDir, 'edgefn.db')}`);
    print(`client locations: ${options.geoFile ? `${options.geoFile}, then ` : ''}${describeGeoDb(geoDb)}`);
    return { gatewayUrl, apiUrl, token, tokenFile: file, store, lane, workerPids, close: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Each worker's share of the node's threads: `--threads` (or cores + 1) split evenly, at least two
 * per worker so one heavy function never takes a worker's every thread.
 */
function splitRuntime(runtime: RuntimeOptions | undefined, workers: number): RuntimeOptions | undefined {
  if (workers === 1) return runtime;
  const threads = Math.max(2, Math.ceil((runtime?.threads ?? availableParallelism() + 1) / workers));
  return { ...runtime, threads };
}

/**
 * Each worker's share of the node's connection limits. The default total comes from each process's
 * own open-file limit, so it is a per-process figure already; a total given on the command line,
 * and the per-client limit, are split.
 */
function splitConnections(limits: ConnectionLimits, given: Partial<ConnectionLimits>, workers: number): ConnectionLimits {
  const share = (n: number): number => Math.max(1, Math.ceil(n / workers));
  return { ...limits, maxPerClient: share(limits.maxPerClient), ...(given.maxConnections ? { maxConnections: share(given.maxConnections) } : {}) };
}
