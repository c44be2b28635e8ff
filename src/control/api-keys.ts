/**
 * API keys of the EdgeOne-compatible API (`POST /` with TC3-HMAC-SHA256): a SecretId names the key,
 * the SecretKey signs requests. TC3 derives its signing key from the SecretKey itself, so the
 * server must keep it: it is stored encrypted with the secret box (as secret env vars are), shown
 * once when created, and decrypted only to check a signature. A key acts with the admin token's
 * rights (every zone); deleting it refuses its next request.
 */
import { randomInt } from 'node:crypto';
import { EdgefnError } from '../domain/errors.ts';
import { validateApiKeyRemark } from '../domain/names.ts';
import type { Store } from '../store/store.ts';
import type { SecretBox } from '../store/secrets.ts';
import type { ApiKeyRecord } from '../store/types.ts';

/** Tencent Cloud's limit on API keys per account is 2; a self-hosted server may want a few more. */
export const maxApiKeys = 50;
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomText(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export interface NewApiKey extends ApiKeyRecord {
  /** Shown once, here; never again. */
  secretKey: string;
}

export class ApiKeys {
  readonly #store: Store;
  readonly #secrets: SecretBox;

  constructor(store: Store, secrets: SecretBox) {
    this.#store = store;
    this.#secrets = secrets;
  }

  async create(remark: string): Promise<NewApiKey> {
    validateApiKeyRemark(remark);
    // Shaped as Tencent Cloud's (AKID + 32, and 32): tools that check the shape accept them.
    const secretId = `AKID${randomText(32)}`;
    const secretKey = randomText(32);
    const record = await this.#store.createApiKey({ secretId, storedSecret: this.#secrets.encrypt(secretKey), remark }, maxApiKeys);
    return { ...record, secretKey };
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.#store.listApiKeys();
  }

  delete(secretId: string): Promise<void> {
    return this.#store.deleteApiKey(secretId);
  }

  /** The SecretKey of `secretId`, to check a signature with; undefined for no such key. */
  async secretKeyOf(secretId: string): Promise<string | undefined> {
    const stored = await this.#store.apiKeySecret(secretId);
    if (stored === undefined) return undefined;
    try {
      return this.#secrets.decrypt(stored);
    } catch {
      // Encrypted with another secret box key (EDGEFN_SECRET_KEY changed): the operator's to fix.
      throw new EdgefnError('InternalError.SystemError', `API key ${secretId} cannot be read on this server: was its secret key (EDGEFN_SECRET_KEY or <data-dir>/secret-key) changed? Create a new key.`);
    }
  }
}
