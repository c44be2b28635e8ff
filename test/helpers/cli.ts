/**
 * The built `edgefn` CLI as a subprocess, with its own HOME and XDG_CONFIG_HOME: run to completion
 * (`runCli`), or on a pseudo-terminal (`ptyCli`, through python3's pty module) to answer prompts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A fresh home directory; the CLI's config lands in `<home>/.config/edgefn/config.json`. */
export function cliHome(): { HOME: string; XDG_CONFIG_HOME: string } {
  const home = mkdtempSync(join(tmpdir(), 'edgefn-cli-home-'));
  return { HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
}

const cleanEnv = (env: Record<string, string>): NodeJS.ProcessEnv => {
  const base = { ...process.env };
  for (const key of ['EDGEFN_API', 'EDGEFN_TOKEN', 'VISUAL', 'EDITOR', 'FORCE_COLOR']) delete base[key];
  return { ...base, NO_COLOR: '1', ...env };
};

export function runCli(args: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  const child = spawn(process.execPath, ['bin/edgefn.js', ...args], { env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdin.end(input ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export interface PtyCli {
  /** Resolves once the terminal has shown text matching `pattern` (rejects after `ms`). */
  expect(pattern: RegExp, ms?: number): Promise<void>;
  /** Types into the terminal. */
  write(text: string): void;
  /** Everything the terminal showed so far. */
  output(): string;
  /** The exit code, once the command ends. */
  exited: Promise<number>;
  /** Ends the command (a test that failed half-way must not leave it waiting for input). */
  kill(): void;
}

export function ptyCli(args: string[], env: Record<string, string>): PtyCli {
  const child = spawn('python3', ['test/helpers/pty-bridge.py', process.execPath, 'bin/edgefn.js', ...args], { env: cleanEnv(env), stdio: ['pipe', 'pipe', 'inherit'] });
  let shown = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    shown += text;
    for (const waiter of waiters) waiter();
  });
  const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? -1)));
  return {
    expect: (pattern, ms = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(shown)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the terminal did not show ${pattern} within ${ms} ms; it showed:\n${shown}`));
        }, ms);
        waiters.add(check);
        check();
      }),
    write: (text) => child.stdin.write(text),
    output: () => shown,
    exited,
    kill: () => {
      child.stdin.destroy();
      child.kill('SIGKILL');
    },
  };
}
