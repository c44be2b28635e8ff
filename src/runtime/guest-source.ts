/** The built guest bundle (dist/guest.js), read once per process. */
import { readFileSync } from 'node:fs';

let source: string | undefined;

const candidates = [
  new URL('../../dist/guest.js', import.meta.url), // running from src/ (tests, tsx)
  new URL('./guest.js', import.meta.url), // running from the built dist/
];

export function guestSource(): string {
  if (source !== undefined) return source;
  for (const url of candidates) {
    try {
      source = readFileSync(url, 'utf8');
      return source;
    } catch {
      // try the next place
    }
  }
  throw new Error('dist/guest.js is missing: run `npm run build` first');
}
