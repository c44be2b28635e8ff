/**
 * `edgefn replicas …`: the replica workflow. Create from production or a file, update or edit,
 * test (replica-test.ts), diff against production, and sync after two confirmations.
 */
import type { Command } from 'commander';
import type { ApiClient, Json } from './client.ts';
import { context, functionIdOf, noun, readCode, replicaPath, seg, verb } from './context.ts';
import { CliError } from './errors.ts';
import { colourDiff, colours, inert, printFields, printJson, printLine, printTable, shortTime } from './output.ts';
import { confirm, confirmByTyping, requireInteractive, withProgress } from './prompt.ts';
import { editReplica } from './replica-edit.ts';
import { testReplica, type TestOptions } from './replica-test.ts';
import { describeRollout, describeShadow, describeStop, registerReplicaTraffic } from './replica-traffic.ts';

export interface ReplicaOptions {
  json?: boolean;
  zone?: string;
}


function showReplica(replica: Json): void {
  printFields([
    ['function', replica.functionId as string],
    ['replica', replica.name as string],
    ['revision', replica.revision as number],
    ['remark', (replica.remark as string) || undefined],
    ['modified', shortTime(replica.modifiedAt)],
    ['rollout', replica.rollout ? describeRollout(replica.rollout as Json) : undefined],
    ['rollout stopped', replica.rolloutStop ? describeStop(replica.rolloutStop as Json) : undefined],
    ['shadow', replica.shadow ? describeShadow(replica.shadow as Json) : undefined],
  ]);
}

/** Lines added and removed, for one-line summaries. */
const summary = (compare: Json): string => `${colours.green(`+${compare.added as number}`)} ${colours.red(`-${compare.removed as number}`)}`;

async function sync(api: ApiClient, functionId: string, name: string, options: ReplicaOptions & { yes?: boolean }): Promise<void> {
  if (!options.yes) requireInteractive(`sync replica ${name} to production`);
  const fn = await api.get(`/functions/${seg(functionId)}`);
  const compare = await api.get(`${replicaPath(functionId, name)}/compare`);
  const production = (compare.production as Json).version as Json;
  const replica = compare.replica as Json;
  if (!options.json) {
    printLine(compare.diff === '' ? colours.dim('(no differences: production already runs this code)') : colourDiff(compare.diff as string));
    printLine(`${summary(compare)} lines, production ${production.id as string} ← replica ${name} revision ${replica.revision as number}`);
  }
  if (!options.yes) {
    await confirm(`Sync replica ${name} to production of ${fn.name as string}?`);
    await confirmByTyping(`Type the function's name (${fn.name as string}) to sync`, fn.name as string);
  }
  let version: Json;
  try {
    const body = { productionVersion: production.id, replicaRevision: replica.revision, confirm: true };
    version = await withProgress('Syncing', api.request('POST', `${replicaPath(functionId, name)}/sync`, body));
  } catch (error) {
    const moved =
      error instanceof CliError && error.code === 'FailedOperation.ProductionChanged' ? `production of ${fn.name as string} changed after this comparison (it was ${production.id as string})`
      : error instanceof CliError && error.code === 'FailedOperation.ReplicaRevisionConflict' ? `replica ${name} changed after this comparison (it was revision ${replica.revision as number})`
      : undefined;
    if (moved) throw new CliError(`${moved}; nothing was synced. Run the command again to see the new diff [${(error as CliError).code!}]`, { code: (error as CliError).code! });
    throw error;
  }
  const undo = `edgefn versions rollback ${functionId} ${production.id as string}`;
  if (options.json) return printJson({ ...version, previousVersion: production.id, undo });
  printLine(`Synced: production of ${fn.name as string} is now ${version.id as string} (was ${production.id as string})`);
  printLine(`To undo: ${undo}`);
}

export function registerReplicas(program: Command): void {
  const replicas = noun(program, 'replicas', 'code replicas: create, edit, test, diff, sync', 'edgefn replicas test hello test-replica --zone example.com --path /pic');
  const zone = (command: Command) => command.option('--zone <zone>', 'the zone (id or name); needed when <function> is a name');
  const target = async (ref: string, options: ReplicaOptions) => {
    const { api } = context();
    return { api, functionId: await functionIdOf(api, ref, options.zone) };
  };

  zone(verb(replicas, 'create <function> <replica>', 'create a replica from production or from a file', 'edgefn replicas create hello test-replica --zone example.com --from-production'))
    .option('--from-production', "start from production's code")
    .option('--file <path>', 'start from this code')
    .option('--remark <text>', 'a note about the replica')
    .action(async (ref: string, name: string, options: ReplicaOptions & { fromProduction?: boolean; file?: string; remark?: string }) => {
      if (Boolean(options.fromProduction) === (options.file !== undefined)) throw new CliError('give exactly one of --from-production or --file');
      const source = options.file !== undefined ? { content: readCode(options.file) } : { from: 'production' };
      const { api, functionId } = await target(ref, options);
      const replica = await api.request('POST', `/functions/${seg(functionId)}/replicas`, { name, ...source, ...(options.remark !== undefined ? { remark: options.remark } : {}) });
      if (options.json) return printJson(replica);
      showReplica(replica);
      printLine(colours.dim(`Test it with: edgefn replicas test ${ref} ${name}${options.zone ? ` --zone ${options.zone}` : ''}`));
    });

  zone(verb(replicas, 'list <function>', "list a function's replicas", 'edgefn replicas list hello --zone example.com')).action(async (ref: string, options: ReplicaOptions) => {
    const { api, functionId } = await target(ref, options);
    const body = await api.get(`/functions/${seg(functionId)}/replicas`);
    if (options.json) return printJson(body);
    const share = (setting: unknown): string => (setting ? `${(setting as Json).percent as number}%` : '');
    printTable(['NAME', 'REVISION', 'MODIFIED', 'ROLLOUT', 'SHADOW', 'REMARK'], (body.replicas as Json[]).map((r) => [r.name as string, String(r.revision), shortTime(r.modifiedAt), r.rolloutStop && !r.rollout ? 'stopped' : share(r.rollout), share(r.shadow), r.remark as string]));
  });

  zone(verb(replicas, 'get <function> <replica>', 'show a replica and its code', 'edgefn replicas get hello test-replica --zone example.com')).action(async (ref: string, name: string, options: ReplicaOptions) => {
    const { api, functionId } = await target(ref, options);
    const replica = await api.get(replicaPath(functionId, name));
    if (options.json) return printJson(replica);
    showReplica(replica);
    printLine();
    printLine(inert(replica.content as string));
  });

  zone(verb(replicas, 'update <function> <replica>', "replace a replica's code", 'edgefn replicas update hello test-replica --zone example.com --file hello.js'))
    .option('--file <path>', 'the new code')
    .option('--remark <text>', 'a new remark')
    .action(async (ref: string, name: string, options: ReplicaOptions & { file?: string; remark?: string }) => {
      if (options.file === undefined && options.remark === undefined) throw new CliError('nothing to change: give --file and/or --remark');
      const patch = { ...(options.file !== undefined ? { content: readCode(options.file) } : {}), ...(options.remark !== undefined ? { remark: options.remark } : {}) };
      const { api, functionId } = await target(ref, options);
      const replica = await api.request('PATCH', replicaPath(functionId, name), patch);
      if (options.json) printJson(replica);
      else showReplica(replica);
    });

  zone(verb(replicas, 'edit <function> <replica>', "edit a replica's code in $VISUAL or $EDITOR; saving uploads it", 'EDITOR=nano edgefn replicas edit hello test-replica --zone example.com')).action(async (ref: string, name: string, options: ReplicaOptions) => {
    const { api, functionId } = await target(ref, options);
    const replica = await editReplica(api, replicaPath(functionId, name), name);
    if (options.json) printJson(replica ?? {});
    else if (replica) showReplica(replica);
  });

  registerReplicaTraffic(replicas, (command) => zone(command), target);

  zone(verb(replicas, 'delete <function> <replica>', 'delete a replica', 'edgefn replicas delete hello test-replica --zone example.com --yes'))
    .option('--yes', 'do not ask for confirmation')
    .action(async (ref: string, name: string, options: ReplicaOptions & { yes?: boolean }) => {
      const { api, functionId } = await target(ref, options);
      if (!options.yes) {
        requireInteractive(`delete replica ${name}`);
        await confirm(`Delete replica ${name} of ${ref}?`);
      }
      await api.request('DELETE', replicaPath(functionId, name));
      if (options.json) printJson({ functionId, name, deleted: true });
      else printLine(`Deleted replica ${name}`);
    });

  zone(verb(replicas, 'diff <function> <replica>', 'unified diff from production to the replica', 'edgefn replicas diff hello test-replica --zone example.com')).action(async (ref: string, name: string, options: ReplicaOptions) => {
    const { api, functionId } = await target(ref, options);
    const compare = await api.get(`${replicaPath(functionId, name)}/compare`);
    if (options.json) return printJson(compare);
    if (compare.diff === '') return printLine(colours.dim('no differences'));
    printLine(colourDiff((compare.diff as string).replace(/\n$/, '')));
  });

  zone(verb(replicas, 'sync <function> <replica>', "make the replica's code production, after showing the diff and two confirmations", 'edgefn replicas sync hello test-replica --zone example.com'))
    .option('--yes', 'skip both confirmations')
    .action(async (ref: string, name: string, options: ReplicaOptions & { yes?: boolean }) => {
      const { api, functionId } = await target(ref, options);
      await sync(api, functionId, name, options);
    });

  zone(verb(replicas, 'test <function> <replica>', "send a request to the replica through the gateway and show the response and the execution's log record", "edgefn replicas test hello test-replica --zone example.com --path /pic -H 'accept: text/html' --compare"))
    .option('--path <path>', 'the request path and query', '/')
    .option('-X, --request <method>', 'the request method (default GET, or POST with -d)')
    .option('-H, --header <header>', "a request header 'Name: value' (repeatable)", (value: string, all: string[]) => [...all, value], [] as string[])
    .option('-d, --data <data>', 'the request body (@file reads a file)')
    .option('--compare', 'send the same request to production and show both, differences marked')
    .action(async (ref: string, name: string, options: ReplicaOptions & TestOptions) => {
      const { api, functionId } = await target(ref, options);
      await testReplica(api, functionId, name, options);
    });
}
