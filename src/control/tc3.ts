/**
 * TC3-HMAC-SHA256, Tencent Cloud API 3.0's request signature, checked as Tencent Cloud checks it:
 * the canonical request (method, path, query, the signed headers as sent, the body's SHA-256),
 * the credential scope (date/service/tc3_request, with the service named by the caller: the SDK
 * takes it from the endpoint's first DNS label), a timestamp within five minutes, and the HMAC
 * chain TC3<SecretKey> -> date -> service -> tc3_request, compared in constant time.
 *
 * Security: nothing here echoes the secret, the expected signature or the canonical request into
 * an error message. A replay is refused once its timestamp leaves the five-minute window.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { EdgefnError } from '../domain/errors.ts';

/** How far X-TC-Timestamp may be from the server's clock, either way. */
export const maxClockSkewSeconds = 300;

const authorizationPattern = /^TC3-HMAC-SHA256 Credential=([^/\s]+)\/(\d{4}-\d{2}-\d{2})\/([^/\s]+)\/tc3_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();
const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

function invalid(message: string): EdgefnError {
  return new EdgefnError('AuthFailure.InvalidAuthorization', message);
}

/**
 * A request header as sent (repeated ones joined), or undefined. Own properties only: a signed
 * header named `constructor` must not find Object.prototype's.
 */
export function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  if (!Object.hasOwn(headers, name)) return undefined;
  const value = headers[name];
  return typeof value === 'string' ? value : Array.isArray(value) ? value.join(',') : undefined;
}

/** The signature of a request whose canonical headers are `canonicalHeaders`. */
export function tc3Signature(input: { secretKey: string; date: string; service: string; timestamp: string; method: string; url: string; canonicalHeaders: string; signedHeaders: string; body: Buffer | string }): string {
  const queryAt = input.url.indexOf('?');
  const path = queryAt < 0 ? input.url : input.url.slice(0, queryAt);
  const query = queryAt < 0 ? '' : input.url.slice(queryAt + 1);
  const canonicalRequest = [input.method, path, query, input.canonicalHeaders, input.signedHeaders, sha256Hex(input.body)].join('\n');
  const scope = `${input.date}/${input.service}/tc3_request`;
  const stringToSign = `TC3-HMAC-SHA256\n${input.timestamp}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  const key = hmac(hmac(hmac(`TC3${input.secretKey}`, input.date), input.service), 'tc3_request');
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}

/** What the headers of a TC3-signed request claim, checked as far as headers allow. */
export interface Tc3Claim {
  secretId: string;
  secretKey: string;
  date: string;
  service: string;
  timestamp: string;
  signedHeaders: string;
  /** The signed headers' names, and their values as sent. */
  names: string[];
  values: string[];
  signature: string;
}

/**
 * The header half of the check: the Authorization header's form, the timestamp's window and
 * date, the signed headers, and that the key exists. It needs no body, so a request that fails it
 * is refused before its body is read. Failures are EdgefnErrors with Tencent Cloud's codes.
 */
export async function claimOf(headers: IncomingHttpHeaders, secretKeyOf: (secretId: string) => Promise<string | undefined>, nowMs = Date.now()): Promise<Tc3Claim> {
  const match = authorizationPattern.exec(headerOf(headers, 'authorization') ?? '');
  if (!match) throw invalid('The Authorization header is not a TC3-HMAC-SHA256 signature (TC3-HMAC-SHA256 Credential=<SecretId>/<date>/<service>/tc3_request, SignedHeaders=..., Signature=...)');
  const [, secretId, date, service, signedHeaders, signature] = match as unknown as [string, string, string, string, string, string];

  const timestamp = headerOf(headers, 'x-tc-timestamp') ?? '';
  if (!/^\d{1,12}$/.test(timestamp)) throw invalid('X-TC-Timestamp must be the request time in seconds since the epoch');
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > maxClockSkewSeconds) {
    throw new EdgefnError('AuthFailure.SignatureExpire', `The signature has expired: X-TC-Timestamp must be within ${maxClockSkewSeconds} seconds of the server's time`);
  }
  if (new Date(Number(timestamp) * 1000).toISOString().slice(0, 10) !== date) throw invalid("The credential's date is not the UTC date of X-TC-Timestamp");

  const names = signedHeaders.split(';');
  if (!names.includes('content-type') || !names.includes('host')) throw invalid('SignedHeaders must include content-type and host');
  const values = names.map((name) => headerOf(headers, name));
  if (values.some((v) => v === undefined)) throw invalid('A header named in SignedHeaders is missing from the request');

  const secretKey = await secretKeyOf(secretId);
  if (secretKey === undefined) throw new EdgefnError('AuthFailure.SecretIdNotFound', 'The SecretId does not exist, or its key was deleted');
  return { secretId, secretKey, date, service, timestamp, signedHeaders, names, values: values as string[], signature };
}

/** The body half: the signature over the canonical request, compared in constant time. */
export function checkSignature(claim: Tc3Claim, method: string, url: string, body: Buffer): void {
  // Header values as Tencent Cloud canonicalises them (trimmed, lower case). The Node SDK signs
  // the host without its port while sending it with one; other SDKs sign it as sent: both pass.
  const canonical = (hostWithoutPort: boolean): string =>
    claim.names.map((name, i) => {
      let value = claim.values[i]!.trim().toLowerCase();
      if (hostWithoutPort && name === 'host') value = value.replace(/:\d+$/, '');
      return `${name}:${value}\n`;
    }).join('');
  const given = Buffer.from(claim.signature, 'hex');
  for (const hostWithoutPort of [false, true]) {
    const { secretKey, date, service, timestamp, signedHeaders } = claim;
    const expected = Buffer.from(tc3Signature({ secretKey, date, service, timestamp, method, url, canonicalHeaders: canonical(hostWithoutPort), signedHeaders, body }), 'hex');
    if (timingSafeEqual(given, expected)) return;
  }
  throw new EdgefnError('AuthFailure.SignatureFailure', 'The request signature does not match: check the SecretKey, and that the body and signed headers reach the server unchanged');
}
