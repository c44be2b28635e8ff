/**
 * The replica lane process: `node lane.js <data-dir> <socket-path>`. Serves replica executions for
 * the gateway over HTTP on a Unix socket, reading replica code and env vars from the store itself.
 * Whatever replica code does here (loops, memory bombs, crashes) stays in this process.
 */
import { createServer } from 'node:http';
import { readdirSync, rmSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Runtime, type FunctionCode } from '../runtime/runtime.ts';
import { EgressDispatchers } from '../runtime/host/egress.ts';
import { parseIpRanges } from '../domain/ip-range.ts';
import { SqliteStore } from '../store/sqlite.ts';
import { loadSecretBox } from '../store/secrets.ts';
import { envHashOf, materializeEnv } from './env.ts';
import { ownHostRoute, readBody, readTarget, toIncoming, writeFailure, writeResponse } from './node-io.ts';
import { guardProcess } from './process-guard.ts';
import { stampLoop, type LoopState } from './loop.ts';
import { batchNotes, pathOf, recordOf, type RecordStart } from './records.ts';
import { statusOf } from '../domain/errors.ts';

const [dataDir, socketPath] = process.argv.slice(2);
if (!dataDir || !socketPath) {
  process.stderr.write('usage: lane <data-dir> <socket-path>\n');
  process.exit(2);
}

guardProcess('replica lane');
yieldToProduction();
const store = new SqliteStore({ path: join(dataDir, 'edgefn.db') });
const secrets = loadSecretBox(dataDir);
// One isolate per replica version: replicas are for testing, and so each stays within one isolate's memory.
const runtime = new Runtime({ isolatesPerVersion: 1 });
// The gateway checked these ranges (serve --egress-allow) before passing them on.
const egress = new EgressDispatchers(parseIpRanges((process.env.EDGEFN_EGRESS_ALLOW ?? '').split(',').filter((cidr) => cidr !== '')));
const codes = new Map<string, FunctionCode>();
// Off with `serve --invocation-logs off`: then the lane makes no records at all.
const recording = process.env.EDGEFN_INVOCATION_LOGS !== 'off';
const records = batchNotes((batch, sent) => {
  if (process.connected) process.send!(batch, () => sent?.());
  else sent?.();
});

/** The gateway named a replica revision and env vars the store no longer (or not yet) holds. */
class StaleRoute extends Error {}

/**
 * The replica code and env vars the gateway named, by content hash: what the store holds is
 * checked against them, so the lane never runs (or caches) code other than what the gateway, the
 * API and `compare` agree on. A mismatch means the store changed while the request was on its way.
 */
async function codeFor(functionId: string, replica: string, sha256: string, envHash: string): Promise<FunctionCode> {
  const key = `${functionId}/${replica}@${sha256}#${envHash}`;
  const known = codes.get(key);
  if (known) return known;
  const [record, env, fn] = await Promise.all([store.getReplica(functionId, replica), store.listEnv(functionId), store.getFunction(functionId)]);
  if (record.sha256 !== sha256 || createHash('sha256').update(record.content).digest('hex') !== sha256 || envHashOf(env) !== envHash) {
    throw new StaleRoute(`The replica ${replica} changed while this request was on its way; try again`);
  }
  const code = { code: record.content, env: materializeEnv(env, secrets), filename: `${fn.name}@${replica}.js`, owner: { zone: fn.zoneId, function: functionId, variant: `replica:${replica}` } };
  if (codes.size >= 1000) codes.delete(codes.keys().next().value!);
  codes.set(key, code);
  return code;
}

const server = createServer((req, res) => {
  void (async () => {
    const h = (name: string): string => String(req.headers[name] ?? '');
    const fn = await codeFor(h('x-edgefn-function'), h('x-edgefn-replica'), h('x-edgefn-sha256'), h('x-edgefn-env'));
    const origin = new URL(h('x-edgefn-origin'));
    const body = await readBody(req, runtime.limits.requestBodyBytes);
    if (body === 'too-large') {
      writeFailure(res, 'FunctionRuntime.RequestBodyTooLarge', 'Request body too large', ['x-edgefn-outcome', 'error']);
      return;
    }
    const geo = h('x-edgefn-geo');
    // The gateway validated the target already; checked again, as everything the lane is told.
    const target = readTarget(req, res);
    if (!target) return;
    const incoming = toIncoming(req, target, body, 'http', geo ? (JSON.parse(decodeURIComponent(geo)) as Record<string, string | number>) : undefined);
    incoming.headers = incoming.headers.filter((_, i, all) => !all[i - (i % 2)]!.startsWith('x-edgefn-'));
    incoming.clientIp = h('x-edgefn-client-ip');
    const route = ownHostRoute(target, origin);
    const [depth, tree] = h('x-edgefn-loop').split(' ');
    const loop: LoopState = { depth: Number(depth), tree: tree ?? '' };
    const via = h('x-edgefn-via');
    const shadow = via === 'shadow';
    const start: RecordStart = {
      requestId: h('x-edgefn-request-id'),
      at: new Date().toISOString(),
      zoneId: fn.owner!.zone,
      functionId: fn.owner!.function,
      variant: h('x-edgefn-replica'),
      revision: Number(h('x-edgefn-revision')),
      via: via === 'rollout' || shadow ? via : 'header',
      method: req.method ?? 'GET',
      host: target.hostname,
      path: pathOf(target.path),
    };
    // A shadow copy's subrequests may only read (GET, HEAD): production has already done whatever
    // the request asked for, and the copy must not do it twice.
    const { outcome, report } = await runtime.execute(fn, incoming, { route, subrequestHeaders: (headers) => stampLoop(headers, loop), egress: egress.forOrigin(origin), ...(shadow ? { readOnlySubrequests: 'shadow traffic' } : {}) });
    // What the client got: the response's status, the error's, or (passed to the origin by the
    // gateway) unknown here: the gateway sends that, and the serving process joins the two. A
    // shadow copy goes to no client and no origin.
    const status = outcome.kind === 'response' ? outcome.status : outcome.kind === 'error' ? statusOf(outcome.error.code) : 0;
    if (recording) void report.then((r) => records.sink({ type: 'record', record: recordOf(start, r, status), ...(outcome.kind === 'passthrough' && !shadow ? { awaitsStatus: true } : {}) }));
    if (outcome.kind === 'response') await writeResponse(res, outcome);
    else if (outcome.kind === 'passthrough') res.writeHead(204, { 'x-edgefn-outcome': 'passthrough' }).end();
    else writeFailure(res, outcome.error.code, outcome.error.message, ['x-edgefn-outcome', 'error']);
  })().catch((error: unknown) => {
    if (error instanceof StaleRoute) {
      writeFailure(res, 'FunctionRuntime.ReplicaLaneUnavailable', error.message, ['x-edgefn-outcome', 'error']);
      return;
    }
    process.stderr.write(`replica lane error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    writeFailure(res, 'InternalError.SystemError', 'Internal error', ['x-edgefn-outcome', 'error']);
  });
});

rmSync(socketPath, { force: true });
server.listen(socketPath, () => process.stdout.write('lane ready\n'));

// Requests in flight get up to 10 s (the gateway waits as long), then the lane exits regardless.
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  let exited = false;
  const exit = (): void => {
    if (exited) return;
    exited = true;
    runtime.close();
    void store.close().finally(() => records.flush(() => process.exit(0)));
  };
  setTimeout(exit, 10_000).unref();
  server.close(exit);
  server.closeIdleConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
// Started by a gateway with an IPC channel: when the gateway goes away, so does the lane.
process.once('disconnect', stop);

/**
 * Replicas are for testing: the lane runs below the gateway's CPU priority, so a replica that
 * loops or allocates takes what production leaves. On Linux the gateway starts it under
 * SCHED_IDLE (lane.ts), which does most of the work; the lowest nice value set here is what is
 * left where that is not available. A nice value belongs to a thread on Linux, and threads inherit
 * it when they start: every thread running now (V8's, libuv's) is lowered, before any isolate
 * exists, and those started later follow. Operators can go further with cgroups (docs/platform.md).
 */
function yieldToProduction(): void {
  const priority = constants.priority.PRIORITY_LOW;
  try {
    if (process.platform !== 'linux') return setPriority(priority);
    for (const tid of readdirSync('/proc/self/task')) setPriority(Number(tid), priority);
  } catch (error) {
    process.stderr.write(`replica lane: could not lower its priority: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
