/**
 * Where the CLI finds the API: `edgefn login` saves the URL and token to
 * `$XDG_CONFIG_HOME/edgefn/config.json` (default `~/.config/edgefn/`), readable by the user only;
 * `EDGEFN_API` and `EDGEFN_TOKEN` override the file.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from './errors.ts';

export interface CliConfig {
  api: string;
  token: string;
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'edgefn', 'config.json');
}

function readFileConfig(path: string): Partial<CliConfig> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const pick = (key: string) => (typeof parsed[key] === 'string' ? { [key]: parsed[key] } : {});
    return { ...pick('api'), ...pick('token') };
  } catch {
    throw new CliError(`${path} is not valid JSON: run edgefn login again`);
  }
}

/** The API to talk to: environment first, then the config file. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  const file = readFileConfig(configPath(env));
  const api = env.EDGEFN_API || file.api;
  const token = env.EDGEFN_TOKEN || file.token;
  if (!api || !token) throw new CliError('not logged in: run `edgefn login --api URL --token-stdin` (or set EDGEFN_API and EDGEFN_TOKEN)');
  return { api: normaliseApiUrl(api), token };
}

/** `http://host:8787`, `http://host:8787/` and `http://host:8787/api/v1` all mean the same API. */
export function normaliseApiUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`'${text}' is not a URL; give the API's address, e.g. http://127.0.0.1:8787`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`'${text}' must be an http or https URL`);
  return url.origin + url.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
}

/** Writes the config readable by the user only: a new file of mode 0600, renamed into place. */
export function saveConfig(config: CliConfig, env: NodeJS.ProcessEnv = process.env): string {
  const path = configPath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  // A fresh file (never one left there, or a link someone planted), then renamed into place.
  rmSync(temp, { force: true });
  writeFileSync(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
  return path;
}
