/**
 * Secret env var values are encrypted at rest with AES-256-GCM. The key comes from
 * EDGEFN_SECRET_KEY (32 bytes as base64 or 64 hex characters) or from a key file generated in the
 * data directory on first start (mode 0600). Only ciphertext reaches the database; plaintext is
 * made only where a function needs it (the runtime's env), never for API responses or logs.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const prefix = 'v1:';

export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.byteLength !== 32) throw new Error('the secret key must be 32 bytes');
    this.#key = key;
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return prefix + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  decrypt(stored: string): string {
    if (!stored.startsWith(prefix)) throw new Error('not an encrypted value');
    const raw = Buffer.from(stored.slice(prefix.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}

function parseKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.byteLength !== 32) throw new Error('EDGEFN_SECRET_KEY must be 32 bytes, as base64 or 64 hex characters');
  return key;
}

/** The secret box for a data directory: the env key if set, else the key file (made if missing). */
export function loadSecretBox(dataDir: string, envKey = process.env.EDGEFN_SECRET_KEY): SecretBox {
  if (envKey) return new SecretBox(parseKey(envKey));
  const file = join(dataDir, 'secret-key');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return new SecretBox(parseKey(readFileSync(file, 'utf8')));
}
