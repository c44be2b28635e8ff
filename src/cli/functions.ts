/** `edgefn functions …`: a function's production code, default domain and remark. */
import type { Command } from 'commander';
import type { Json } from './client.ts';
import { context, functionIdOf, noun, readCode, seg, verb, zoneIdOf } from './context.ts';
import { printFields, printJson, printLine, printTable, shortTime } from './output.ts';
import { confirm, requireInteractive } from './prompt.ts';

interface Options {
  json?: boolean;
  zone?: string;
}

function showFunction(fn: Json): void {
  const version = fn.productionVersion as Json;
  printFields([
    ['id', fn.id as string],
    ['name', fn.name as string],
    ['zone', fn.zoneId as string],
    ['remark', (fn.remark as string) || undefined],
    ['default domain', fn.domain as string],
    ['production', `${version.id as string} (${version.source as string}, ${shortTime(version.createdAt)})`],
    ['updated', shortTime(fn.updatedAt)],
  ]);
}

export function registerFunctions(program: Command): void {
  const functions = noun(program, 'functions', 'functions: create, list, get, update, delete', 'edgefn functions create hello --zone example.com --file hello.js');
  const zoneOption = '--zone <zone>';
  const zoneHelp = 'the zone (id or name); needed when <function> is a name';

  verb(functions, 'create <name>', 'create a function; --file becomes its first production version', 'edgefn functions create hello --zone example.com --file hello.js')
    .requiredOption(zoneOption, 'the zone (id or name)')
    .requiredOption('--file <path>', 'the function code')
    .option('--remark <text>', 'a note about the function')
    .action(async (name: string, options: Options & { file: string; remark?: string }) => {
      const { api } = context();
      const content = readCode(options.file);
      const zoneId = await zoneIdOf(api, options.zone!);
      const fn = await api.request('POST', '/functions', { zoneId, name, content, ...(options.remark !== undefined ? { remark: options.remark } : {}) });
      if (options.json) printJson(fn);
      else showFunction(fn);
    });

  verb(functions, 'list', "list a zone's functions", 'edgefn functions list --zone example.com')
    .requiredOption(zoneOption, 'the zone (id or name)')
    .action(async (options: Options) => {
      const { api } = context();
      const body = await api.get(`/functions?zoneId=${seg(await zoneIdOf(api, options.zone!))}`);
      if (options.json) return printJson(body);
      printTable(['ID', 'NAME', 'PRODUCTION', 'DEFAULT DOMAIN'], (body.functions as Json[]).map((f) => [f.id as string, f.name as string, (f.productionVersion as Json).id as string, f.domain as string]));
    });

  verb(functions, 'get <function>', 'show a function: default domain, production version', 'edgefn functions get hello --zone example.com')
    .option(zoneOption, zoneHelp)
    .action(async (ref: string, options: Options) => {
      const { api } = context();
      const fn = await api.get(`/functions/${seg(await functionIdOf(api, ref, options.zone))}`);
      if (options.json) printJson(fn);
      else showFunction(fn);
    });

  verb(functions, 'update <function>', "replace production's code (a new production version)", 'edgefn functions update hello --zone example.com --file hello.js')
    .option(zoneOption, zoneHelp)
    .option('--file <path>', 'the new code')
    .option('--remark <text>', 'a new remark')
    .action(async (ref: string, options: Options & { file?: string; remark?: string }) => {
      const { api } = context();
      const patch = { ...(options.file !== undefined ? { content: readCode(options.file) } : {}), ...(options.remark !== undefined ? { remark: options.remark } : {}) };
      const fn = await api.request('PATCH', `/functions/${seg(await functionIdOf(api, ref, options.zone))}`, patch);
      if (options.json) printJson(fn);
      else showFunction(fn);
    });

  verb(functions, 'delete <function>', 'delete a function with its replicas, versions and rules', 'edgefn functions delete hello --zone example.com --yes')
    .option(zoneOption, zoneHelp)
    .option('--yes', 'do not ask for confirmation')
    .action(async (ref: string, options: Options & { yes?: boolean }) => {
      const { api } = context();
      const id = await functionIdOf(api, ref, options.zone);
      if (!options.yes) {
        requireInteractive(`delete function ${ref}`);
        await confirm(`Delete function ${ref} (${id}) with its replicas and versions?`);
      }
      await api.request('DELETE', `/functions/${seg(id)}`);
      if (options.json) printJson({ id, deleted: true });
      else printLine(`Deleted function ${id}`);
    });
}
