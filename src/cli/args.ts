/** A small parser for `--flag value`, `--flag=value` and repeatable flags. */
export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string[]>;
}

/** Parses argv; `booleans` are flags that take no value. Unknown flags are an error. */
export function parseArgs(argv: string[], known: readonly string[], booleans: readonly string[] = []): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (!known.includes(name) && !booleans.includes(name)) throw new UsageError(`unknown option --${name}`);
    let value: string;
    if (booleans.includes(name)) value = 'true';
    else if (eq !== -1) value = arg.slice(eq + 1);
    else {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`--${name} needs a value`);
      value = next;
    }
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return { positional, flags };
}

export class UsageError extends Error {}

/** The last value of a flag, or a default. */
export function lastFlag(args: ParsedArgs, name: string): string | undefined {
  return args.flags.get(name)?.at(-1);
}

/** A port flag (0-65535; 0 picks a free port), or the default. */
export function portFlag(args: ParsedArgs, name: string, fallback: number): number {
  const value = Number(lastFlag(args, name) ?? fallback);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new UsageError(`--${name} must be 0-65535`);
  return value;
}

/** A positive integer flag, or undefined when absent. */
export function countFlag(args: ParsedArgs, name: string): number | undefined {
  const text = lastFlag(args, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`--${name} must be a positive whole number`);
  return value;
}

/** Resolves on SIGINT or SIGTERM: long-running commands then shut down cleanly. */
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
