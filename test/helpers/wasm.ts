/**
 * Small WebAssembly binaries for tests, assembled by hand: a module that defines (and exports) a
 * memory, with `grow(pages) -> old size or -1` and `fill(offset, length)` (writes 1s, so the pages
 * are really touched).
 */
const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

function u32(value: number): number[] {
  const out: number[] = [];
  do {
    const byte = value & 0x7f;
    value >>>= 7;
    out.push(value === 0 ? byte : byte | 0x80);
  } while (value !== 0);
  return out;
}

const section = (id: number, payload: number[]): number[] => [id, ...u32(payload.length), ...payload];

/** Memories: [min, max?] in 64 KiB pages; the first is exported as "mem". */
export function growableModule(memories: [number, number?][] = [[1]]): Uint8Array {
  const types = section(1, [0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x00]);
  const funcs = section(3, [0x02, 0x00, 0x01]);
  const mems = section(5, [...u32(memories.length), ...memories.flatMap(([min, max]) => (max === undefined ? [0x00, ...u32(min)] : [0x01, ...u32(min), ...u32(max)]))]);
  const name = (text: string): number[] => [text.length, ...Buffer.from(text)];
  const exports = section(7, [0x03, ...name('mem'), 0x02, 0x00, ...name('grow'), 0x00, 0x00, ...name('fill'), 0x00, 0x01]);
  const grow = [0x00, 0x20, 0x00, 0x40, 0x00, 0x0b];
  const fill = [0x00, 0x20, 0x00, 0x41, 0x01, 0x20, 0x01, 0xfc, 0x0b, 0x00, 0x0b];
  const code = section(10, [0x02, grow.length, ...grow, fill.length, ...fill]);
  return new Uint8Array([...header, ...types, ...funcs, ...mems, ...exports, ...code]);
}

/** The module as a JavaScript array literal, for pasting into function code. */
export const asLiteral = (bytes: Uint8Array): string => `new Uint8Array([${bytes.join(',')}])`;
