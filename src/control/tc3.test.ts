/**
 * TC3-HMAC-SHA256 checks against signatures made by the official SDK's own signer
 * (tencentcloud-sdk-nodejs Sign.sign3), so both sides of the algorithm are not ours.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { IncomingHttpHeaders } from 'node:http';
import { checkSignature, claimOf, tc3Signature } from './tc3.ts';

const require = createRequire(import.meta.url);
const { default: Sign } = require('tencentcloud-sdk-nodejs/tencentcloud/common/sign.js') as {
  default: { sign3(input: Record<string, unknown>): string };
};

const secretId = 'AKIDexample0000000000000000000000000';
const secretKey = 'secretkeyexample0000000000000000';
const keys = async (id: string): Promise<string | undefined> => (id === secretId ? secretKey : undefined);
const nowMs = 1_764_633_600_000; // 2025-12-02T00:00:00Z
const timestamp = nowMs / 1000;

/** A request as the SDK sends it to http://127.0.0.1:8787/ (it signs the host without the port). */
function sdkRequest(body: string, options: { timestamp?: number; key?: string; host?: string } = {}): { headers: IncomingHttpHeaders; body: Buffer } {
  const ts = options.timestamp ?? timestamp;
  const authorization = Sign.sign3({
    method: 'POST', url: 'http://127.0.0.1:8787/', payload: Buffer.from(body), timestamp: ts, service: '127',
    secretId, secretKey: options.key ?? secretKey, multipart: false, boundary: '', headers: { 'Content-Type': 'application/json' },
  });
  return {
    headers: { authorization, 'content-type': 'application/json', host: options.host ?? '127.0.0.1:8787', 'x-tc-timestamp': String(ts), 'x-tc-action': 'DescribeFunctions' },
    body: Buffer.from(body),
  };
}

/** Both halves, as the API runs them: the SecretId that signed the request, or an AuthFailure. */
async function verify(req: { headers: IncomingHttpHeaders; body: Buffer }, at = nowMs): Promise<string> {
  const claim = await claimOf(req.headers, keys, at);
  checkSignature(claim, 'POST', '/', req.body);
  return claim.secretId;
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('TC3-HMAC-SHA256 verification', () => {
  it("accepts the SDK's signature, with the host signed with or without its port", async () => {
    assert.equal(await verify(sdkRequest('{"ZoneId":"zone-1"}')), secretId);
    // tccli (the Python SDK) signs the host as sent, port included. The chain is the one the
    // SDK's signature just passed; only the canonical host differs.
    const body = '{}';
    const signature = tc3Signature({ secretKey, date: '2025-12-02', service: '127', timestamp: String(timestamp), method: 'POST', url: '/', canonicalHeaders: 'content-type:application/json\nhost:127.0.0.1:8787\n', signedHeaders: 'content-type;host', body });
    const authorization = `TC3-HMAC-SHA256 Credential=${secretId}/2025-12-02/127/tc3_request, SignedHeaders=content-type;host, Signature=${signature}`;
    assert.equal(await verify({ headers: { ...sdkRequest(body).headers, authorization }, body: Buffer.from(body) }), secretId);
  });

  it('refuses a changed body, a changed signed header, a wrong key and an unknown SecretId', async () => {
    const good = sdkRequest('{"ZoneId":"zone-1"}');
    assert.equal(await code(verify({ ...good, body: Buffer.from('{"ZoneId":"zone-2"}') })), 'AuthFailure.SignatureFailure');
    assert.equal(await code(verify({ ...good, headers: { ...good.headers, host: 'evil.example:8787' } })), 'AuthFailure.SignatureFailure');
    assert.equal(await code(verify({ ...good, headers: { ...good.headers, 'content-type': 'text/plain' } })), 'AuthFailure.SignatureFailure');
    assert.equal(await code(verify(sdkRequest('{}', { key: 'not-the-key' }))), 'AuthFailure.SignatureFailure');
    const stranger = { ...good, headers: { ...good.headers, authorization: String(good.headers.authorization).replace(secretId, 'AKIDnobody') } };
    assert.equal(await code(verify(stranger)), 'AuthFailure.SecretIdNotFound');
  });

  it('refuses a timestamp more than five minutes from the server clock, either way', async () => {
    assert.equal(await code(verify(sdkRequest('{}', { timestamp: timestamp - 299 }))), 'accepted');
    assert.equal(await code(verify(sdkRequest('{}', { timestamp: timestamp - 301 }))), 'AuthFailure.SignatureExpire');
    assert.equal(await code(verify(sdkRequest('{}', { timestamp: timestamp + 301 }))), 'AuthFailure.SignatureExpire');
    // The same request replayed later: accepted inside the window, refused once it has passed.
    const captured = sdkRequest('{}');
    assert.equal(await code(verify(captured, nowMs + 200_000)), 'accepted');
    assert.equal(await code(verify(captured, nowMs + 301_000)), 'AuthFailure.SignatureExpire');
  });

  it('refuses malformed authorization before it looks up a key', async () => {
    const good = sdkRequest('{}');
    const auth = String(good.headers.authorization);
    const cases: IncomingHttpHeaders[] = [
      { ...good.headers, authorization: undefined },
      { ...good.headers, authorization: 'Bearer test-token' },
      { ...good.headers, authorization: auth.replace('SignedHeaders=content-type;host', 'SignedHeaders=host') },
      { ...good.headers, authorization: auth.replace('SignedHeaders=content-type;host', 'SignedHeaders=content-type;host;x-tc-action;x-missing') },
      { ...good.headers, 'x-tc-timestamp': 'soon' },
      { ...good.headers, authorization: auth.replace(/\/\d{4}-\d{2}-\d{2}\//, '/2020-01-01/') },
      // A signed header that only Object.prototype has.
      { ...good.headers, authorization: auth.replace('SignedHeaders=content-type;host', 'SignedHeaders=constructor;content-type;host') },
    ];
    for (const headers of cases) assert.equal(await code(verify({ headers, body: good.body })), 'AuthFailure.InvalidAuthorization', JSON.stringify(headers.authorization));
  });
});
