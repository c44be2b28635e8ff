/**
 * Resource ids in EdgeOne's shapes (`zone-xxxxxxxxxxxx`, `ef-xxxxxxxx`, `rule-xxxxxxxx`) and the
 * default access domain of a function.
 */
import { isFunctionName } from './names.ts';

// The Web Crypto global (Node 20 has it); typed here so domain/ does not lean on Node's types.
interface RandomSource {
  getRandomValues<T extends Uint8Array>(array: T): T;
}
const random = (globalThis as unknown as { crypto: RandomSource }).crypto;

const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
// The largest multiple of 36 that fits in a byte: bytes at or above it are dropped so that every
// character is equally likely.
const unbiasedLimit = 252;

/** `length` random characters of a-z and 0-9, from the Web Crypto generator. */
export function generateRandomId(length: number): string {
  let out = '';
  while (out.length < length) {
    // A little more than needed, since about 1.6% of bytes are dropped; Web Crypto hands out at
    // most 65536 bytes per call.
    const bytes = random.getRandomValues(new Uint8Array(Math.min(65_536, length - out.length + 4)));
    for (const byte of bytes) {
      if (byte < unbiasedLimit && out.length < length) out += alphabet[byte % 36];
    }
  }
  return out;
}

/** A new zone id: `zone-` and 12 random characters. */
export function newZoneId(): string {
  return `zone-${generateRandomId(12)}`;
}

/** A new function id: `ef-` and 8 random characters. */
export function newFunctionId(): string {
  return `ef-${generateRandomId(8)}`;
}

/** A new trigger-rule id: `rule-` and 8 random characters. */
export function newRuleId(): string {
  return `rule-${generateRandomId(8)}`;
}

/** A new code-version id: `ver-` and 10 random characters. */
export function newVersionId(): string {
  return `ver-${generateRandomId(10)}`;
}

const zonePrefix = 'zone-';

/**
 * The default access domain of a function: `<function-name>-<zone id part>.<suffix>`, where the
 * zone id part is the zone id without `zone-` (e.g. `test-2xkazsasyf6k.edgefn.localhost`).
 * EdgeOne also appends the account id (`test-2xkazsasyf6k-1206341531.eo-edgefunctions.com`);
 * edgefn has no accounts, so it leaves that part out. Function names may contain '-' but zone id
 * parts never do, which keeps the name readable back with {@link parseDefaultDomain}.
 */
export function defaultDomain(functionName: string, zoneId: string, suffix: string): string {
  const part = zoneId.startsWith(zonePrefix) ? zoneId.slice(zonePrefix.length) : zoneId;
  const cleanSuffix = suffix.startsWith('.') ? suffix.slice(1) : suffix;
  return `${functionName}-${part}.${cleanSuffix}`.toLowerCase();
}

/**
 * Reads a host built by {@link defaultDomain} back into the function name and zone id, or
 * `undefined` when the host is not such a domain. `host` must not carry a port.
 */
export function parseDefaultDomain(host: string, suffix: string): { functionName: string; zoneId: string } | undefined {
  const cleanSuffix = (suffix.startsWith('.') ? suffix.slice(1) : suffix).toLowerCase();
  const lower = host.toLowerCase();
  if (!lower.endsWith(`.${cleanSuffix}`)) return undefined;
  const label = lower.slice(0, lower.length - cleanSuffix.length - 1);
  const dash = label.lastIndexOf('-');
  if (dash <= 0) return undefined;
  const functionName = label.slice(0, dash);
  const part = label.slice(dash + 1);
  if (!/^[a-z0-9]+$/.test(part) || !isFunctionName(functionName)) return undefined;
  return { functionName, zoneId: `${zonePrefix}${part}` };
}
