/**
 * The `edgefn` command: `edgefn <noun> <verb>` talks to the HTTP API; `serve` runs the platform
 * and `dev <file>` serves one function locally (each loaded only when asked for). Exit codes: 0 ok,
 * 1 the user's to fix (bad input, not found, conflict, refused confirmation), 2 unexpected.
 */
import { Command, CommanderError } from 'commander';
import { CliError } from './errors.ts';
import { registerApiKeys } from './api-keys.ts';
import { registerEnv } from './env.ts';
import { registerFunctions } from './functions.ts';
import { registerLogin } from './login.ts';
import { registerLogs } from './logs.ts';
import { registerMetrics } from './metrics.ts';
import { colours, inert } from './output.ts';
import { registerReplicas } from './replicas.ts';
import { registerRules } from './rules.ts';
import { registerVersions } from './versions.ts';
import { registerZones } from './zones.ts';

function program(): Command {
  const root = new Command('edgefn')
    .description('edgefn: self-hosted edge functions with code replicas')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', '\nExample:\n  $ edgefn replicas create hello test-replica --zone example.com --from-production\n\nEvery command takes --help; API commands take --json. Docs: docs/cli.md\n');
  // Listed for --help; run before parsing (their options are their own, see serve.ts and dev.ts).
  root.command('serve').description('run the platform: gateway, API, replica lane (edgefn serve --help)');
  root.command('dev').description('serve one function file locally, reloading on change (edgefn dev --help)');
  registerLogin(root);
  registerZones(root);
  registerFunctions(root);
  registerReplicas(root);
  registerVersions(root);
  registerEnv(root);
  registerRules(root);
  registerLogs(root);
  registerMetrics(root);
  registerApiKeys(root);
  for (const command of root.commands) command.exitOverride();
  return root;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'serve') return (await import('./serve.ts')).runServe(argv.slice(1));
  if (argv[0] === 'dev') return (await import('./dev.ts')).runDev(argv.slice(1));
  if (argv.length === 0) argv = ['--help'];
  await program().parseAsync(argv, { from: 'user' });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof CommanderError) {
      // Commander has printed the help or the usage error; 'help' is not a failure.
      process.exitCode = error.exitCode === 0 ? 0 : 1;
      return;
    }
    if (error instanceof CliError) {
      process.stderr.write(`${colours.red('error:')} ${inert(error.message)}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    process.stderr.write(`${colours.red('unexpected error:')} ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  },
);
