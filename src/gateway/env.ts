/** Env vars as a function sees them: strings, parsed JSON, and decrypted secrets. */
import { createHash } from 'node:crypto';
import { parseEnvValue } from '../domain/names.ts';
import type { SecretBox } from '../store/secrets.ts';
import type { EnvRecord } from '../store/types.ts';

/*
 * Secrets are decrypted only here, into the object handed to the runtime for the function's
 * `env`. They are never logged and never sent anywhere else.
 */
export function materializeEnv(records: EnvRecord[], secrets: SecretBox): Record<string, unknown> {
  const env: Record<string, unknown> = {};
  for (const r of records) env[r.key] = parseEnvValue(r.type, r.type === 'secret' ? secrets.decrypt(r.value) : r.value);
  return env;
}

/** The env vars of a function as stored (secrets still encrypted), in one string. */
export function envKeyOf(env: EnvRecord[]): string {
  return JSON.stringify(env.map((e) => [e.key, e.type, e.value]));
}

/** What the gateway and the lane compare to agree on a function's env vars. */
export function envHashOf(env: EnvRecord[]): string {
  return createHash('sha256').update(envKeyOf(env)).digest('hex');
}
