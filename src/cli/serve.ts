/** `edgefn serve`: the whole platform on one machine (gateway, API, replica lane, SQLite store). */
import { countFlag, lastFlag, parseArgs, portFlag, untilStopped, UsageError } from './args.ts';
import { guardProcess, startEdgefn } from '../main.ts';
import { parseIpRanges } from '../domain/ip-range.ts';

const help = `usage: edgefn serve [options]

Runs the gateway (data plane), the HTTP API (control plane) and the replica lane, with an
embedded SQLite store.

options:
  --data-dir DIR         where the store, the admin token and the secret key live (default ./.edgefn)
  --host HOST            address to listen on (default 127.0.0.1)
  --port N               gateway port (default 8080)
  --admin-port N         API port (default 8787)
  --domain-suffix SUFFIX default access domains are <function>-<zone id>.<SUFFIX>
                         (default edgefunctions.localhost)
  --geo-file FILE        client locations for request.eo.geo and client_country rules: a JSON
                         array of {"cidr": "203.0.113.0/24", "geo": {"countryCodeAlpha2": "CN", ...}}
  --max-connections N    gateway connections open at once (default: half of what the open-file
                         limit leaves after 1024, at most 16384, per worker)
  --max-connections-per-client N
                         gateway connections from one client address (default 256); both
                         limits given here are for the node and split among workers
  --egress-allow CIDR,...
                         address ranges functions may reach although they are not public
                         (by default: the public internet and each zone's origin only)
  --workers N            gateway processes sharing the gateway port (default: the number
                         of cores); 1 runs the gateway inside the serving process
  --threads N            threads running function code at once, off the event loops, for the
                         whole node (default: the number of cores + 1; split among workers,
                         at least 2 each)
  --isolates-per-function N
                         isolates one function version may run in when its requests queue,
                         in each worker (default: the worker's threads, at most 4)
  --queue-per-function N requests and other work one function version may have waiting for
                         its isolates in each worker; past that its new requests get 503
                         FunctionRuntime.TooManyRequests with Retry-After (default 256)
  --invocation-logs on|off
                         keep a record of every execution (console lines, outcome, CPU and
                         wall time) for GET /api/v1/functions/{id}/logs, listed or followed
                         live with ?follow=1 (default on); off, none are made and the logs
                         API answers 409 FailedOperation.InvocationLogsOff

On SIGTERM or SIGINT it stops accepting, gives requests in flight up to 10 s, then exits.

environment:
  EDGEFN_ADMIN_TOKEN     the API token (otherwise generated into DIR/admin-token)
  EDGEFN_SECRET_KEY      32-byte key for secrets at rest, base64 or hex (otherwise DIR/secret-key)
`;

export async function runServe(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(help);
    return 0;
  }
  let options;
  try {
    const args = parseArgs(argv, ['data-dir', 'host', 'port', 'admin-port', 'domain-suffix', 'geo-file', 'max-connections', 'max-connections-per-client', 'egress-allow', 'workers', 'threads', 'isolates-per-function', 'queue-per-function', 'invocation-logs']);
    const egressAllow = (args.flags.get('egress-allow') ?? []).flatMap((list) => list.split(',')).map((c) => c.trim()).filter((c) => c !== '');
    try {
      parseIpRanges(egressAllow);
    } catch (error) {
      throw new UsageError(`--egress-allow: ${(error as Error).message}`);
    }
    const maxConnections = countFlag(args, 'max-connections');
    const maxPerClient = countFlag(args, 'max-connections-per-client');
    const workers = countFlag(args, 'workers');
    const threads = countFlag(args, 'threads');
    const isolatesPerVersion = countFlag(args, 'isolates-per-function');
    const queuePerVersion = countFlag(args, 'queue-per-function');
    const invocationLogs = lastFlag(args, 'invocation-logs') ?? 'on';
    if (invocationLogs !== 'on' && invocationLogs !== 'off') throw new UsageError('--invocation-logs must be on or off');
    if (args.positional.length > 0) throw new UsageError(`unexpected argument ${args.positional[0]}`);
    options = {
      dataDir: lastFlag(args, 'data-dir') ?? '.edgefn',
      host: lastFlag(args, 'host') ?? '127.0.0.1',
      port: portFlag(args, 'port', 8080),
      adminPort: portFlag(args, 'admin-port', 8787),
      domainSuffix: (lastFlag(args, 'domain-suffix') ?? 'edgefunctions.localhost').toLowerCase(),
      ...(lastFlag(args, 'geo-file') ? { geoFile: lastFlag(args, 'geo-file')! } : {}),
      connections: { ...(maxConnections ? { maxConnections } : {}), ...(maxPerClient ? { maxPerClient } : {}) },
      egressAllow,
      ...(workers ? { workers } : {}),
      invocationLogs: invocationLogs === 'on',
      runtime: { ...(threads ? { threads } : {}), ...(isolatesPerVersion ? { isolatesPerVersion } : {}), ...(queuePerVersion ? { queuePerVersion } : {}) },
    };
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`edgefn serve: ${error.message}\n\n${help}`);
      return 2;
    }
    throw error;
  }
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
