import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connectionScoped, statedLength, withoutHeaders } from './header-list.ts';

describe('header lists', () => {
  it('knows the connection-level headers, including those Connection names', () => {
    const headers = ['Connection', 'keep-alive, X-Hop', 'X-Hop', '1', 'Transfer-Encoding', 'chunked', 'Content-Type', 'text/plain'];
    assert.deepEqual(withoutHeaders(headers, connectionScoped(headers)), ['Content-Type', 'text/plain']);
  });

  it('reads a stated length only when there is exactly one valid value', () => {
    assert.equal(statedLength(['content-length', '12']), 12);
    assert.equal(statedLength(['Content-Length', '12, 12']), 12);
    for (const list of [[], ['content-length', '12', 'content-length', '13'], ['content-length', '-1'], ['content-length', '1e3'], ['content-length', '9'.repeat(16)]]) {
      assert.equal(statedLength(list), undefined, JSON.stringify(list));
    }
  });
});
