/** `formData()` of a multipart body, parsed on the host (undici), within a bound on its parts. */
import { Response as UndiciResponse } from 'undici';

/** Most parts `formData()` parses; the host counts boundaries before parsing anything. */
export const maxFormParts = 10_000;

export type FormEntry = [string, string | { bytes: Uint8Array; filename: string; type: string }];

export async function parseMultipart(args: { bytes: Uint8Array; contentType: string }): Promise<FormEntry[]> {
  const boundary = /boundary="?([^";]+)"?/i.exec(args.contentType)?.[1];
  if (boundary) {
    const marker = Buffer.from(`--${boundary}`);
    const bytes = Buffer.from(args.bytes.buffer, args.bytes.byteOffset, args.bytes.byteLength);
    let parts = 0;
    for (let at = bytes.indexOf(marker); at !== -1; at = bytes.indexOf(marker, at + marker.length)) {
      if (++parts > maxFormParts + 1) throw new TypeError(`Form data has more than ${maxFormParts} parts`);
    }
  }
  const form = await new UndiciResponse(args.bytes, { headers: { 'content-type': args.contentType } }).formData();
  const entries: FormEntry[] = [];
  for (const [name, value] of form) {
    if (typeof value === 'string') entries.push([name, value]);
    else entries.push([name, { bytes: new Uint8Array(await value.arrayBuffer()), filename: value.name, type: value.type }]);
  }
  return entries;
}
