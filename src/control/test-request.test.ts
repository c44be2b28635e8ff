import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayTarget } from './test-request.ts';

describe('gatewayTarget', () => {
  it('connects to the address the gateway listens on, a wildcard meaning this host', () => {
    assert.deepEqual(gatewayTarget('http://127.0.0.1:8080'), { hostname: '127.0.0.1', port: '8080' });
    assert.deepEqual(gatewayTarget('http://0.0.0.0:8080'), { hostname: '127.0.0.1', port: '8080' });
    // IPv6 literals come bracketed in URLs; the socket wants them bare.
    assert.deepEqual(gatewayTarget('http://[::1]:8080'), { hostname: '::1', port: '8080' });
    assert.deepEqual(gatewayTarget('http://[::]:8080'), { hostname: '::1', port: '8080' });
  });
});
