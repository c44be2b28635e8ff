import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isFailure, parseRollout, parseShadow } from './replica-traffic.ts';
import { EdgefnError } from './errors.ts';

const at = '2026-12-02T00:00:00.000Z';
const refused = (fn: () => unknown, message: RegExp) => assert.throws(fn, (e: unknown) => e instanceof EdgefnError && e.code === 'InvalidParameter.InvalidParameter' && message.test(e.message));

describe('replica traffic settings', () => {
  it('parses a rollout with its guard, and zero as none', () => {
    assert.deepEqual(parseRollout({ percent: 12.3, abortIf: { errorRate: 0.01, minRequests: 200 } }, at), { percent: 12.3, abortIf: { errorRate: 0.01, minRequests: 200 }, since: at });
    assert.deepEqual(parseRollout({ percent: 5, abortIf: { errorRate: 0 } }, at), { percent: 5, abortIf: { errorRate: 0, minRequests: 100 }, since: at }, 'minRequests defaults to 100');
    assert.equal(parseRollout({ percent: 0, abortIf: { errorRate: 0.5 } }, at), null);
    refused(() => parseRollout({ percent: 5, abortIf: { errorRate: 1 } }, at), /errorRate/);
    refused(() => parseRollout({ percent: 5, abortIf: { errorRate: '0.1' } }, at), /errorRate/);
    refused(() => parseRollout({ percent: 5, abortIf: { errorRate: 0.1, minRequests: 2.5 } }, at), /minRequests/);
    refused(() => parseRollout({ percent: 5, abortIf: [] }, at), /abortIf/);
    refused(() => parseRollout({ percent: 5, since: at }, at), /unknown field 'since'/);
  });

  it('parses a shadow: GET and HEAD by default, methods folded to uppercase once', () => {
    assert.deepEqual(parseShadow({ percent: 1 }, at), { percent: 1, methods: ['GET', 'HEAD'], since: at });
    assert.deepEqual(parseShadow({ percent: 100, methods: ['post', 'POST', 'get'] }, at), { percent: 100, methods: ['POST', 'GET'], since: at });
    assert.equal(parseShadow({ percent: 0 }, at), null);
    refused(() => parseShadow({ percent: 0.01 }, at), /steps of 0\.1/);
    refused(() => parseShadow({ percent: 5, methods: ['TRACE'] }, at), /methods/);
    refused(() => parseShadow({ percent: 5, methods: [] }, at), /methods/);
    refused(() => parseShadow(null, at), /must be an object/);
  });

  it('counts platform errors and 5xx answers as failures, not 4xx or pass-through', () => {
    assert.equal(isFailure('ok', 200), false);
    assert.equal(isFailure('ok', 404), false);
    assert.equal(isFailure('passthrough', 0), false);
    assert.equal(isFailure('ok', 502), true);
    assert.equal(isFailure('FunctionRuntime.CpuTimeExceeded', 503), true);
    assert.equal(isFailure('FunctionRuntime.UncaughtException', 0), true);
  });
});
