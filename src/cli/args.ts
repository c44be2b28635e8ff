/**
 * Option values shared by `edgefn serve` and `edgefn dev` (parsed by commander, like every other
 * command), and waiting for a stop signal.
 */
import { CommanderError, InvalidArgumentError, type Command } from 'commander';

/** A port (0-65535; 0 picks a free port). */
export function port(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < 0 || value > 65535) throw new InvalidArgumentError('must be 0-65535');
  return value;
}

/** A positive whole number. */
export function count(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError('must be a positive whole number');
  return value;
}

/**
 * Parses argv with `command` (its own usage errors and --help printed by commander): the parsed
 * command, or the exit code to stop with (0 after --help, 1 for bad input).
 */
export function parseOrExit(command: Command, argv: string[]): Command | number {
  command.exitOverride();
  try {
    return command.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    throw error;
  }
}

/** Resolves on SIGINT or SIGTERM: long-running commands then shut down cleanly. */
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
