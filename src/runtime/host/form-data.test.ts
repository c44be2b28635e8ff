import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { maxFormParts, parseMultipart } from './form-data.ts';

const form = (boundary: string, parts: number): Uint8Array =>
  new TextEncoder().encode(`--${boundary}\r\nContent-Disposition: form-data; name="f"\r\n\r\nv\r\n`.repeat(parts) + `--${boundary}--\r\n`);

describe('form data on the host', () => {
  it('parses a form within the part limit', async () => {
    const entries = await parseMultipart({ bytes: form('B', 3), contentType: 'multipart/form-data; boundary=B' });
    assert.deepEqual(entries, [['f', 'v'], ['f', 'v'], ['f', 'v']]);
  });

  it('counts parts with the boundary a parser would use, whatever other parameters say', async () => {
    const bytes = form('B', maxFormParts + 5);
    for (const contentType of ['multipart/form-data; boundary=B', 'multipart/form-data; xboundary=Z; boundary=B', 'multipart/form-data; boundary="B"']) {
      await assert.rejects(parseMultipart({ bytes, contentType }), /more than 10000 parts/, contentType);
    }
    await assert.rejects(parseMultipart({ bytes, contentType: 'multipart/form-data; boundary=Z; boundary=B' }), /more than one boundary/);
  });
});
