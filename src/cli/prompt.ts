/**
 * Questions to the user, through @clack/prompts on stderr (stdout stays the command's output).
 * Never asked without a terminal: `interactive()` is false when stdin or stderr is not a TTY, and
 * commands then need `--yes`, stdin, or a flag instead. A cancelled question (Ctrl-C, Esc) is a
 * refusal.
 */
import { confirm as askConfirm, isCancel, password, spinner, text } from '@clack/prompts';
import { CliError } from './errors.ts';

const io = { input: process.stdin, output: process.stderr, withGuide: false };

export function interactive(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

/** Refuses (exit 1, nothing changed) when a confirmation would be needed but cannot be asked. */
export function requireInteractive(what: string): void {
  if (!interactive()) throw new CliError(`refusing to ${what} without a terminal to confirm on: run it in a terminal, or add --yes`);
}

export async function confirm(message: string): Promise<void> {
  const answer = await askConfirm({ ...io, message, initialValue: false });
  if (isCancel(answer) || answer !== true) throw new CliError('not confirmed; nothing was changed');
}

/** Asks the user to type `expected` (e.g. the function's name) to go on. */
export async function confirmByTyping(message: string, expected: string): Promise<void> {
  const answer = await text({ ...io, message, validate: (value) => (value === expected ? undefined : `type ${expected} exactly, or press Ctrl-C to stop`) });
  if (isCancel(answer) || answer !== expected) throw new CliError('not confirmed; nothing was changed');
}

/** A value typed without echo (secrets). */
export async function hidden(message: string): Promise<string> {
  const answer = await password({ ...io, message });
  if (isCancel(answer)) throw new CliError('cancelled; nothing was changed');
  return answer;
}

/** Runs `work`; on a terminal, shows a spinner on stderr if it takes over a second. */
export async function withProgress<T>(message: string, work: Promise<T>): Promise<T> {
  if (!process.stderr.isTTY) return work;
  let shown: ReturnType<typeof spinner> | undefined;
  const timer = setTimeout(() => {
    shown = spinner({ ...io });
    shown.start(message);
  }, 1000);
  try {
    return await work;
  } finally {
    clearTimeout(timer);
    shown?.clear();
  }
}

/** Everything on stdin, for values that must not be in argv (tokens, secrets). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
