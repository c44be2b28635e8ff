/**
 * Wiring for `edgefn serve`: the store, the runtime, the control plane and its HTTP API on the
 * admin port, the gateway on the data port, and the replica lane process.
 */
import type { Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SqliteStore } from './store/sqlite.ts';
import { loadSecretBox } from './store/secrets.ts';
import { Runtime, cpuClock, type RuntimeOptions } from './runtime/runtime.ts';
import { ControlPlane } from './control/services.ts';
import { createApi } from './control/api.ts';
import { RoutingTable } from './gateway/routes.ts';
import { ReplicaLane } from './gateway/lane.ts';
import { createGateway } from './gateway/gateway.ts';
import { loadGeoFile } from './gateway/geo.ts';
import { LoopGuard } from './gateway/loop.ts';
import { EgressDispatchers } from './runtime/host/egress.ts';
import { parseIpRanges } from './domain/ip-range.ts';
import { adminLimits, createLimitedServer, gatewayLimits, type ConnectionLimits } from './gateway/connections.ts';

export { guardProcess } from './gateway/process-guard.ts';

export interface ServeOptions {
  dataDir: string;
  host: string;
  port: number;
  adminPort: number;
  domainSuffix: string;
  /** A JSON file mapping client address ranges to geo records (see gateway/geo.ts). */
  geoFile?: string;
  runtime?: RuntimeOptions;
  /** Gateway connection limits (defaults: gateway/connections.ts). */
  connections?: Partial<ConnectionLimits>;
  /** How long a stop waits for requests in flight before closing their connections. */
  drainMs?: number;
  /** Address ranges functions may reach although they are not public (`--egress-allow`), as CIDR text. */
  egressAllow?: string[];
  print?: (line: string) => void;
}

export interface RunningEdgefn {
  gatewayUrl: string;
  apiUrl: string;
  token: string;
  tokenFile: string | undefined;
  store: SqliteStore;
  routes: RoutingTable;
  lane: ReplicaLane;
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

function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(new Error(error.code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use` : `cannot listen on ${host}:${port}: ${error.message}`));
    });
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      resolveUrl(`http://${host.includes(':') ? `[${host}]` : host}:${address.port}`);
    });
  });
}

/** Stops accepting, lets requests in flight finish for up to `deadlineMs`, then closes the rest. */
async function drain(server: Server, deadlineMs: number): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((done) => server.close(() => done()));
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise<void>((done) => (timer = setTimeout(done, deadlineMs)))]);
  clearTimeout(timer);
  server.closeAllConnections();
  await closed;
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
    const runtime = new Runtime(options.runtime);
    stops.push(() => runtime.close());
    if (cpuClock() === 'wall') {
      print('warning: isolated-vm is the prebuilt binary, which counts wall time as CPU time; run `node scripts/build-isolated-vm.mjs` (see docs/runtime.md)');
    }
    const control = new ControlPlane({ store, secrets, checkCode: (code) => runtime.compile(code), domainSuffix: options.domainSuffix });
    const routes = new RoutingTable({ store, secrets, domainSuffix: options.domainSuffix });
    stops.push(await routes.start());
    const egressAllow = options.egressAllow ?? [];
    const egress = new EgressDispatchers(parseIpRanges(egressAllow));
    stops.push(() => egress.close());
    const lane = new ReplicaLane({ dataDir, socketPath: join(dataDir, 'lane.sock'), requestBodyBytes: runtime.limits.requestBodyBytes, egressAllow });
    let laneStopped: Promise<void> | undefined;
    const stopLane = (): Promise<void> => (laneStopped ??= lane.stop(drainMs));
    stops.push(stopLane);
    await lane.start();
    const loops = new LoopGuard();
    stops.push(() => loops.close());

    const geo = options.geoFile ? loadGeoFile(options.geoFile) : undefined;

    const gatewayServer = createLimitedServer(createGateway({ routes, runtime, lane, loops, egress, ...(geo ? { geo } : {}) }), { ...gatewayLimits(), ...options.connections });
    const apiServer = createLimitedServer(createApi({ control, token, afterWrite: () => routes.settled() }), adminLimits);
    // The lane drains its own requests meanwhile (it gets the same time), so a stop takes one drain, not two.
    stops.push(() => Promise.all([drain(gatewayServer, drainMs), drain(apiServer, drainMs), stopLane()]).then(() => undefined));
    const gatewayUrl = await listen(gatewayServer, options.port, options.host);
    const apiUrl = await listen(apiServer, options.adminPort, options.host);
    print(`edgefn gateway: ${gatewayUrl}`);
    print(`edgefn API:     ${apiUrl}/api/v1 (OpenAPI: ${apiUrl}/api/v1/openapi.json)`);
    print(file ? `admin token file: ${file}` : 'admin token: from EDGEFN_ADMIN_TOKEN');
    print(`data: ${join(dataDir, 'edgefn.db')}`);
    return { gatewayUrl, apiUrl, token, tokenFile: file, store, routes, lane, close: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
