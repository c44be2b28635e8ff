/** `edgefn versions …`: production's history, and rollback (a new version with an old one's code). */
import type { Command } from 'commander';
import type { Json } from './client.ts';
import { context, functionIdOf, noun, seg, verb } from './context.ts';
import { colours, printJson, printLine, printTable, shortTime } from './output.ts';
import { confirm, requireInteractive, withProgress } from './prompt.ts';

interface Options {
  json?: boolean;
  zone?: string;
}

export function registerVersions(program: Command): void {
  const versions = noun(program, 'versions', "production's version history: list, rollback", 'edgefn versions list hello --zone example.com');
  const zoneHelp = 'the zone (id or name); needed when <function> is a name';

  verb(versions, 'list <function>', 'list production versions, newest first', 'edgefn versions list hello --zone example.com')
    .option('--zone <zone>', zoneHelp)
    .action(async (ref: string, options: Options) => {
      const { api } = context();
      const id = await functionIdOf(api, ref, options.zone);
      const [body, fn] = await Promise.all([api.get(`/functions/${seg(id)}/versions`), api.get(`/functions/${seg(id)}`)]);
      if (options.json) return printJson(body);
      const current = (fn.productionVersion as Json).id;
      printTable(['VERSION', 'CREATED', 'SOURCE', ''], (body.versions as Json[]).map((v) => [v.id as string, shortTime(v.createdAt), v.source as string, v.id === current ? colours.green('production') : '']));
    });

  verb(versions, 'rollback <function> <version>', "make a new production version with an earlier version's code", 'edgefn versions rollback hello ver-0123456789 --zone example.com')
    .option('--zone <zone>', zoneHelp)
    .option('--yes', 'do not ask for confirmation')
    .action(async (ref: string, version: string, options: Options & { yes?: boolean }) => {
      const { api } = context();
      const id = await functionIdOf(api, ref, options.zone);
      const fn = await api.get(`/functions/${seg(id)}`);
      const previous = (fn.productionVersion as Json).id as string;
      if (!options.yes) {
        requireInteractive(`roll back ${ref}`);
        await confirm(`Roll production of ${fn.name as string} back to the code of ${version}?`);
      }
      const created = await withProgress('Rolling back', api.request('POST', `/functions/${seg(id)}/versions/${seg(version)}/rollback`));
      const undo = `edgefn versions rollback ${id} ${previous}`;
      if (options.json) return printJson({ ...created, previousVersion: previous, undo });
      printLine(`Rolled back: production of ${fn.name as string} is now ${created.id as string} (the code of ${version}; was ${previous})`);
      printLine(`To undo: ${undo}`);
    });
}
