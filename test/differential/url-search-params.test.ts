// Differential tests: the guest URLSearchParams against Node's, in Node's realm and in a real
// isolate. The shared cases are in cases/url-search-params.ts; the tests below need the module's
// URL link (bindSearchParams, resetSearchParams) or Node's own objects, which the isolate cannot reach.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  URLSearchParams as GuestParams,
  bindSearchParams,
  resetSearchParams,
} from '../../src/runtime/guest/url-search-params.ts';
import { differentialSuite } from './harness.ts';
import { suite, type Impl } from './cases/url-search-params.ts';

const NodeParams = globalThis.URLSearchParams;
type AnyParams = GuestParams | InstanceType<typeof NodeParams>;

differentialSuite('URLSearchParams', {
  module: 'url-search-params',
  suite,
  guest: { URLSearchParams: GuestParams as unknown as Impl['URLSearchParams'] },
  node: { URLSearchParams: NodeParams },
});

describe("URLSearchParams in Node's realm only: the URL link (module internals) and the other realm's objects", () => {
  it('constructs from the other implementation\'s URLSearchParams like Node', () => {
    const snapshot = (p: AnyParams): unknown => ({ entries: [...p], string: p.toString(), size: p.size });
    for (const init of [new NodeParams('x=1&y=2&x=3'), new GuestParams('x=1&y=2&x=3')]) {
      assert.deepEqual(snapshot(new GuestParams(init as never)), snapshot(new NodeParams(init as never)));
    }
  });

  it('calls onUpdate with the serialization after each mutation, like Node updates url.search', () => {
    const nodeUrl = new URL('https://example.test/p?b=2&a=1&b=3');
    const ours = new GuestParams(nodeUrl.search);
    const updates: string[] = [];
    bindSearchParams(ours, (s) => updates.push(s));
    const steps: Array<(p: AnyParams) => void> = [
      (p) => p.append('c d', 'e+f'),
      (p) => p.set('b', '\u20ac'),
      (p) => p.delete('a'),
      (p) => p.sort(),
      (p) => p.delete('b', '\u20ac'),
      (p) => p.delete('zzz'),
      (p) => p.delete('c d'),
    ];
    for (const step of steps) {
      step(ours);
      step(nodeUrl.searchParams);
      assert.equal(updates.at(-1), nodeUrl.search.replace(/^\?/, ''));
    }
    assert.equal(updates.length, steps.length);
    assert.equal(updates.at(-1), '');
  });

  it('resetSearchParams replaces the list without calling onUpdate and strips one leading "?"', () => {
    const p = new GuestParams('a=1');
    let calls = 0;
    bindSearchParams(p, () => calls++);
    resetSearchParams(p, '?x=%41&y=+');
    assert.equal(calls, 0);
    assert.deepEqual([...p], [...new NodeParams('?x=%41&y=+')]);
    resetSearchParams(p, '??q=1');
    assert.deepEqual([...p], [['?q', '1']]);
    resetSearchParams(p, '');
    assert.equal(p.size, 0);
    assert.equal(calls, 0);
    p.append('k', 'v');
    assert.equal(calls, 1);
  });

  it('reading methods never call onUpdate', () => {
    const p = new GuestParams('a=1&b=2');
    let calls = 0;
    bindSearchParams(p, () => calls++);
    p.get('a');
    p.getAll('a');
    p.has('a');
    p.toString();
    void [...p];
    p.forEach(() => {});
    void p.size;
    assert.equal(calls, 0);
  });
});
