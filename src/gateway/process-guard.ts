/**
 * The last line of containment for the data-plane processes (`edgefn serve`, the replica lane,
 * `edgefn dev`): an error that still escapes to Node's top level is logged and the process keeps
 * serving, instead of one bad request ending every tenant's traffic. Nothing is expected to reach
 * it; each line it logs is a bug to fix where it started.
 */
export function guardProcess(name: string, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): void {
  const report = (kind: string) => (error: unknown) => {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log(`${name}: ${kind} kept from ending the process: ${detail}`);
  };
  process.on('uncaughtException', report('uncaught exception'));
  process.on('unhandledRejection', report('unhandled rejection'));
}
