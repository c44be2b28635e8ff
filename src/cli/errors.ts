/**
 * How the CLI fails: a CliError is the user's to fix (exit 1: bad input, not found, conflict,
 * refused confirmation) or the platform's (exit 2); its message is one line saying what to do.
 * Anything else that escapes a command is unexpected (exit 2).
 */
export class CliError extends Error {
  /** The API's error code, when the API refused. */
  readonly code: string | undefined;
  readonly exitCode: 1 | 2;

  constructor(message: string, options: { code?: string; exitCode?: 1 | 2 } = {}) {
    super(message);
    this.name = 'CliError';
    this.code = options.code;
    this.exitCode = options.exitCode ?? 1;
  }
}
