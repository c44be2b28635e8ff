/** `formData()` of a multipart body, parsed on the host (undici), within a bound on its parts. */
import { Response as UndiciResponse } from 'undici';

/** Most parts `formData()` parses; the host counts boundaries before parsing anything. */
export const maxFormParts = 10_000;

export type FormEntry = [string, string | { bytes: Uint8Array; filename: string; type: string }];

/**
 * The boundary parameter of a multipart Content-Type, read the way a MIME parser reads it; a type
 * with more than one (which parsers could read differently) is refused.
 */
function boundaryOf(contentType: string): string | undefined {
  const found: string[] = [];
  for (const param of contentType.split(';').slice(1)) {
    const eq = param.indexOf('=');
    if (eq === -1 || param.slice(0, eq).trim().toLowerCase() !== 'boundary') continue;
    found.push(param.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  if (found.length > 1) throw new TypeError('Form data has more than one boundary parameter');
  return found[0];
}

export async function parseMultipart(args: { bytes: Uint8Array; contentType: string }): Promise<FormEntry[]> {
  const boundary = boundaryOf(args.contentType);
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
