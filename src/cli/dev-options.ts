/** Parsing of `edgefn dev` option values (commander argParsers): env var pairs and files, and the simulated geolocation. */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';

/** `KEY=VALUE`; a value that parses as a JSON object or array is passed parsed (like a JSON env var). */
export function parseEnvPair(pair: string): Record<string, unknown> {
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`--env ${pair}: expected KEY=VALUE`);
  const key = pair.slice(0, eq);
  return { [key]: envValue(pair.slice(eq + 1)) };
}

function envValue(raw: string): unknown {
  const trimmed = raw.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return raw;
    }
  }
  return raw;
}

/** Lines of KEY=VALUE; blank lines and lines starting with # are skipped; quotes are removed. */
export function parseEnvFile(text: string): Record<string, unknown> {
  const env: Record<string, unknown> = {};
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`env file line ${index + 1}: expected KEY=VALUE`);
    let value = trimmed.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) value = value.slice(1, -1);
    env[trimmed.slice(0, eq).trim()] = envValue(value);
  }
  return env;
}

const numericGeo = new Set(['asn', 'latitude', 'longitude', 'countryCodeNumeric']);

/** `--geo`: a JSON file path, or comma-separated key=value pairs. */
export function parseGeo(spec: string): Record<string, string | number> {
  if (!spec.includes('=')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(spec, 'utf8'));
    } catch (error) {
      throw new InvalidArgumentError(`--geo ${spec}: not a readable JSON file (${error instanceof Error ? error.message : String(error)})`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidArgumentError(`--geo ${spec}: expected a JSON object`);
    return parsed as Record<string, string | number>;
  }
  const geo: Record<string, string | number> = {};
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`--geo ${part}: expected key=value`);
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    geo[key] = numericGeo.has(key) && value !== '' && !Number.isNaN(Number(value)) ? Number(value) : value;
  }
  return geo;
}
