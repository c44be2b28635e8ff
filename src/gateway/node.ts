/**
 * One gateway process's data plane: routing tables following the change feed, a runtime for
 * production code, the egress and loop guards, and the HTTP server on the gateway port. `edgefn
 * serve --workers 1` runs it inside the serving process; with more workers each worker process runs
 * one (worker-main.ts), all listening on the same port (SO_REUSEPORT).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Store } from '../store/store.ts';
import type { SecretBox } from '../store/secrets.ts';
import { Runtime, type RuntimeOptions } from '../runtime/runtime.ts';
import { EgressDispatchers } from '../runtime/host/egress.ts';
import { parseIpRanges } from '../domain/ip-range.ts';
import { createGateway } from './gateway.ts';
import { RoutingTable, type RoutingTableOptions } from './routes.ts';
import { LaneClient, type Readiness } from './lane.ts';
import { LoopGuard } from './loop.ts';
import { startGeoSource } from './geo-source.ts';
import { createLimitedServer, type ConnectionLimits } from './connections.ts';
import type { RecordSink } from './records.ts';

export interface GatewayNodeOptions {
  store: Store;
  secrets: SecretBox;
  domainSuffix: string;
  host: string;
  port: number;
  /** Share the port with the other gateway workers. */
  reusePort?: boolean;
  runtime?: RuntimeOptions;
  connections: ConnectionLimits;
  /** Address ranges functions may reach although they are not public, as CIDR text. */
  egressAllow: string[];
  /** Reverse proxies whose X-Forwarded-For names the client, as CIDR text (`--trust-proxy`). */
  trustProxy: string[];
  /** Client locations: the operator's ranges (they win), then MMDB files, reloaded when they change (geo-source.ts). */
  geoFile?: string;
  geoDb?: string[];
  /** How often the geo file and database are checked for a change (default 5 s). */
  geoPollMs?: number;
  /** Where lines about reloads go (default: stderr). */
  log?: (line: string) => void;
  laneSocket: string;
  laneReadiness: Readiness;
  subscribe?: RoutingTableOptions['subscribe'];
  /** Where invocation records go (none: no records are made). */
  records?: RecordSink;
  onApplied?: RoutingTableOptions['onApplied'];
}

export interface GatewayNode {
  url: string;
  routes: RoutingTable;
  /** Stops accepting, gives requests in flight up to `drainMs`, then stops everything. */
  close(drainMs: number): Promise<void>;
}

/** Listens on `port` (0: any free one); rejects with a clear message when it cannot. */
export function listen(server: Server, port: number, host: string, reusePort = false): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(new Error(error.code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use` : `cannot listen on ${host}:${port}: ${error.message}`));
    });
    server.listen({ port, host, reusePort }, () => {
      const address = server.address() as AddressInfo;
      resolveUrl(`http://${host.includes(':') ? `[${host}]` : host}:${address.port}`);
    });
  });
}

/** Stops accepting, lets requests in flight finish for up to `deadlineMs`, then closes the rest. */
export async function drain(server: Server, deadlineMs: number): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((done) => server.close(() => done()));
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise<void>((done) => (timer = setTimeout(done, deadlineMs)))]);
  clearTimeout(timer);
  server.closeAllConnections();
  await closed;
}

export async function startGatewayNode(options: GatewayNodeOptions): Promise<GatewayNode> {
  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse().splice(0)) await stop();
  };
  try {
    const runtime = new Runtime(options.runtime);
    stops.push(() => runtime.close());
    const routes = new RoutingTable({ store: options.store, secrets: options.secrets, domainSuffix: options.domainSuffix, subscribe: options.subscribe, onApplied: options.onApplied });
    stops.push(await routes.start());
    const egress = new EgressDispatchers(parseIpRanges(options.egressAllow));
    stops.push(() => egress.close());
    const lane = new LaneClient({ socketPath: options.laneSocket, requestBodyBytes: runtime.limits.requestBodyBytes, readiness: options.laneReadiness, ...(options.records ? { records: options.records } : {}) });
    stops.push(() => lane.close());
    const loops = new LoopGuard();
    stops.push(() => loops.close());
    const geoDb = options.geoDb ?? [];
    const geo = options.geoFile || geoDb.length > 0 ? await startGeoSource({ geoDb, ...(options.geoFile ? { geoFile: options.geoFile } : {}), ...(options.geoPollMs ? { pollMs: options.geoPollMs } : {}), ...(options.log ? { log: options.log } : {}) }) : undefined;
    if (geo) stops.push(() => geo.close());
    const server = createLimitedServer(createGateway({ routes, runtime, lane, loops, egress, trustProxy: parseIpRanges(options.trustProxy), ...(geo ? { geo: geo.lookup } : {}), ...(options.records ? { records: options.records } : {}) }), options.connections);
    let drainMs = 0;
    stops.push(() => drain(server, drainMs));
    const url = await listen(server, options.port, options.host, options.reusePort);
    return {
      url,
      routes,
      close: (ms) => {
        drainMs = ms;
        return stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
