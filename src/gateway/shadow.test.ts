import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { comparedOf, hashStream, hashWhileSending } from './shadow.ts';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('shadow hashing', () => {
  it('hashes a body as it is sent, without changing it', async () => {
    const text = hashWhileSending('abc');
    assert.equal(text.digest(), sha('abc'));
    assert.equal(text.digest(), sha('abc'), 'asked twice');
    assert.equal(hashWhileSending(null).digest(), sha(''));
    const sent = hashWhileSending(Readable.from([Buffer.from('ab'), Buffer.from('c')]));
    assert.equal(sent.digest(), null, 'nothing sent yet');
    const chunks: Buffer[] = [];
    for await (const chunk of sent.body as Readable) chunks.push(chunk as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), 'abc');
    assert.equal(sent.digest(), sha('abc'));
  });

  it('gives no hash for a body cut short', async () => {
    const failing = new Readable({ read() {} });
    const sent = hashWhileSending(failing);
    failing.push('part');
    setImmediate(() => failing.destroy(new Error('cut')));
    await assert.rejects(async () => {
      for await (const _ of sent.body as Readable) void _;
    });
    assert.equal(sent.digest(), null);
    const broken = new Readable({ read() { this.destroy(new Error('cut')); } });
    assert.equal(await hashStream(broken), null);
    assert.equal(await hashStream(Readable.from([Buffer.from('abc')])), sha('abc'));
    assert.equal(await hashStream(Readable.from([Buffer.from('ab'), Buffer.from('c')]), 3), sha('abc'), 'a small body of known length, in one call');
    assert.equal(await hashStream(new Readable({ read() { this.destroy(new Error('cut')); } }), 3), null);
  });

  it('takes the compared headers of a flat list, joined, by lowercase name', () => {
    assert.deepEqual(comparedOf(['Content-Type', 'text/plain', 'X-Other', '1', 'cache-control', 'a', 'Cache-Control', 'b']), { 'content-type': 'text/plain', 'cache-control': 'a, b' });
  });
});
