/**
 * `edgefn replicas rollout|shadow|shadow-report`: a replica on real traffic. A rollout gives it a
 * share of production requests (optionally stopping by itself when too many fail); a shadow
 * mirrors a sample of production requests to it, and the report says how its answers differed.
 */
import type { Command } from 'commander';
import type { ApiClient, Json } from './client.ts';
import { replicaPath, verb } from './context.ts';
import { CliError } from './errors.ts';
import { colours, inert, printFields, printJson, printLine, printTable, shortTime } from './output.ts';
import { parseSticky } from './rules.ts';

type Options = { json?: boolean; zone?: string };
type Target = (ref: string, options: Options) => Promise<{ api: ApiClient; functionId: string }>;

/** `5%`, `0.5` or `off` (0); a percentage text as the API takes it. */
export function parsePercent(text: string, what: string): number {
  if (text.trim().toLowerCase() === 'off') return 0;
  const value = Number(text.trim().replace(/%$/, ''));
  if (text.trim() === '' || !Number.isFinite(value)) throw new CliError(`${what} '${text}' is not a percentage: write e.g. 5%, 0.5 or off`);
  return value;
}

const percentText = (rate: unknown): string => (typeof rate === 'number' ? `${Math.round(rate * 10000) / 100}%` : '—');

export function describeRollout(rollout: Json): string {
  const sticky = rollout.sticky as Json | undefined;
  const guard = rollout.abortIf as Json | undefined;
  return [
    `${rollout.percent as number}% of production traffic`,
    sticky ? ` (sticky by ${sticky.by as string}${sticky.name ? ` ${sticky.name as string}` : ''})` : '',
    guard ? `, stops itself above ${percentText(guard.errorRate)} errors after ${guard.minRequests as number} requests` : '',
  ].join('');
}

export const describeStop = (stop: Json): string => `${shortTime(stop.at)} at ${stop.percent as number}%: ${stop.reason as string}`;

export const describeShadow = (shadow: Json): string => `${shadow.percent as number}% of production ${(shadow.methods as string[]).join('/')} requests, since ${shortTime(shadow.since)}`;

function showReport(body: Json): void {
  const shadow = body.shadow as Json | null;
  const report = body.report as Json | null;
  printLine(shadow ? `Shadow: ${describeShadow(shadow)}` : colours.dim('Shadow: off'));
  if (!report) return printLine(colours.dim('No pairs yet.'));
  const production = report.production as Json;
  const replica = report.replica as Json;
  printFields([
    ['pairs', report.pairs as number],
    ['matches', report.matches as number],
    ['skipped', (report.skipped as number) || undefined],
    ['error rate', `production ${percentText(production.errorRate)}, replica ${percentText(replica.errorRate)}`],
  ]);
  const kinds = Object.entries(report.mismatches as Record<string, Json>);
  if (kinds.length === 0) return;
  printLine();
  printTable(['DIFFERS IN', 'PAIRS'], kinds.map(([kind, entry]) => [kind, String(entry.count)]));
  for (const [kind, entry] of kinds) {
    printLine();
    printLine(colours.bold(kind));
    for (const example of entry.examples as Json[]) {
      const side = (s: Json): string => {
        const value = kind === 'body' ? String(s.bodySha256 ?? '—').slice(0, 12) : kind.startsWith('header:') ? String((s.headers as Json)[kind.slice(7)] ?? '—') : kind === 'status' ? String(s.status) : String(s.outcome);
        return inert(value);
      };
      printLine(`  ${inert(`${example.method as string} ${example.path as string}`)}  production ${side(example.production as Json)}  replica ${colours.yellow(side(example.replica as Json))}  ${colours.dim(example.requestId as string)}`);
    }
  }
}

export function registerReplicaTraffic(replicas: Command, zone: (command: Command) => Command, target: Target): void {
  zone(verb(replicas, 'rollout <function> <replica> <percent>', 'send a share (0.1-100%) of production traffic to the replica; 0 or off ends it', 'edgefn replicas rollout hello test-replica 5% --zone example.com --sticky cookie:uid --abort-if-error-rate 1%'))
    .option('--sticky <key>', 'keep each client on one side: cookie:NAME, header:NAME or client_ip')
    .option('--abort-if-error-rate <percent>', 'stop by itself when more than this share of its requests fail (platform errors and 5xx)')
    .option('--min-requests <count>', 'requests counted before --abort-if-error-rate is judged (default 100)')
    .action(async (ref: string, name: string, percentText: string, options: Options & { sticky?: string; abortIfErrorRate?: string; minRequests?: string }) => {
      const percent = parsePercent(percentText, 'the share');
      if (options.minRequests !== undefined && options.abortIfErrorRate === undefined) throw new CliError('--min-requests goes with --abort-if-error-rate');
      const minRequests = options.minRequests === undefined ? undefined : Number(options.minRequests);
      const abortIf = options.abortIfErrorRate === undefined ? undefined : { errorRate: parsePercent(options.abortIfErrorRate, 'the error rate') / 100, ...(minRequests !== undefined ? { minRequests } : {}) };
      const { api, functionId } = await target(ref, options);
      const body = { percent, ...(options.sticky !== undefined ? { sticky: parseSticky(options.sticky) } : {}), ...(abortIf ? { abortIf } : {}) };
      const replica = await api.request('PUT', `${replicaPath(functionId, name)}/rollout`, body);
      if (options.json) return printJson(replica);
      printLine(replica.rollout ? `Replica ${name} now serves ${describeRollout(replica.rollout as Json)} (EO-Function-Replica-Status: rollout)` : `Rollout of ${name} ended: production serves all of its traffic`);
    });

  zone(verb(replicas, 'shadow <function> <replica> <percent>', "mirror a sample of production requests to the replica after production answered (its subrequests may only GET/HEAD); 0 or off ends it", 'edgefn replicas shadow hello test-replica 10% --zone example.com --methods GET,HEAD'))
    .option('--methods <list>', 'the request methods to mirror, comma-separated (default GET,HEAD)')
    .action(async (ref: string, name: string, percentText: string, options: Options & { methods?: string }) => {
      const percent = parsePercent(percentText, 'the share');
      const { api, functionId } = await target(ref, options);
      const body = { percent, ...(options.methods !== undefined ? { methods: options.methods.split(',').map((m) => m.trim()).filter((m) => m !== '') } : {}) };
      const replica = await api.request('PUT', `${replicaPath(functionId, name)}/shadow`, body);
      if (options.json) return printJson(replica);
      printLine(replica.shadow ? `Replica ${name} now receives copies of ${describeShadow(replica.shadow as Json)}` : `Shadow traffic to ${name} ended`);
      if (replica.shadow) printLine(colours.dim(`See how it answers: edgefn replicas shadow-report ${ref} ${name}${options.zone ? ` --zone ${options.zone}` : ''}`));
    });

  zone(verb(replicas, 'shadow-report <function> <replica>', "how the replica's answers to mirrored requests differed from production's", 'edgefn replicas shadow-report hello test-replica --zone example.com')).action(async (ref: string, name: string, options: Options) => {
    const { api, functionId } = await target(ref, options);
    const body = await api.get(`${replicaPath(functionId, name)}/shadow/report`);
    if (options.json) return printJson(body);
    showReport(body);
  });
}
