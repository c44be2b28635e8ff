/** `edgefn login`: checks the API URL and token, then saves them for later commands. */
import type { Command } from 'commander';
import { ApiClient } from './client.ts';
import { normaliseApiUrl, saveConfig } from './config.ts';
import { CliError } from './errors.ts';
import { printJson, printLine } from './output.ts';
import { hidden, interactive, readStdin } from './prompt.ts';

export function registerLogin(program: Command): void {
  program
    .command('login')
    .description('save the API URL and admin token to ~/.config/edgefn/config.json (mode 0600)')
    .requiredOption('--api <url>', 'the API address, e.g. http://127.0.0.1:8787')
    .option('--token-stdin', 'read the token from stdin (otherwise it is asked for, hidden)')
    .option('--json', 'print only JSON')
    .addHelpText('after', '\nExample:\n  $ cat .edgefn/admin-token | edgefn login --api http://127.0.0.1:8787 --token-stdin\n')
    .action(async (options: { api: string; tokenStdin?: boolean; json?: boolean }) => {
      const api = normaliseApiUrl(options.api);
      let token: string;
      if (options.tokenStdin) token = (await readStdin()).trim();
      else if (interactive()) token = (await hidden('Admin token')).trim();
      else throw new CliError('no token: pipe it in with --token-stdin (never put it on the command line)');
      if (token === '') throw new CliError('the token is empty');
      // Checked before saving anything: a wrong URL or token is refused here, not later.
      await new ApiClient({ api, token }).get('/zones');
      const path = saveConfig({ api, token });
      if (options.json) printJson({ api, config: path });
      else printLine(`Logged in to ${api}; saved to ${path}`);
    });
}
