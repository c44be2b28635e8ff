/** `edgefn serve`: the whole platform on one machine (gateway, API, replica lane, SQLite store). */
import { Command, InvalidArgumentError, Option } from 'commander';
import { count, parseOrExit, port, untilStopped } from './args.ts';
import { guardProcess, startEdgefn } from '../main.ts';
import { parseIpRanges } from '../domain/ip-range.ts';

const env = `
On SIGTERM or SIGINT it stops accepting, gives requests in flight up to 10 s, then exits.

Environment:
  EDGEFN_ADMIN_TOKEN  the API token (otherwise generated into DIR/admin-token)
  EDGEFN_SECRET_KEY   32-byte key for secrets at rest, base64 or hex (otherwise DIR/secret-key)

Example:
  $ edgefn serve --data-dir /var/lib/edgefn --host 0.0.0.0 --workers 4
`;

/** `--geo-db` may repeat: files asked in order; `off` alone means none. */
function geoDbs(value: string, previous: string[] | undefined): string[] {
  const all = [...(previous ?? []), value];
  if (all.includes('off') && all.length > 1) throw new InvalidArgumentError('"off" cannot be combined with files');
  if (value === '') throw new InvalidArgumentError('expected a file, "bundled" or "off"');
  return all;
}

/** `--egress-allow` and `--trust-proxy` may repeat, and each may list several ranges. */
function ranges(value: string, previous: string[]): string[] {
  const ranges = value.split(',').map((c) => c.trim()).filter((c) => c !== '');
  try {
    parseIpRanges(ranges);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return [...previous, ...ranges];
}

function command(): Command {
  return new Command('edgefn serve')
    .description('Runs the gateway (data plane), the HTTP API (control plane) and the replica lane, with an embedded SQLite store.')
    .option('--data-dir <dir>', 'where the store, the admin token and the secret key live', '.edgefn')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'gateway port (0 picks a free one)', port, 8080)
    .option('--admin-port <n>', 'API port (0 picks a free one)', port, 8787)
    .option('--domain-suffix <suffix>', 'default access domains are <function>-<zone id>.<suffix>', 'edgefunctions.localhost')
    .option('--geo-file <file>', 'client locations for request.eo.geo, client_country rules and region rules: a JSON array of {"cidr": "203.0.113.0/24", "geo": {"countryCodeAlpha2": "CN", ...}}; its ranges win over the database; reloaded when it changes')
    .option('--geo-db <file|bundled|off>', 'IP-to-location databases (MMDB: DB-IP, GeoLite2/GeoIP2 City, Country or ASN) for the addresses the geo file does not cover, asked in order; "bundled" is the shipped DB-IP City Lite (the default), "off" uses none; reloaded when they change; repeatable', geoDbs)
    .option('--max-connections <n>', 'gateway connections open at once (default: half of what the open-file limit leaves after 1024, at most 16384, per worker)', count)
    .option('--max-connections-per-client <n>', 'gateway connections from one client address (default 256); both limits given here are for the node and split among workers', count)
    .option('--egress-allow <cidr,...>', 'address ranges functions may reach although they are not public (by default: the public internet and each zone\'s origin only); repeatable', ranges, [] as string[])
    .option('--trust-proxy <cidr,...>', 'reverse proxies in front of the gateway: from these addresses only, the client is taken from X-Forwarded-For (the right-most address that is not a trusted proxy); repeatable', ranges, [] as string[])
    .option('--workers <n>', 'gateway processes sharing the gateway port (default: the number of cores); 1 runs the gateway inside the serving process', count)
    .option('--threads <n>', 'threads running function code at once, off the event loops, for the whole node (default: the number of cores + 1; split among workers, at least 2 each)', count)
    .option('--isolates-per-function <n>', "isolates one function version may run in when its requests queue, in each worker (default: the worker's threads, at most 4)", count)
    .option('--queue-per-function <n>', 'requests and other work one function version may have waiting for its isolates in each worker; past that its new requests get 503 FunctionRuntime.TooManyRequests with Retry-After (default 256)', count)
    .addOption(
      new Option('--invocation-logs <on|off>', 'keep a record of every execution (console lines, outcome, CPU and wall time) for GET /api/v1/functions/{id}/logs, listed or followed live with ?follow=1; off, none are made and the logs API answers 409 FailedOperation.InvocationLogsOff')
        .choices(['on', 'off'])
        .default('on'),
    )
    .addHelpText('after', env);
}

interface ServeFlags {
  dataDir: string;
  host: string;
  port: number;
  adminPort: number;
  domainSuffix: string;
  geoFile?: string;
  geoDb?: string[];
  maxConnections?: number;
  maxConnectionsPerClient?: number;
  egressAllow: string[];
  trustProxy: string[];
  workers?: number;
  threads?: number;
  isolatesPerFunction?: number;
  queuePerFunction?: number;
  invocationLogs: 'on' | 'off';
}

export async function runServe(argv: string[]): Promise<number> {
  const parsed = parseOrExit(command(), argv);
  if (typeof parsed === 'number') return parsed;
  const f = parsed.opts<ServeFlags>();
  const options = {
    dataDir: f.dataDir,
    host: f.host,
    port: f.port,
    adminPort: f.adminPort,
    domainSuffix: f.domainSuffix.toLowerCase(),
    ...(f.geoFile ? { geoFile: f.geoFile } : {}),
    ...(f.geoDb ? { geoDb: f.geoDb.includes('off') ? [] : f.geoDb } : {}),
    connections: { ...(f.maxConnections ? { maxConnections: f.maxConnections } : {}), ...(f.maxConnectionsPerClient ? { maxPerClient: f.maxConnectionsPerClient } : {}) },
    egressAllow: f.egressAllow,
    trustProxy: f.trustProxy,
    ...(f.workers ? { workers: f.workers } : {}),
    invocationLogs: f.invocationLogs === 'on',
    runtime: { ...(f.threads ? { threads: f.threads } : {}), ...(f.isolatesPerFunction ? { isolatesPerVersion: f.isolatesPerFunction } : {}), ...(f.queuePerFunction ? { queuePerVersion: f.queuePerFunction } : {}) },
  };
  guardProcess('edgefn serve');
  let running;
  try {
    running = await startEdgefn(options);
  } catch (error) {
    // Everything started before the failure has been stopped: the process can exit.
    process.stderr.write(`edgefn serve: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  await untilStopped();
  await running.close();
  return 0;
}
