// Differential tests: the guest Headers against Node's (undici) Headers, in Node's realm and in a
// real isolate. The shared cases are in cases/headers.ts; the tests below need module internals
// (guards, flat lists) or Node's own objects, which the isolate cannot reach.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Headers as GuestHeaders,
  headersFromFlatList,
  headersToFlatList,
  setHeadersGuard,
} from '../../src/runtime/guest/headers.ts';
import { differentialSuite } from './harness.ts';
import { suite, type Impl } from './cases/headers.ts';

const NodeHeaders = globalThis.Headers;

differentialSuite('Headers', {
  module: 'headers',
  suite,
  guest: { Headers: GuestHeaders as unknown as Impl['Headers'] },
  node: { Headers: NodeHeaders },
});

describe('Headers in Node\'s realm only: module internals and the other realm\'s Headers', () => {
  it('constructs from the other implementation\'s Headers like Node', () => {
    const pairs: [string, string][] = [['x', '1'], ['X', '2'], ['set-cookie', 'a'], ['set-cookie', 'b']];
    const snapshot = (h: GuestHeaders | Headers): unknown => ({ entries: [...h], keys: [...h.keys()], values: [...h.values()], setCookie: h.getSetCookie() });
    for (const init of [new NodeHeaders(pairs), new GuestHeaders(pairs)]) {
      assert.deepEqual(snapshot(new GuestHeaders(init as never)), snapshot(new NodeHeaders(init as never)));
    }
  });

  it('immutable guard makes mutators throw and leaves readers working', () => {
    const h = new GuestHeaders([['a', '1']]);
    setHeadersGuard(h, 'immutable');
    const mutators: [string, () => void][] = [['append', () => h.append('b', '2')], ['set', () => h.set('a', '2')], ['delete', () => h.delete('a')], ['delete', () => h.delete('absent')]];
    for (const [method, mutate] of mutators) {
      assert.throws(mutate, (err: unknown) => err instanceof TypeError && err.message === `Headers.${method}: these headers are immutable`);
    }
    assert.equal(h.get('a'), '1');
    assert.deepEqual([...h], [['a', '1']]);
    // Invalid names are still reported first, as TypeErrors about the name.
    assert.throws(() => h.append('bad name', 'x'), (err: unknown) => err instanceof TypeError && /invalid header name/.test(err.message));
    setHeadersGuard(h, 'none');
    h.append('b', '2');
    assert.equal(h.get('b'), '2');
  });

  it('copying an immutable Headers gives a mutable one', () => {
    const h = new GuestHeaders([['a', '1']]);
    setHeadersGuard(h, 'immutable');
    const copy = new GuestHeaders(h);
    copy.append('a', '2');
    assert.equal(copy.get('a'), '1, 2');
    assert.equal(h.get('a'), '1');
  });

  it('headersFromFlatList lowercases names, skips validation and copies the list', () => {
    const list = ['Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'X-Multi', '1', 'x-multi', '2'];
    const h = headersFromFlatList(list);
    list[1] = 'mutated';
    assert.equal(h.get('content-type'), 'text/plain');
    assert.deepEqual(h.getSetCookie(), ['a=1', 'b=2']);
    assert.equal(h.get('X-MULTI'), '1, 2');
    const pairs = [['Content-Type', 'text/plain'], ['Set-Cookie', 'a=1'], ['set-cookie', 'b=2'], ['X-Multi', '1'], ['x-multi', '2']];
    assert.deepEqual([...h], [...new NodeHeaders(pairs as Array<[string, string]>)]);
    // Trusted input is not re-validated or normalised.
    assert.equal([...headersFromFlatList(['X', ' raw '])][0]?.[1], ' raw ');
  });

  it('headersToFlatList keeps insertion order, lowercases names and separates cookies', () => {
    const h = new GuestHeaders();
    h.append('Zed', '1');
    h.append('Set-Cookie', 'a=1');
    h.append('alpha', '2');
    h.append('SET-COOKIE', 'b=2');
    h.append('zed', '3');
    assert.deepEqual(headersToFlatList(h), ['zed', '1', 'set-cookie', 'a=1', 'alpha', '2', 'set-cookie', 'b=2', 'zed', '3']);
    h.set('ZED', '9');
    assert.deepEqual(headersToFlatList(h), ['zed', '9', 'set-cookie', 'a=1', 'alpha', '2', 'set-cookie', 'b=2']);
    const out = headersToFlatList(h);
    out.length = 0;
    assert.equal(headersToFlatList(h).length, 8);
    assert.deepEqual(headersToFlatList(headersFromFlatList(['A', '1', 'b', '2'])), ['a', '1', 'b', '2']);
  });
});
