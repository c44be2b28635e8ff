/** `edgefn zones …`: sites, each with an origin, functions and trigger rules. */
import type { Command } from 'commander';
import type { Json } from './client.ts';
import { context, noun, seg, verb, zoneIdOf } from './context.ts';
import { printFields, printJson, printLine, printTable, shortTime } from './output.ts';
import { confirm, requireInteractive } from './prompt.ts';

interface JsonOption {
  json?: boolean;
}

function showZone(zone: Json): void {
  printFields([
    ['id', zone.id as string],
    ['name', zone.name as string],
    ['origin', zone.origin as string],
    ['created', shortTime(zone.createdAt)],
  ]);
}

export function registerZones(program: Command): void {
  const zones = noun(program, 'zones', 'sites: create, list, get, delete', 'edgefn zones create example.com --origin https://origin.example.com');

  verb(zones, 'create <name>', 'create a zone (site) whose pass-through requests go to --origin', 'edgefn zones create example.com --origin https://origin.example.com')
    .requiredOption('--origin <url>', 'the origin server, e.g. https://origin.example.com')
    .action(async (name: string, options: JsonOption & { origin: string }) => {
      const zone = await context().api.request('POST', '/zones', { name, origin: options.origin });
      if (options.json) printJson(zone);
      else showZone(zone);
    });

  verb(zones, 'list', 'list zones', 'edgefn zones list').action(async (options: JsonOption) => {
    const body = await context().api.get('/zones');
    if (options.json) return printJson(body);
    printTable(['ID', 'NAME', 'ORIGIN'], (body.zones as Json[]).map((z) => [z.id as string, z.name as string, z.origin as string]));
  });

  verb(zones, 'get <zone>', 'show a zone (id or name)', 'edgefn zones get example.com').action(async (ref: string, options: JsonOption) => {
    const { api } = context();
    const zone = await api.get(`/zones/${seg(await zoneIdOf(api, ref))}`);
    if (options.json) printJson(zone);
    else showZone(zone);
  });

  verb(zones, 'delete <zone>', 'delete a zone with its functions and rules', 'edgefn zones delete example.com --yes')
    .option('--yes', 'do not ask for confirmation')
    .action(async (ref: string, options: JsonOption & { yes?: boolean }) => {
      const { api } = context();
      const id = await zoneIdOf(api, ref);
      if (!options.yes) {
        requireInteractive(`delete zone ${ref}`);
        await confirm(`Delete zone ${ref} (${id}) with all its functions and rules?`);
      }
      await api.request('DELETE', `/zones/${seg(id)}`);
      if (options.json) printJson({ id, deleted: true });
      else printLine(`Deleted zone ${id}`);
    });
}
