/**
 * WebAssembly modules as the host lets a function compile them. V8 does not count WebAssembly
 * memory against an isolate's limit, and wasm code grows its memories with `memory.grow` where no
 * JavaScript can see it; so before a module is compiled, the host rewrites its memory section so
 * every memory it defines has a maximum that fits the function's remaining memory. The guest then
 * reserves those maxima (see memory.ts) whenever it instantiates the module.
 */

/** A module ready to compile, and what instances of it may take. */
export interface CappedModule {
  bytes: Uint8Array;
  /** Bytes all memories an instance defines may grow to, together (imported memories excluded). */
  memoryBytes: number;
}

export const wasmPageBytes = 65536;
const magic = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
const memorySection = 5;
const maxMemories = 100;

/** Reads an unsigned LEB128 number of at most 32 bits at `at`; returns [value, next offset]. */
function readU32(bytes: Uint8Array, at: number): [number, number] {
  let result = 0;
  for (let i = 0; i < 5; i++) {
    if (at >= bytes.length) throw new TypeError('WebAssembly module ends inside a number');
    const byte = bytes[at++]!;
    result += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) {
      if (result > 0xffffffff) throw new TypeError('WebAssembly module has a number out of range');
      return [result, at];
    }
  }
  throw new TypeError('WebAssembly module has a number longer than 5 bytes');
}

function u32(value: number): number[] {
  const out: number[] = [];
  do {
    const byte = value % 128;
    value = Math.floor(value / 128);
    out.push(value === 0 ? byte : byte | 0x80);
  } while (value !== 0);
  return out;
}

/**
 * A copy of `source` in which every defined memory has a maximum of at most `roomPages / count`
 * (memories without a maximum get exactly that). Refuses 64-bit memories, custom page sizes and
 * memories whose initial size does not fit. A binary without the wasm header is returned as it is:
 * V8 rejects it, and it defines no memory we could miss.
 */
export function capMemories(source: Uint8Array, roomPages: number): CappedModule {
  const bytes = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  if (bytes.length < magic.length || !bytes.subarray(0, magic.length).equals(magic)) return { bytes: new Uint8Array(bytes), memoryBytes: 0 };
  let at = magic.length;
  while (at < bytes.length) {
    const id = bytes[at]!;
    const [size, payload] = readU32(bytes, at + 1);
    const end = payload + size;
    if (end > bytes.length) throw new TypeError('WebAssembly module section runs past the end');
    if (id !== memorySection) {
      at = end;
      continue;
    }
    const [count, first] = readU32(bytes, payload);
    if (count > maxMemories) throw new RangeError(`WebAssembly module defines more than ${maxMemories} memories`);
    const share = count === 0 ? 0 : Math.floor(roomPages / count);
    const body: number[] = [...u32(count)];
    let p = first;
    let totalPages = 0;
    for (let i = 0; i < count; i++) {
      if (p >= end) throw new TypeError('WebAssembly memory section is truncated');
      const flags = bytes[p++]!;
      if (flags & 0x04) throw new RangeError('64-bit WebAssembly memories are not supported');
      if (flags > 0x03) throw new RangeError('WebAssembly memory flags are not supported');
      let min: number;
      [min, p] = readU32(bytes, p);
      let max = share;
      if (flags & 0x01) {
        let declared: number;
        [declared, p] = readU32(bytes, p);
        max = Math.min(declared, share);
      }
      if (min > max) throw new RangeError(`WebAssembly memory of ${min * wasmPageBytes} bytes does not fit in the function's memory limit`);
      totalPages += max;
      body.push(flags | 0x01, ...u32(min), ...u32(max));
    }
    if (p !== end) throw new TypeError('WebAssembly memory section has trailing bytes');
    const section = Buffer.from([memorySection, ...u32(body.length), ...body]);
    const out = Buffer.concat([bytes.subarray(0, at), section, bytes.subarray(end)]);
    return { bytes: new Uint8Array(out.buffer, out.byteOffset, out.byteLength), memoryBytes: totalPages * wasmPageBytes };
  }
  return { bytes: new Uint8Array(bytes), memoryBytes: 0 };
}

/** Compiled WebAssembly code per byte of module, as reserved against the memory limit (an estimate). */
export const codeFactor = 4;

/**
 * Pages a new WebAssembly memory may grow to: three quarters of what is free (after `reserved`
 * more), so the function's heap keeps room to grow between compiling and instantiating.
 */
export function roomPages(freeBytes: number, reserved = 0): number {
  return Math.floor((Math.max(0, freeBytes - reserved) * 3) / 4 / wasmPageBytes);
}

/**
 * A module's bytes as the guest hands them over, checked and with its memories capped, ready to
 * compile; plus what its compiled code reserves.
 */
export function prepareModule(source: unknown, freeBytes: number, maxModuleBytes: number): CappedModule & { codeBytes: number } {
  const bytes = ArrayBuffer.isView(source)
    ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
    : source instanceof ArrayBuffer
      ? new Uint8Array(source)
      : null;
  if (!bytes) throw new TypeError('WebAssembly.Module(): Argument 0 must be a buffer source');
  if (bytes.byteLength > maxModuleBytes) throw new RangeError(`WebAssembly module of ${bytes.byteLength} bytes is larger than ${maxModuleBytes} bytes`);
  const codeBytes = bytes.byteLength * codeFactor;
  return { ...capMemories(bytes, roomPages(freeBytes, codeBytes)), codeBytes };
}

