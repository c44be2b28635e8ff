import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LoopGuard, newLoop, readLoop, stampLoop } from './loop.ts';

describe('loop stamps', () => {
  it('reads the last valid edgefn entry of CDN-Loop and ignores other CDNs and junk', () => {
    assert.equal(readLoop(undefined), undefined);
    assert.equal(readLoop('cloudflare; loops=2'), undefined);
    assert.deepEqual(readLoop('cloudflare, edgefn; loops=3; tree=abcdefgh12'), { depth: 3, tree: 'abcdefgh12' });
    assert.deepEqual(readLoop(['edgefn; loops=1; tree=aaaaaaaa', 'x, EDGEFN ; tree=bbbbbbbb ; loops=2']), { depth: 2, tree: 'bbbbbbbb' });
    assert.deepEqual(readLoop('edgefn; loops=1; tree=aaaaaaaa, edgefn; loops=-1; tree=bbbbbbbb'), { depth: 1, tree: 'aaaaaaaa' });
    assert.equal(readLoop('edgefn; loops=99999; tree=aaaaaaaa'), undefined);
    assert.equal(readLoop('edgefn; loops=1; tree=short'), undefined);
  });

  it('stamps a subrequest with one entry for the next hop, whatever the function wrote', () => {
    const state = { depth: 2, tree: 'tree-0001' };
    const out = stampLoop(['accept', '*/*', 'CDN-Loop', 'other-cdn, edgefn; loops=0; tree=forged00', 'cdn-loop', 'edgefn; loops=0; tree=forged11'], state);
    assert.deepEqual(out, ['accept', '*/*', 'cdn-loop', 'other-cdn, edgefn; loops=3; tree=tree-0001']);
    assert.deepEqual(readLoop(out[3]), { depth: 3, tree: 'tree-0001' });
    assert.deepEqual(stampLoop([], state), ['cdn-loop', 'edgefn; loops=3; tree=tree-0001']);
  });

  it('new trees are random', () => {
    assert.notEqual(newLoop().tree, newLoop().tree);
    assert.equal(newLoop().depth, 0);
  });
});

describe('loop guard', () => {
  it('refuses requests at the maximum depth', () => {
    const guard = new LoopGuard({ maxDepth: 3, maxExecutions: 100 });
    assert.equal(guard.admit({ depth: 2, tree: 'aaaaaaaa' }), null);
    assert.match(guard.admit({ depth: 3, tree: 'aaaaaaaa' }) ?? '', /3 function executions deep/);
    guard.close();
  });

  it('counts executions per tree, not for client requests, and trees apart', () => {
    const guard = new LoopGuard({ maxDepth: 10, maxExecutions: 3 });
    for (let i = 0; i < 10; i++) assert.equal(guard.admit({ depth: 0, tree: 'aaaaaaaa' }), null);
    for (let i = 0; i < 3; i++) assert.equal(guard.admit({ depth: 1 + i, tree: 'aaaaaaaa' }), null);
    assert.match(guard.admit({ depth: 1, tree: 'aaaaaaaa' }) ?? '', /more than 3/);
    assert.equal(guard.admit({ depth: 1, tree: 'bbbbbbbb' }), null);
    guard.close();
  });
});
