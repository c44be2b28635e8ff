import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GuestBodyReadable } from './bodies.ts';

describe('GuestBodyReadable', () => {
  it('asks the guest for one chunk at a time, however often Node asks', async () => {
    let pulls = 0;
    const readable = new GuestBodyReadable(
      () => void pulls++,
      () => undefined,
    );
    // A reader asks, and asks again before the guest answered: one pull reaches the guest.
    readable.read(0);
    readable.read(0);
    await new Promise((r) => setImmediate(r));
    assert.equal(pulls, 1);
    // A large chunk arrives in pieces; Node asks again after each piece, still one pull at a time.
    readable.receive(new Uint8Array(1024 * 1024), null);
    await new Promise((r) => setImmediate(r));
    assert.ok(pulls <= 2, `${pulls} pulls outstanding`);
  });

  it('stops pulling while nobody reads: the queue stays under one chunk and a high-water mark', async () => {
    let pending = 0;
    const readable: GuestBodyReadable = new GuestBodyReadable(
      () => {
        pending++;
        setImmediate(() => {
          pending--;
          readable.receive(new Uint8Array(256 * 1024), null);
        });
      },
      () => undefined,
    );
    readable.on('data', () => readable.pause());
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    assert.ok(readable.readableLength <= 256 * 1024 + 64 * 1024, `${readable.readableLength} bytes queued`);
    assert.equal(pending, 0);
    readable.destroy();
  });

  it('ignores chunks after the end or an error', async () => {
    const readable = new GuestBodyReadable(() => undefined, () => undefined);
    const chunks: Buffer[] = [];
    readable.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise((r) => readable.on('end', r));
    readable.receive(new Uint8Array([1]), null);
    readable.receive(null, null);
    readable.receive(new Uint8Array([2]), null);
    await ended;
    assert.deepEqual(Buffer.concat(chunks), Buffer.from([1]));
  });
});
