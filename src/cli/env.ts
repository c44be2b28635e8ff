/**
 * `edgefn env …` and `edgefn secrets set`: a function's env vars, shared by production and its
 * replicas. A secret's value is read from stdin or a hidden prompt, never from argv, and is never
 * printed; `env list` shows secrets without values and `env unset` removes either kind.
 */
import type { Command } from 'commander';
import type { Json } from './client.ts';
import { context, functionIdOf, noun, seg, verb } from './context.ts';
import { CliError } from './errors.ts';
import { colours, printJson, printLine, printTable, shortTime } from './output.ts';
import { hidden, interactive, readStdin } from './prompt.ts';

interface Options {
  json?: boolean;
  zone?: string;
}

const zoneHelp = 'the zone (id or name); needed when <function> is a name';
const envPath = (functionId: string, key: string) => `/functions/${seg(functionId)}/env/${seg(key)}`;

export function registerEnv(program: Command): void {
  const env = noun(program, 'env', 'env vars (production and replicas share them): set, list, unset', 'edgefn env set hello GREETING hi --zone example.com');

  verb(env, 'set <function> <key> <value>', 'set an env var (a string, or JSON the function gets parsed)', `edgefn env set hello CONFIG '{"mode":"beta"}' --type json --zone example.com`)
    .option('--zone <zone>', zoneHelp)
    .option('--type <type>', 'string or json', 'string')
    .action(async (ref: string, key: string, value: string, options: Options & { type: string }) => {
      if (options.type !== 'string' && options.type !== 'json') throw new CliError(`--type must be string or json (secrets: edgefn secrets set)`);
      const { api } = context();
      const id = await functionIdOf(api, ref, options.zone);
      const view = await api.request('PUT', envPath(id, key), { value, type: options.type });
      if (options.json) printJson(view);
      else printLine(`Set ${key} (${options.type})`);
    });

  verb(env, 'list <function>', "list env vars; secrets' values are never shown", 'edgefn env list hello --zone example.com')
    .option('--zone <zone>', zoneHelp)
    .action(async (ref: string, options: Options) => {
      const { api } = context();
      const body = await api.get(`/functions/${seg(await functionIdOf(api, ref, options.zone))}/env`);
      if (options.json) return printJson(body);
      printTable(['KEY', 'TYPE', 'UPDATED', 'VALUE'], (body.env as Json[]).map((e) => [e.key as string, e.type as string, shortTime(e.updatedAt), e.type === 'secret' ? colours.dim('(hidden)') : (e.value as string)]));
    });

  verb(env, 'unset <function> <key>', 'remove an env var or a secret', 'edgefn env unset hello GREETING --zone example.com')
    .option('--zone <zone>', zoneHelp)
    .action(async (ref: string, key: string, options: Options) => {
      const { api } = context();
      const id = await functionIdOf(api, ref, options.zone);
      await api.request('DELETE', envPath(id, key));
      if (options.json) printJson({ functionId: id, key, deleted: true });
      else printLine(`Removed ${key}`);
    });

  const secrets = noun(program, 'secrets', 'secrets: env vars whose values are write-only (list and unset them with edgefn env)', 'edgefn secrets set hello API_KEY --zone example.com < key.txt');
  verb(secrets, 'set <function> <key>', 'set a secret; the value comes from stdin or a hidden prompt, never from the command line', 'printf %s "$API_KEY" | edgefn secrets set hello API_KEY --zone example.com')
    .option('--zone <zone>', zoneHelp)
    .action(async (ref: string, key: string, options: Options) => {
      const { api } = context();
      const id = await functionIdOf(api, ref, options.zone);
      // A trailing newline from `echo` or a here-string is not part of the value.
      const value = process.stdin.isTTY ? (interactive() ? await hidden(`Value of ${key}`) : '') : (await readStdin()).replace(/\r?\n$/, '');
      if (value === '') throw new CliError('no value: pipe it in on stdin, or run in a terminal to be asked');
      const view = await api.request('PUT', envPath(id, key), { value, type: 'secret' });
      if (options.json) printJson(view);
      else printLine(`Set secret ${key}`);
    });
}
