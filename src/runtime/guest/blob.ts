// Blob and File (https://w3c.github.io/FileAPI/) for the isolate, which has no Web APIs of its own.
// A blob is an immutable list of Uint8Array chunks: parts that are blobs and slices share their
// chunks instead of copying them; strings and buffers are copied once, as the spec requires.
import { defineInterface, requiredArguments } from './webidl.ts';
import { utf8Decode, utf8Encode } from './utf8.ts';
import { typeError } from './errors.ts';

/** A part accepted by the Blob constructor; anything else is converted to a string. */
export type BlobPart = string | ArrayBuffer | ArrayBufferView | Blob;

/** Options of the Blob constructor. */
export interface BlobPropertyBag {
  type?: string;
  endings?: 'transparent' | 'native';
}

/** Options of the File constructor. */
export interface FilePropertyBag extends BlobPropertyBag {
  lastModified?: number;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const EMPTY: readonly Uint8Array[] = Object.freeze([]);

let streamFactory: ((bytes: Uint8Array) => unknown) | undefined;
let chunksOf!: (blob: Blob) => readonly Uint8Array[];
let initBlob!: (blob: Blob, chunks: readonly Uint8Array[], size: number, type: string) => void;
let blobBrand!: (value: unknown) => value is Blob;
let fileBrand!: (value: unknown) => value is File;

/** Immutable bytes with a MIME type. */
export class Blob {
  #chunks: readonly Uint8Array[] = EMPTY;
  #size = 0;
  #type = '';

  static {
    chunksOf = (blob) => blob.#chunks;
    initBlob = (blob, chunks, size, type) => {
      blob.#chunks = chunks;
      blob.#size = size;
      blob.#type = type;
    };
    blobBrand = (value): value is Blob => typeof value === 'object' && value !== null && #chunks in value;
    defineInterface(Blob, 'Blob', 0);
  }

  constructor(blobParts?: Iterable<BlobPart>, options?: BlobPropertyBag) {
    const { type, endings } = readBlobOptions(options);
    if (blobParts === undefined) {
      this.#type = type;
      return;
    }
    if (!isIterableObject(blobParts)) throw typeError('Blob constructor', 'blobParts is not a sequence');
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (const part of blobParts as Iterable<unknown>) {
      if (blobBrand(part)) {
        for (const chunk of part.#chunks) chunks.push(chunk);
        size += part.#size;
        continue;
      }
      const bytes = partBytes(part, endings);
      if (bytes.length > 0) {
        chunks.push(bytes);
        size += bytes.length;
      }
    }
    this.#chunks = chunks;
    this.#size = size;
    this.#type = type;
  }

  /** Size in bytes. */
  get size(): number {
    return this.#size;
  }

  /** Lower-cased MIME type, or '' when none was given or it was not printable ASCII. */
  get type(): string {
    return this.#type;
  }

  /** A new Blob with bytes [start, end); negative indices count from the end. */
  slice(start?: number, end?: number, contentType?: string): Blob {
    const size = this.#size;
    const from = relativeIndex(start === undefined ? 0 : clampLongLong(start), size);
    const to = relativeIndex(end === undefined ? size : clampLongLong(end), size);
    const type = contentType === undefined ? '' : normalizeType(`${contentType}`);
    const blob = new Blob();
    if (to > from) initBlob(blob, sliceChunks(this.#chunks, from, to), to - from, type);
    else initBlob(blob, EMPTY, 0, type);
    return blob;
  }

  /** The bytes decoded as UTF-8 (a leading BOM dropped, invalid sequences replaced by U+FFFD). */
  async text(): Promise<string> {
    return utf8Decode(concat(this.#chunks, this.#size, false));
  }

  /** A copy of the bytes. */
  async arrayBuffer(): Promise<ArrayBuffer> {
    return concat(this.#chunks, this.#size, true).buffer;
  }

  /** A copy of the bytes. */
  async bytes(): Promise<Uint8Array> {
    return concat(this.#chunks, this.#size, true);
  }

  /** A ReadableStream of the bytes, made by the factory given to setBlobStreamFactory. */
  stream(): unknown {
    if (streamFactory === undefined) throw typeError('Blob.stream', 'no ReadableStream in this runtime');
    return streamFactory(concat(this.#chunks, this.#size, true));
  }
}

/** A Blob with a name and a modification time. */
export class File extends Blob {
  #name: string;
  #lastModified: number;

  static {
    fileBrand = (value): value is File => typeof value === 'object' && value !== null && #name in value;
    defineInterface(File, 'File', 2);
  }

  constructor(fileBits: Iterable<BlobPart>, fileName: string, options?: FilePropertyBag) {
    requiredArguments(arguments.length, 2, 'File constructor');
    if (!isIterableObject(fileBits)) throw typeError('File constructor', 'fileBits is not a sequence');
    super(fileBits, options);
    this.#name = `${fileName}`;
    const lastModified = options === undefined || options === null ? undefined : options.lastModified;
    this.#lastModified = lastModified === undefined ? Date.now() : toLongLong(lastModified);
  }

  /** The file name given to the constructor. */
  get name(): string {
    return this.#name;
  }

  /** Milliseconds since the epoch; defaults to the time of construction. */
  get lastModified(): number {
    return this.#lastModified;
  }

  /** Always '': there are no directory uploads here. */
  get webkitRelativePath(): string {
    return '';
  }
}

/** Installs the function Blob.prototype.stream uses to wrap bytes in a ReadableStream. */
export function setBlobStreamFactory(fn: (bytes: Uint8Array) => unknown): void {
  streamFactory = fn;
}

/** All bytes of a blob, as a fresh array the caller owns (it may transfer or mutate it). */
export function blobBytes(blob: Blob): Uint8Array<ArrayBuffer> {
  return concat(chunksOf(blob), blob.size, true);
}

/** The chunks of a blob without copying; read-only views that the caller must not mutate. */
export function blobChunks(blob: Blob): readonly Uint8Array[] {
  return chunksOf(blob);
}

/** True for a Blob (or File) made by this module; unlike instanceof, prototypes cannot fake it. */
export function isBlob(value: unknown): value is Blob {
  return blobBrand(value);
}

/** True for a File made by this module. */
export function isFile(value: unknown): value is File {
  return fileBrand(value);
}

function isIterableObject(value: unknown): value is Iterable<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null
    && typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

function readBlobOptions(options: BlobPropertyBag | undefined): { type: string; endings: 'transparent' | 'native' } {
  if (options === undefined || options === null) return { type: '', endings: 'transparent' };
  if (typeof options !== 'object' && typeof options !== 'function') {
    throw typeError('Blob constructor', 'options is not an object');
  }
  // Dictionary members are read in lexicographic order, as WebIDL does.
  const rawEndings: unknown = options.endings;
  const endings = rawEndings === undefined ? 'transparent' : `${rawEndings as string}`;
  if (endings !== 'transparent' && endings !== 'native') {
    throw typeError('Blob constructor', `'${endings}' is not a valid value of EndingType`);
  }
  const rawType: unknown = options.type;
  return { type: rawType === undefined ? '' : normalizeType(`${rawType as string}`), endings };
}

/** The spec's type rule: '' if any char is outside U+0020..U+007E, else lower-cased. */
function normalizeType(type: string): string {
  for (let i = 0; i < type.length; i++) {
    const c = type.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return '';
  }
  return type.toLowerCase();
}

const arrayBufferByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength')?.get;

// instanceof misses buffers from another realm (the host); the byteLength getter is a real brand check.
function isArrayBuffer(value: unknown): value is ArrayBuffer {
  if (value instanceof ArrayBuffer) return true;
  if (typeof value !== 'object' || value === null || arrayBufferByteLength === undefined) return false;
  try {
    arrayBufferByteLength.call(value);
    return true;
  } catch {
    return false;
  }
}

function partBytes(part: unknown, endings: 'transparent' | 'native'): Uint8Array {
  if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer, part.byteOffset, part.byteLength).slice();
  if (isArrayBuffer(part)) return new Uint8Array(part.slice(0));
  // A template literal is WebIDL's ToString: it throws on symbols, where String() would not.
  const text = `${part as string}`;
  // Native line endings are LF: the isolate always runs on a POSIX host.
  return utf8Encode(endings === 'native' ? text.replace(/\r\n?/g, '\n') : text);
}

/** WebIDL [Clamp] long long: NaN to 0, clamped to the safe range, rounded half to even. */
function clampLongLong(value: unknown): number {
  const x = Number(value);
  if (Number.isNaN(x)) return 0;
  const clamped = Math.min(Math.max(x, -MAX_SAFE), MAX_SAFE);
  let rounded = Math.round(clamped);
  if (rounded - clamped === 0.5 && rounded % 2 !== 0) rounded -= 1;
  return rounded === 0 ? 0 : rounded;
}

/** WebIDL long long (no [Clamp]): truncated and wrapped modulo 2^64. */
function toLongLong(value: unknown): number {
  const x = Number(value);
  if (!Number.isFinite(x)) return 0;
  const truncated = Math.trunc(x);
  if (truncated >= -MAX_SAFE && truncated <= MAX_SAFE) return truncated === 0 ? 0 : truncated;
  return Number(BigInt.asIntN(64, BigInt(truncated)));
}

function relativeIndex(index: number, size: number): number {
  return index < 0 ? Math.max(size + index, 0) : Math.min(index, size);
}

function sliceChunks(chunks: readonly Uint8Array[], from: number, to: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let offset = 0;
  for (const chunk of chunks) {
    const end = offset + chunk.length;
    if (end > from && offset < to) {
      const a = Math.max(from - offset, 0);
      const b = Math.min(to - offset, chunk.length);
      out.push(a === 0 && b === chunk.length ? chunk : chunk.subarray(a, b));
    }
    offset = end;
    if (offset >= to) break;
  }
  return out;
}

function concat(chunks: readonly Uint8Array[], size: number, copy: true): Uint8Array<ArrayBuffer>;
function concat(chunks: readonly Uint8Array[], size: number, copy: boolean): Uint8Array;
function concat(chunks: readonly Uint8Array[], size: number, copy: boolean): Uint8Array {
  const first = chunks[0];
  if (chunks.length === 1 && first !== undefined) return copy ? first.slice() : first;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
