/**
 * `edgefn logs …`: invocation records (one per execution: console lines, outcome, CPU and wall
 * time), listed from the platform's recent log or followed as they happen.
 */
import type { Command } from 'commander';
import type { Json } from './client.ts';
import { context, functionIdOf, noun, seg, verb } from './context.ts';
import { CliError } from './errors.ts';
import { colours, inert, printJson, printLine } from './output.ts';

interface Options {
  json?: boolean;
  zone?: string;
  replica?: string;
  production?: boolean;
}

/** The `variant` filter: a replica, production, or (undefined) every variant. */
function variantOf(options: Options): string | undefined {
  if (options.replica !== undefined && options.production) throw new CliError('give --replica or --production, not both');
  return options.replica ?? (options.production ? 'production' : undefined);
}

export function printRecord(r: Json): void {
  const status = r.status as number;
  const failed = r.outcome !== 'ok' && r.outcome !== 'passthrough';
  const variant = r.variant === 'production' ? `production ${(r.versionId as string | undefined) ?? ''}`.trim() : `${r.variant as string} r${r.revision as number}${r.via && r.via !== 'header' ? ` (${r.via as string})` : ''}`;
  const head = [
    colours.dim((r.at as string).replace('T', ' ').replace('Z', '')),
    colours.cyan(variant),
    inert(`${r.method as string} ${r.path as string}`),
    status >= 500 || failed ? colours.red(String(status)) : String(status),
    failed ? colours.red(r.outcome as string) : (r.outcome as string),
    `cpu ${r.cpuMs as number} ms`,
    `wall ${r.wallMs as number} ms`,
    colours.dim(r.requestId as string),
  ];
  printLine(head.join('  '));
  for (const line of r.logs as { level: string; message: string }[]) {
    const text = `  [${line.level}] ${inert(line.message).replace(/\n/g, '\n    ')}`;
    printLine(line.level === 'error' ? colours.red(text) : line.level === 'warn' ? colours.yellow(text) : text);
  }
  if ((r.droppedLogs as number) > 0) printLine(colours.dim(`  (${r.droppedLogs as number} more console lines dropped)`));
  const error = r.error as { message: string; stack?: string } | undefined;
  if (error) printLine(colours.red(`  ${inert(error.stack ?? error.message).replace(/\n/g, '\n  ')}`));
}

export function registerLogs(program: Command): void {
  const logs = noun(program, 'logs', "a function's invocation records: list, tail", 'edgefn logs tail hello --zone example.com --replica test-replica');
  const filters = (command: Command) =>
    command
      .option('--zone <zone>', 'the zone (id or name); needed when <function> is a name')
      .option('--replica <replica>', "only this replica's executions")
      .option('--production', "only production's executions");

  filters(verb(logs, 'list <function>', 'recent records, newest first (production unless --replica)', 'edgefn logs list hello --zone example.com --replica test-replica --limit 20'))
    .option('--limit <n>', 'how many (1-1000)', '20')
    .action(async (ref: string, options: Options & { limit: string }) => {
      const { api } = context();
      const id = await functionIdOf(api, ref, options.zone);
      const variant = variantOf(options) ?? 'production';
      const page = await api.get(`/functions/${seg(id)}/logs?variant=${seg(variant)}&limit=${seg(options.limit)}`);
      if (options.json) return printJson(page);
      const records = page.records as Json[];
      if (records.length === 0) printLine(colours.dim(`no records for ${variant}`));
      for (const record of records) printRecord(record);
    });

  filters(verb(logs, 'tail <function>', 'follow new records as they happen (every variant unless --replica or --production)', 'edgefn logs tail hello --zone example.com --replica test-replica --json')).action(async (ref: string, options: Options) => {
    const { api } = context();
    const id = await functionIdOf(api, ref, options.zone);
    const variant = variantOf(options);
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    process.once('SIGTERM', () => stop.abort());
    const records = await api.stream(`/functions/${seg(id)}/logs?follow=1${variant === undefined ? '' : `&variant=${seg(variant)}`}`, stop.signal);
    process.stderr.write(colours.dim(`Following ${variant ?? 'every variant'} of ${ref}; Ctrl-C to stop\n`));
    for await (const record of records) {
      if (options.json) process.stdout.write(`${JSON.stringify(record)}\n`);
      else printRecord(record);
    }
    if (!stop.signal.aborted) throw new CliError('the server closed the log stream (the function was deleted, the server stopped, or this terminal fell too far behind)', { exitCode: 2 });
  });
}
