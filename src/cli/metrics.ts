/**
 * `edgefn metrics compare`: a replica's current revision against production's version over a
 * recent window (requests, error rate, wall and CPU percentiles), by kind of replica traffic.
 */
import type { Command } from 'commander';
import type { Json } from './client.ts';
import { context, functionIdOf, noun, seg, verb } from './context.ts';
import { CliError } from './errors.ts';
import { printJson, printLine, printTable } from './output.ts';

/** `15m`, `1h`, `90s` or plain seconds, as whole seconds. */
export function parseWindow(text: string): number {
  const match = /^(\d+)\s*(s|m|h)?$/.exec(text.trim());
  if (!match) throw new CliError(`--window '${text}': write e.g. 15m, 1h or 300 (seconds)`);
  return Number(match[1]) * ({ s: 1, m: 60, h: 3600 } as const)[(match[2] ?? 's') as 's' | 'm' | 'h'];
}

const rate = (value: unknown): string => (typeof value === 'number' ? `${Math.round(value * 10000) / 100}%` : '—');
const ms = (summary: Json, field: 'wallMs' | 'cpuMs', p: 'p50' | 'p95' | 'p99'): string => {
  const set = summary[field] as Json | null;
  return set ? `${set[p] as number} ms` : '—';
};

function row(label: string, s: Json): string[] {
  return [label, String(s.requests), rate(s.errorRate), ms(s, 'wallMs', 'p50'), ms(s, 'wallMs', 'p95'), ms(s, 'wallMs', 'p99'), ms(s, 'cpuMs', 'p50'), ms(s, 'cpuMs', 'p99')];
}

export function registerMetrics(program: Command): void {
  const metrics = noun(program, 'metrics', "per-version metrics: compare a replica with production on real traffic (Prometheus text at the API's /metrics)", 'edgefn metrics compare hello test-replica --zone example.com --window 15m');
  verb(metrics, 'compare <function> <replica>', "the replica's current revision against production's version over a recent window", 'edgefn metrics compare hello test-replica --zone example.com --window 1h')
    .option('--zone <zone>', 'the zone (id or name); needed when <function> is a name')
    .option('--window <duration>', 'how far back: 1m to 1h (e.g. 15m)', '15m')
    .action(async (ref: string, name: string, options: { json?: boolean; zone?: string; window: string }) => {
      const seconds = parseWindow(options.window);
      const { api } = context();
      const functionId = await functionIdOf(api, ref, options.zone);
      const body = await api.get(`/functions/${seg(functionId)}/metrics/compare?replica=${seg(name)}&window=${seconds}`);
      if (options.json) return printJson(body);
      const production = body.production as Json;
      const replica = body.replica as Json;
      const byTraffic = replica.byTraffic as Record<string, Json>;
      printLine(`Last ${(body.window as Json).seconds as number} s: production ${production.version as string} against replica ${name} revision ${replica.revision as number}`);
      printTable(
        ['', 'REQUESTS', 'ERRORS', 'WALL P50', 'WALL P95', 'WALL P99', 'CPU P50', 'CPU P99'],
        [
          row('production', production),
          row(`replica ${name}`, replica),
          ...['header', 'rollout', 'shadow'].filter((kind) => (byTraffic[kind]!.requests as number) > 0).map((kind) => row(`  by ${kind}`, byTraffic[kind]!)),
        ],
      );
    });
}
