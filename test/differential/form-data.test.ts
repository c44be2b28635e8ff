// Differential tests: the guest FormData against Node's (undici's), in Node's realm and in a real
// isolate, including the multipart body a Response makes of it. The shared cases are in
// cases/form-data.ts; the tests below need the module's internals (the encoder with a chosen
// boundary, makeBoundary, appendParsedEntry) or Node's own objects, which the isolate cannot reach.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Blob as GuestBlob, File as GuestFile } from '../../src/runtime/guest/blob.ts';
import { FormData as GuestFormData, appendParsedEntry, encodeMultipart, makeBoundary } from '../../src/runtime/guest/form-data.ts';
import { differentialSuite } from './harness.ts';
import { snapshot, suite, type AnyFormData, type Impl } from './cases/form-data.ts';

/**
 * What the guest's Response does with a FormData body (body.ts: a random boundary and the
 * module's encoder); Node's realm has no guest Response. The isolate uses its real one.
 */
class MultipartResponse {
  readonly headers: Headers;
  readonly #body: Uint8Array;

  constructor(fd: GuestFormData) {
    const boundary = makeBoundary(Math.random);
    this.#body = encodeMultipart(fd, boundary);
    this.headers = new Headers({ 'content-type': `multipart/form-data; boundary=${boundary}` });
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return this.#body.slice().buffer;
  }
}

const guest = { FormData: GuestFormData, Blob: GuestBlob, File: GuestFile, Response: MultipartResponse } as unknown as Impl;
const node = { FormData, Blob, File, Response } as unknown as Impl;
type Realm = Pick<Impl, 'FormData' | 'Blob' | 'File'>;

differentialSuite('FormData', { module: 'form-data', suite, guest, node });

/** Node's body and boundary for a FormData, as undici sends it. */
async function undiciBody(fd: FormData): Promise<{ body: Uint8Array; boundary: string }> {
  const response = new Response(fd);
  const contentType = response.headers.get('content-type') ?? '';
  const match = /^multipart\/form-data; boundary=(.+)$/.exec(contentType);
  assert.ok(match, `unexpected content-type ${contentType}`);
  return { body: new Uint8Array(await response.arrayBuffer()), boundary: match[1]! };
}

describe("FormData in Node's realm only: the encoder with a chosen boundary, undici's parser, Node's Blobs", () => {
  it("the guest's FormData takes Node's Blobs as strings, by brand (undici duck-types them)", () => {
    assert.throws(() => new GuestFormData().append('a', new Blob(['x']) as unknown as GuestBlob, 'f'), TypeError);
    const fd = new GuestFormData();
    fd.append('a', new Blob(['x']) as unknown as GuestBlob);
    assert.equal(fd.get('a'), '[object Blob]');
  });

  it('encodeMultipart output parses back (by undici) into the same entries', async () => {
    const build = (r: Realm): AnyFormData => {
      const fd = new r.FormData();
      fd.append('text', 'hello wörld');
      fd.append('file', new r.File([new Uint8Array([0, 13, 10, 45, 45, 255])], 'bin.dat', { type: 'application/x-thing' }));
      fd.append('blob', new r.Blob(['{"a":1}'], { type: 'application/json' }));
      fd.append('text', 'second € 😀');
      fd.append('untyped', new r.File(['u'], 'u.txt'));
      return fd;
    };
    const fd = build(guest) as unknown as GuestFormData;
    const boundary = makeBoundary(Math.random);
    const response = new Response(encodeMultipart(fd, boundary), {
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    const parsed = await snapshot((await response.formData()) as unknown as AnyFormData, false);
    const original = await snapshot(build(node), false);
    const untyped = (original[4] as [string, { type: string }])[1];
    assert.ok(typeof untyped !== 'string');
    untyped.type = 'application/octet-stream';
    assert.deepEqual(parsed, original);
  });

  it('encodeMultipart line-break normalisation survives a parse by undici', async () => {
    const fd = new GuestFormData();
    fd.append('v', 'a\nb\rc\r\nd');
    const boundary = makeBoundary(() => 0.5);
    const parsed = await new Response(encodeMultipart(fd, boundary), {
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    }).formData();
    assert.deepEqual([...parsed], [['v', 'a\r\nb\r\nc\r\nd']]);
  });

  it('makeBoundary: prefix and 22 digits taken from the random source', () => {
    assert.equal(makeBoundary(() => 0), `----formdata-edgefn-${'0'.repeat(22)}`);
    assert.equal(makeBoundary(() => 0.999999999999), `----formdata-edgefn-${'9'.repeat(22)}`);
    assert.equal(makeBoundary(() => 1), `----formdata-edgefn-${'9'.repeat(22)}`);
    const values = [0.123456789012, 0.5];
    assert.equal(makeBoundary(() => values.shift()!), '----formdata-edgefn-1234567890150000000000');
    for (let i = 0; i < 100; i++) assert.match(makeBoundary(Math.random), /^----formdata-edgefn-\d{22}$/);
    assert.notEqual(makeBoundary(Math.random), makeBoundary(Math.random));
  });

  it('appendParsedEntry appends strings and Files as given, and they encode like undici', async () => {
    const fd = new GuestFormData();
    appendParsedEntry(fd, 'text', 'value\r\n');
    appendParsedEntry(fd, 'file', { bytes: new Uint8Array([1, 2, 3]), filename: 'f.bin', type: 'Application/Octet-Stream' });
    appendParsedEntry(fd, 'nameless', { bytes: new Uint8Array([]), filename: '', type: '' });
    const entries = [...fd];
    assert.equal(entries.length, 3);
    assert.deepEqual(entries[0], ['text', 'value\r\n']);
    const file = entries[1]![1];
    assert.ok(file instanceof GuestFile);
    assert.equal(file.name, 'f.bin');
    assert.equal(file.type, 'application/octet-stream');
    assert.deepEqual([...(await file.bytes())], [1, 2, 3]);
    const nameless = entries[2]![1];
    assert.ok(nameless instanceof GuestFile);
    assert.equal(nameless.name, '');

    const expected = new FormData();
    expected.append('text', 'value\r\n');
    expected.append('file', new File([new Uint8Array([1, 2, 3])], 'f.bin', { type: 'application/octet-stream' }));
    expected.append('nameless', new File([], ''));
    const { body, boundary } = await undiciBody(expected);
    assert.deepEqual(encodeMultipart(fd, boundary), body);
  });
});
