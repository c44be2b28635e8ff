/**
 * What every API command shares: the client built from the saved login, ids resolved from names,
 * and the definition of a verb (its `--json` flag and the example its `--help` shows).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ApiClient, type Json } from './client.ts';
import { loadConfig, type CliConfig } from './config.ts';
import { CliError } from './errors.ts';

export interface Context {
  config: CliConfig;
  api: ApiClient;
}

export function context(): Context {
  const config = loadConfig();
  return { config, api: new ApiClient(config) };
}

/** Adds a verb to a noun: `--json`, and an example at the end of its help. */
export function verb(noun: Command, spec: string, description: string, example: string): Command {
  return noun
    .command(spec)
    .description(description)
    .option('--json', 'print only JSON (the API objects)')
    .addHelpText('after', `\nExample:\n  $ ${example}\n`);
}

/** A noun whose help lists its verbs with an example. */
export function noun(program: Command, name: string, description: string, example: string): Command {
  return program.command(name).description(description).addHelpText('after', `\nExample:\n  $ ${example}\n`);
}

const zoneIdPattern = /^zone-[a-z0-9]{12}$/;
const functionIdPattern = /^ef-[a-z0-9]{8}$/;

/** A zone id, or the id of the zone with this name. */
export async function zoneIdOf(api: ApiClient, ref: string): Promise<string> {
  if (zoneIdPattern.test(ref)) return ref;
  const { zones } = (await api.get('/zones')) as { zones: Json[] };
  const zone = zones.find((z) => z.name === ref);
  if (!zone) throw new CliError(`no zone named '${ref}': see edgefn zones list [ResourceUnavailable.ZoneNotFound]`, { code: 'ResourceUnavailable.ZoneNotFound' });
  return zone.id as string;
}

/** A function id, or the id of the function with this name in `zone` (which a name needs). */
export async function functionIdOf(api: ApiClient, ref: string, zone: string | undefined): Promise<string> {
  if (zone === undefined) {
    if (functionIdPattern.test(ref)) return ref;
    throw new CliError(`'${ref}' is not a function id (ef-…): give its zone too, with --zone <zone>`);
  }
  const zoneId = await zoneIdOf(api, zone);
  const { functions } = (await api.get(`/functions?zoneId=${encodeURIComponent(zoneId)}`)) as { functions: Json[] };
  const fn = functions.find((f) => f.name === ref) ?? functions.find((f) => f.id === ref);
  if (!fn) throw new CliError(`no function named '${ref}' in zone ${zone}: see edgefn functions list --zone ${zone} [ResourceUnavailable.FunctionNotFound]`, { code: 'ResourceUnavailable.FunctionNotFound' });
  return fn.id as string;
}

/** Path segment for an id or name the user typed. */
export const seg = (text: string): string => encodeURIComponent(text);

/** The API path of a replica. */
export const replicaPath = (functionId: string, name: string): string => `/functions/${seg(functionId)}/replicas/${seg(name)}`;

/** A function file's text, for --file. */
export function readCode(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
