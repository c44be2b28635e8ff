/** The `edgefn` command: `edgefn <noun> <verb>`; `edgefn dev <file>` serves one function locally. */
import { runDev } from './dev.ts';
import { runServe } from './serve.ts';

const usage = `usage: edgefn <command>

commands:
  serve           run the platform: gateway, API, replica lane (see edgefn serve --help)
  dev <file.js>   serve one function file locally (see edgefn dev --help)
  help            show this text
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return runServe(rest);
    case 'dev':
      return runDev(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage);
      return 0;
    default:
      process.stderr.write(`edgefn: unknown command '${command}'\n\n${usage}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`edgefn: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
