/**
 * Header lists in the flat form the runtime and the gateway pass around (`[name, value, ...]`),
 * and the HTTP rules about them that several layers apply: which headers describe one connection
 * rather than the message (RFC 9110 section 7.6.1), and what length a list states.
 */

/** Connection-level headers: they belong to one hop and are never passed on. */
export const hopByHopHeaders: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

/** Whether a lower-case name is connection-level: always so, or named by the list's Connection header. */
export function connectionScoped(headers: string[]): (lowerName: string) => boolean {
  const listed = new Set<string>();
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() === 'connection') for (const token of headers[i + 1]!.split(',')) listed.add(token.trim().toLowerCase());
  }
  return (name) => hopByHopHeaders.has(name) || listed.has(name);
}

/** The list without the headers `drop` names (it is given lower-case names). */
export function withoutHeaders(headers: string[], drop: (lowerName: string) => boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (!drop(headers[i]!.toLowerCase())) out.push(headers[i]!, headers[i + 1]!);
  }
  return out;
}

/** The length a list states: one valid Content-Length value (repeated identically at most), or undefined. */
export function statedLength(headers: string[]): number | undefined {
  const lengths = new Set<string>();
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() === 'content-length') for (const v of headers[i + 1]!.split(',')) lengths.add(v.trim());
  }
  const [only] = lengths;
  return lengths.size === 1 && /^\d{1,15}$/.test(only!) ? Number(only) : undefined;
}
