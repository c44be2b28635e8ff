/**
 * Name, remark, environment-variable, zone and size rules, as EdgeOne states them
 * (shared/reference/edgeone.md). Every validator throws an {@link EdgefnError} whose message names
 * the broken rule, so the API can pass it straight to the user.
 */
import { EdgefnError } from './errors.ts';

/** Replicas one function may have. */
export const maxReplicasPerFunction = 2;
/** Functions one zone (site) may have. */
export const maxFunctionsPerZone = 100;
/** Trigger rules one zone may have. */
export const maxRulesPerZone = 200;
/** Environment variables one function may have. */
export const maxEnvVarsPerFunction = 64;
/** Default code size limit, in UTF-8 bytes. */
export const maxCodeBytes = 5 * 1024 * 1024;
/** Longest environment-variable value, in UTF-8 bytes. */
export const maxEnvValueBytes = 5000;

const functionNamePattern = /^[a-z][a-z0-9-]*[a-z0-9]$/;
const replicaNamePattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const envNamePattern = /^[A-Za-z0-9@._-]+$/;
const zoneLabelPattern = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/** Whether `name` is a valid function name (see {@link validateFunctionName}). */
export function isFunctionName(name: string): boolean {
  return name.length >= 2 && name.length <= 30 && functionNamePattern.test(name);
}

/**
 * Checks a function name: 2-30 characters of lowercase letters, digits and '-', starting with a
 * letter and ending with a letter or digit.
 */
export function validateFunctionName(name: string): void {
  const fail = (rule: string): never => {
    throw new EdgefnError('InvalidParameter.BadFunctionName', `Invalid function name ${JSON.stringify(name)}: ${rule}.`);
  };
  if (typeof name !== 'string') fail('it must be a string');
  if (name.length < 2 || name.length > 30) fail('it must be 2 to 30 characters long');
  if (!/^[a-z0-9-]*$/.test(name)) fail("it may contain only lowercase letters, digits and '-'");
  if (!/^[a-z]/.test(name)) fail('it must start with a lowercase letter');
  if (!/[a-z0-9]$/.test(name)) fail('it must end with a lowercase letter or a digit');
}

/** Whether `name` is a valid replica name (see {@link validateReplicaName}). */
export function isReplicaName(name: string): boolean {
  return name.length >= 1 && name.length <= 50 && replicaNamePattern.test(name) && name !== reservedReplicaName;
}

/**
 * Not a replica name: `production` names production wherever a variant is named (logs, test
 * requests), and `EO-Function-Replica-Name: production` asks for production explicitly, never a
 * rollout.
 */
export const reservedReplicaName = 'production';

/**
 * Checks a replica name: 1-50 characters of a-z, 0-9 and '-', with no leading, trailing or
 * consecutive hyphens.
 */
export function validateReplicaName(name: string): void {
  const fail = (rule: string): never => {
    throw new EdgefnError('InvalidParameter.BadReplicaName', `Invalid replica name ${JSON.stringify(name)}: ${rule}.`);
  };
  if (typeof name !== 'string') fail('it must be a string');
  if (name.length < 1 || name.length > 50) fail('it must be 1 to 50 characters long');
  if (!/^[a-z0-9-]*$/.test(name)) fail("it may contain only lowercase letters, digits and '-'");
  if (name.startsWith('-') || name.endsWith('-')) fail("it must not start or end with '-'");
  if (name.includes('--')) fail("it must not contain consecutive '-'");
  if (name === reservedReplicaName) fail('production is reserved: it names production itself');
}

// Remarks are counted in Unicode code points, so a CJK character or an emoji counts as one
// character, as a user reading the console would count them.
function validateRemark(kind: string, remark: string, max: number): void {
  if (typeof remark !== 'string') {
    throw new EdgefnError('InvalidParameter.LengthExceedsLimit', `${kind} remark must be a string.`);
  }
  // Remarks are shown in terminals and pages: no character that moves a cursor, starts an escape
  // sequence or reorders text (tab is the one control allowed).
  if (/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(remark)) {
    throw new EdgefnError('InvalidParameter.InvalidParameter', `${kind} remark may not contain control or bidirectional-override characters.`);
  }
  if (remark.length > max && countCodePoints(remark) > max) {
    throw new EdgefnError('InvalidParameter.LengthExceedsLimit', `${kind} remark must be at most ${max} characters long.`, {
      max,
    });
  }
}

function countCodePoints(s: string): number {
  let count = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/** Checks a function remark: at most 60 characters. */
export function validateFunctionRemark(remark: string): void {
  validateRemark('Function', remark, 60);
}

/** Checks a replica remark: at most 50 characters. */
export function validateReplicaRemark(remark: string): void {
  validateRemark('Replica', remark, 50);
}

/** Checks a trigger-rule remark: at most 60 characters. */
export function validateRuleRemark(remark: string): void {
  validateRemark('Rule', remark, 60);
}

/** Checks an API key's remark: at most 100 characters. */
export function validateApiKeyRemark(remark: string): void {
  validateRemark('API key', remark, 100);
}

/** Checks an environment-variable name: 1-64 characters of letters, digits, '@', '.', '-' and '_'. */
export function validateEnvName(name: string): void {
  const fail = (rule: string): never => {
    throw new EdgefnError('InvalidParameter.BadEnvironmentVariable', `Invalid environment variable name ${JSON.stringify(name)}: ${rule}.`);
  };
  if (typeof name !== 'string') fail('it must be a string');
  if (name.length < 1 || name.length > 64) fail('it must be 1 to 64 characters long');
  if (!envNamePattern.test(name)) fail("it may contain only letters, digits, '@', '.', '-' and '_'");
}

/** Checks an environment-variable value: at most 5000 bytes in UTF-8. */
export function validateEnvValue(value: string): void {
  if (typeof value !== 'string') {
    throw new EdgefnError('InvalidParameter.BadEnvironmentVariable', 'Environment variable value must be a string.');
  }
  if (value.length > maxEnvValueBytes / 3 && utf8Length(value) > maxEnvValueBytes) {
    throw new EdgefnError(
      'InvalidParameter.BadEnvironmentVariable',
      `Environment variable value must be at most ${maxEnvValueBytes} bytes in UTF-8.`,
      { maxBytes: maxEnvValueBytes },
    );
  }
}

/** The kinds of environment variable EdgeOne has. */
export type EnvType = 'string' | 'json' | 'secret';

/**
 * Turns a stored environment-variable value into what the function sees as `env.KEY`.
 * - `string`: the value as is.
 * - `json`: the parsed JSON; a value that does not parse is rejected.
 * - `secret`: EdgeOne says a secret holds "a string or JSON". We read it as JSON only when it
 *   parses as a JSON object or array; anything else (including `"42"`, `true` or a quoted JSON
 *   string) stays the exact string that was saved, so a password such as `12345` is never turned
 *   into a number.
 *
 * It does not check the size; call {@link validateEnvValue} on write.
 */
export function parseEnvValue(type: EnvType, value: string): unknown {
  switch (type) {
    case 'string':
      return value;
    case 'json':
      try {
        return JSON.parse(value) as unknown;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new EdgefnError('InvalidParameter.BadEnvironmentVariable', `Environment variable of type json must hold valid JSON: ${reason}`);
      }
    case 'secret': {
      const first = value.trimStart()[0];
      if (first !== '{' && first !== '[') return value;
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return value;
      }
    }
    default:
      throw new EdgefnError(
        'InvalidParameter.BadEnvironmentVariable',
        `Unknown environment variable type ${JSON.stringify(type as unknown)}: it must be string, json or secret.`,
      );
  }
}

/**
 * Checks a zone (site) name and returns it lowercased: a DNS host name with at least two labels,
 * each 1-63 characters of a-z, 0-9 and inner '-', 253 characters in all. A trailing dot is refused,
 * and so is an all-digit last label, so that an IPv4 address is never taken for a site.
 */
export function validateZoneName(name: string): string {
  const fail = (rule: string): never => {
    throw new EdgefnError('InvalidParameter.BadZoneName', `Invalid zone name ${JSON.stringify(name)}: ${rule}.`);
  };
  if (typeof name !== 'string') fail('it must be a string');
  const lower = name.toLowerCase();
  if (lower.length < 1 || lower.length > 253) fail('it must be 1 to 253 characters long');
  const labels = lower.split('.');
  if (labels.length < 2) fail('it must have at least two labels, like example.com');
  for (const label of labels) {
    if (label.length === 0) fail('labels must not be empty');
    if (label.length > 63) fail('each label must be at most 63 characters long');
    if (!zoneLabelPattern.test(label)) {
      fail("labels may contain only letters, digits and '-', and must not start or end with '-'");
    }
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) fail('the last label must not be all digits');
  return lower;
}

/**
 * Checks an origin URL and returns its normalized form (`scheme://host[:port]`, no trailing
 * slash): an absolute http or https URL with a host, no path beyond '/', no query, no fragment and
 * no user info (credentials in an origin URL would end up in logs).
 */
export function validateOrigin(url: string): string {
  const fail = (rule: string): never => {
    throw new EdgefnError('InvalidParameter.BadOrigin', `Invalid origin ${JSON.stringify(url)}: ${rule}.`);
  };
  if (typeof url !== 'string') fail('it must be a string');
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    fail('it must be an absolute URL such as https://origin.example.com');
  }
  if (parsed === undefined) return fail('it must be an absolute URL');
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') fail('the scheme must be http or https');
  if (parsed.hostname === '') fail('it must have a host');
  if (parsed.username !== '' || parsed.password !== '') fail('it must not contain user info');
  if (parsed.pathname !== '/' && parsed.pathname !== '') fail("it must not have a path beyond '/'");
  // `URL` drops an empty '?' or '#', so look at the raw text too.
  if (parsed.search !== '' || url.includes('?')) fail('it must not have a query');
  if (parsed.hash !== '' || url.includes('#')) fail('it must not have a fragment');
  return parsed.origin;
}

/**
 * The length of `s` encoded as UTF-8, in bytes, without encoding it. A lone surrogate counts as 3
 * bytes, as TextEncoder replaces it with U+FFFD.
 */
export function utf8Length(s: string): number {
  let bytes = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    } else bytes += 3;
  }
  return bytes;
}

/** Checks that code (text, or already-encoded bytes) is at most `maxBytes` long in UTF-8. */
export function validateCodeSize(content: string | Uint8Array, maxBytes: number = maxCodeBytes): void {
  // Each UTF-16 unit is at most 3 bytes, so short strings need no counting.
  const size = typeof content === 'string' ? (content.length * 3 <= maxBytes ? content.length : utf8Length(content)) : content.byteLength;
  if (size > maxBytes) {
    throw new EdgefnError('InvalidParameter.ContentExceedsLimit', `Code must be at most ${maxBytes} bytes in UTF-8; it is ${size} bytes.`, {
      maxBytes,
      bytes: size,
    });
  }
}
