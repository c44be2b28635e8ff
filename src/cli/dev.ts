/**
 * `edgefn dev <file.js>`: serves one function file on 127.0.0.1, reloading it when the file
 * changes (requests in flight finish on the code they started with) and printing each request's
 * console lines.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync, watch } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Runtime, type FunctionCode } from '../runtime/runtime.ts';
import { proxyToOrigin } from '../gateway/proxy.ts';
import { ownHostRoute, readBodyWithin, readTarget, toIncoming, writeFailure, writeResponse } from '../gateway/node-io.ts';
import { egressDispatcher, hostKey } from '../runtime/host/egress.ts';
import { parseIpRange } from '../domain/ip-range.ts';
import { guardProcess } from '../gateway/process-guard.ts';
import { Command, InvalidArgumentError } from 'commander';
import { parseOrExit, port, untilStopped } from './args.ts';
import { parseEnvFile, parseEnvPair, parseGeo } from './dev-options.ts';

function command(): Command {
  return new Command('edgefn dev')
    .description('Serves one edge function on 127.0.0.1 and reloads it when the file changes.')
    .argument('<file>', 'the function file')
    .option('--port <n>', 'port to listen on (0 picks a free one)', port, 8080)
    .option('--env <KEY=VALUE>', 'an env var for the function (repeatable); a value that is a valid JSON object or array is given to the function parsed', (pair: string, all: Record<string, unknown>) => ({ ...all, ...parseEnvPair(pair) }), {})
    .option('--env-file <path>', 'env vars from a file of KEY=VALUE lines (repeatable; --env wins)', (path: string, all: Record<string, unknown>) => ({ ...all, ...parseEnvFile(readEnvFile(path)) }), {})
    .option('--origin <url>', "where pass-through requests and fetches to the request's own host go", parseOrigin)
    .option('--geo <spec>', 'simulated client location for request.eo.geo: a JSON file, or key=value pairs like countryCodeAlpha2=CN,regionCode=GD,cityName=Shenzhen', parseGeo)
    .option('--quiet', 'print only errors, not a line per request')
    .addHelpText('after', '\nExample:\n  $ edgefn dev examples/hello.js --port 8080 --env GREETING=hi --origin http://127.0.0.1:9000\n');
}

export interface DevServer {
  url: string;
  close(): Promise<void>;
}

export interface DevOptions {
  file: string;
  port: number;
  env: Record<string, unknown>;
  origin?: URL;
  geo?: Record<string, string | number>;
  /** Where request lines and console output go. */
  print?: (line: string) => void;
  /** Print only failures, not a line per request. */
  quiet?: boolean;
}

/** Starts the dev server (used by the CLI and by tests). */
export async function startDevServer(options: DevOptions): Promise<DevServer> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const runtime = new Runtime();
  // Local development: the function may reach loopback (local services) as well as the public
  // internet and --origin; other private addresses are refused, as on the platform.
  const origin = options.origin;
  const egress = egressDispatcher({
    allowHosts: origin ? [hostKey(origin.hostname, origin.port, origin.protocol)] : [],
    allowRanges: [parseIpRange('127.0.0.0/8')!, parseIpRange('::1')!],
  });
  const load = (): FunctionCode => ({ code: readFileSync(options.file, 'utf8'), env: options.env, filename: options.file });
  let current = load();
  const problem = runtime.compile(current.code);
  if (problem) print(`! ${problem.code}: ${problem.message}`);

  const watcher = watch(options.file, () => {
    try {
      const next = load();
      if (next.code === current.code) return;
      const error = runtime.compile(next.code);
      current = next;
      print(error ? `! reloaded ${options.file} with an error: ${error.message}` : `~ reloaded ${options.file}`);
    } catch (error) {
      print(`! cannot read ${options.file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const fn = current;
    const body = await readBodyWithin(req, res, runtime.limits.requestBodyBytes);
    if (body === undefined) return;
    const target = readTarget(req, res);
    if (!target) return;
    const incoming = toIncoming(req, target, body, 'http', options.geo);
    const route = origin ? ownHostRoute(target, origin) : undefined;
    const { outcome, report } = await runtime.execute(fn, incoming, route ? { route, egress } : { egress });
    void report.then((r) => {
      if (options.quiet && !r.error) return;
      const status = outcome.kind === 'response' ? String(outcome.status) : outcome.kind === 'passthrough' ? 'origin' : outcome.error.code;
      print(`${req.method} ${req.url} ${status} cpu=${(r.cpuUs / 1000).toFixed(2)}ms wall=${(r.wallUs / 1000).toFixed(2)}ms`);
      for (const line of r.logs) print(`  [${line.level}] ${line.message}`);
      if (r.droppedLogs > 0) print(`  (${r.droppedLogs} more console lines dropped)`);
      if (r.error && r.error.code !== (outcome.kind === 'error' ? outcome.error.code : '')) print(`  ! ${r.error.code}: ${r.error.message}`);
    });
    if (outcome.kind === 'response') {
      await writeResponse(res, outcome);
    } else if (outcome.kind === 'passthrough') {
      if (!origin) writeFailure(res, 'FunctionRuntime.OriginUnreachable', 'The function sent the request to the origin, but no --origin is set');
      else await proxyToOrigin(req, res, origin, body, 'http');
    } else {
      writeFailure(res, outcome.error.code, outcome.error.stack && outcome.error.code === 'FunctionRuntime.UncaughtException' ? outcome.error.stack : outcome.error.message);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      print(`! internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      writeFailure(res, 'InternalError.SystemError', 'Internal error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      watcher.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      runtime.close();
      await egress.destroy();
    },
  };
}

/** The CLI entry for `edgefn dev`. */
export async function runDev(argv: string[]): Promise<number> {
  const parsed = parseOrExit(command(), argv);
  if (typeof parsed === 'number') return parsed;
  const flags = parsed.opts<{ port: number; env: Record<string, unknown>; envFile: Record<string, unknown>; origin?: URL; geo?: Record<string, string | number>; quiet?: boolean }>();
  const options: DevOptions = {
    file: parsed.args[0]!,
    port: flags.port,
    env: { ...flags.envFile, ...flags.env },
    quiet: flags.quiet === true,
    ...(flags.origin ? { origin: flags.origin } : {}),
    ...(flags.geo ? { geo: flags.geo } : {}),
  };
  guardProcess('edgefn dev');
  const server = await startDevServer(options);
  process.stdout.write(`edgefn dev: serving ${options.file} on ${server.url}\n`);
  process.stdout.write('edgefn dev: functions may fetch the public internet, loopback and --origin; other private addresses are refused\n');
  await untilStopped();
  await server.close();
  return 0;
}

function parseOrigin(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidArgumentError('not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('must be an http(s) URL');
  return url;
}

function readEnvFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
