/** Env vars as a function sees them: strings, parsed JSON, and decrypted secrets. */
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
