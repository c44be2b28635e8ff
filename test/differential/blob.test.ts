// Differential tests: the guest Blob and File against Node's own, which follow the File API spec,
// in Node's realm and in a real isolate. The shared cases are in cases/blob.ts; the tests below need
// the module's internals (byte access, brand checks, the stream factory), which the isolate cannot reach.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Blob as GuestBlob, File as GuestFile, blobBytes, blobChunks, isBlob, isFile, setBlobStreamFactory } from '../../src/runtime/guest/blob.ts';
import { differentialSuite } from './harness.ts';
import { attempt } from './cases/outcome.ts';
import { suite, type Impl } from './cases/blob.ts';

// Until the runtime installs a stream factory, stream() throws (checked below). Node's realm needs
// one for the shared cases; the isolate has the runtime's.
const streamWithoutFactory = attempt(() => new GuestBlob(['x']).stream());
setBlobStreamFactory((bytes) => new ReadableStream<Uint8Array>({
  start(controller) {
    controller.enqueue(bytes);
    controller.close();
  },
}));

differentialSuite('Blob/File', {
  module: 'blob',
  suite,
  guest: { Blob: GuestBlob, File: GuestFile } as unknown as Impl,
  node: { Blob: globalThis.Blob, File: globalThis.File } as unknown as Impl,
});

describe("Blob in Node's realm only: module internals", () => {
  it('stream() throws TypeError until a factory is installed', () => {
    assert.ok('threw' in streamWithoutFactory && streamWithoutFactory.threw instanceof TypeError);
  });

  it('blobBytes returns a fresh copy; blobChunks shares memory without copying', () => {
    const source = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const base = new GuestBlob([source, 'ab']);
    const slice = new GuestBlob([base.slice(2, 7), base]);
    const chunks = blobChunks(slice);
    assert.deepEqual(chunks.map((c) => [...c]), [[3, 4, 5, 6], [0x61], [1, 2, 3, 4, 5, 6], [0x61, 0x62]]);
    assert.equal(chunks[0]!.buffer, blobChunks(base)[0]!.buffer);
    const bytes = blobBytes(slice);
    assert.deepEqual([...bytes], [3, 4, 5, 6, 0x61, 1, 2, 3, 4, 5, 6, 0x61, 0x62]);
    bytes.fill(0);
    assert.deepEqual([...blobBytes(base)], [1, 2, 3, 4, 5, 6, 0x61, 0x62]);
    const single = new GuestBlob([source]);
    assert.notEqual(blobBytes(single).buffer, blobChunks(single)[0]!.buffer);
  });

  it('isBlob and isFile are brand checks that prototypes cannot fake', () => {
    class MyBlob extends GuestBlob {}
    assert.equal(isBlob(new GuestBlob()), true);
    assert.equal(isBlob(new GuestFile([], 'f')), true);
    assert.equal(isBlob(new MyBlob()), true);
    assert.equal(isBlob(Object.create(GuestBlob.prototype)), false);
    assert.equal(isBlob(new Blob([])), false);
    assert.equal(isBlob(null), false);
    assert.equal(isFile(new GuestFile([], 'f')), true);
    assert.equal(isFile(new GuestBlob()), false);
    assert.equal(isFile(Object.create(GuestFile.prototype)), false);
    assert.throws(() => Object.getOwnPropertyDescriptor(GuestBlob.prototype, 'size')!.get!.call({}), TypeError);
  });
});
