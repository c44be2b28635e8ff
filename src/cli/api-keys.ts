/** `edgefn api-keys …`: keys for the EdgeOne-compatible API (Tencent Cloud SDKs and tccli). */
import type { Command } from 'commander';
import type { Json } from './client.ts';
import { context, noun, seg, verb } from './context.ts';
import { printFields, printJson, printLine, printTable, shortTime } from './output.ts';
import { confirm, requireInteractive } from './prompt.ts';

interface JsonOption {
  json?: boolean;
}

export function registerApiKeys(program: Command): void {
  const keys = noun(program, 'api-keys', 'keys for the EdgeOne-compatible API: create, list, delete', 'edgefn api-keys create --remark ci');

  verb(keys, 'create', 'create an API key; its SecretKey is shown this once', 'edgefn api-keys create --remark ci')
    .option('--remark <text>', 'what the key is for', '')
    .action(async (options: JsonOption & { remark: string }) => {
      const key = await context().api.request('POST', '/api-keys', { remark: options.remark });
      if (options.json) return printJson(key);
      printFields([
        ['SecretId', key.secretId as string],
        ['SecretKey', key.secretKey as string],
        ['remark', key.remark as string],
        ['created', shortTime(key.createdAt)],
      ]);
      printLine();
      printLine('The SecretKey is not shown again: keep it now (docs/teo-api.md shows how to use it).');
    });

  verb(keys, 'list', 'list API keys (without their secret keys)', 'edgefn api-keys list').action(async (options: JsonOption) => {
    const body = await context().api.get('/api-keys');
    if (options.json) return printJson(body);
    printTable(['SECRET ID', 'REMARK', 'CREATED'], (body.apiKeys as Json[]).map((k) => [k.secretId as string, k.remark as string, shortTime(k.createdAt)]));
  });

  verb(keys, 'delete <secretId>', 'delete an API key: requests signed with it are refused at once', 'edgefn api-keys delete AKID... --yes')
    .option('--yes', 'do not ask for confirmation')
    .action(async (secretId: string, options: JsonOption & { yes?: boolean }) => {
      if (!options.yes) {
        requireInteractive(`delete API key ${secretId}`);
        await confirm(`Delete API key ${secretId}? Scripts using it stop working.`);
      }
      await context().api.request('DELETE', `/api-keys/${seg(secretId)}`);
      if (options.json) printJson({ secretId, deleted: true });
      else printLine(`Deleted API key ${secretId}`);
    });
}
