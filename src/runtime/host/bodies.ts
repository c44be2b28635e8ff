/**
 * Bodies that cross between host and guest as streams. Host streams (fetch responses, cache hits)
 * are handed to the guest as numbered handles and read chunk by chunk; guest streams (a function's
 * streamed response or request body) become Node Readables that pull from the isolate on demand.
 * Compressed origin bodies are decoded only when the guest reads them; an untouched body passes
 * through to the client with its original encoding.
 */
import { Readable, type Transform } from 'node:stream';
import type { MemoryBudget } from '../memory.ts';
import { createBrotliCompress, createBrotliDecompress, createDeflate, createGzip, createGunzip, createInflate } from 'node:zlib';

export type Encoding = 'identity' | 'gzip' | 'deflate' | 'br';

/** The content coding named by a Content-Encoding header (flat list), if we can handle it. */
export function encodingOf(headers: string[]): Encoding {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() === 'content-encoding') {
      const v = headers[i + 1]!.trim().toLowerCase();
      if (v === 'gzip' || v === 'x-gzip') return 'gzip';
      if (v === 'deflate' || v === 'br') return v;
      return 'identity';
    }
  }
  return 'identity';
}

// Decoded chunks of 64 KB (zlib's default is 16 KB): each chunk is one entry into the isolate.
const decodeChunk = { chunkSize: 64 * 1024 };

function decoder(encoding: Encoding): Transform | null {
  if (encoding === 'gzip') return createGunzip(decodeChunk);
  if (encoding === 'deflate') return createInflate(decodeChunk);
  if (encoding === 'br') return createBrotliDecompress(decodeChunk);
  return null;
}

function encoder(encoding: Encoding): Transform | null {
  if (encoding === 'gzip') return createGzip();
  if (encoding === 'deflate') return createDeflate();
  if (encoding === 'br') return createBrotliCompress();
  return null;
}

/** Re-codes a stream from one content coding to another (a no-op when they match). */
export function recode(stream: Readable, from: Encoding, to: Encoding): Readable {
  if (from === to) return stream;
  let out: Readable = stream;
  const d = decoder(from);
  if (d) out = pipeWithErrors(out, d);
  const e = encoder(to);
  if (e) out = pipeWithErrors(out, e);
  return out;
}

function pipeWithErrors(source: Readable, dest: Transform): Transform {
  source.on('error', (err) => dest.destroy(err));
  dest.on('close', () => source.destroy());
  return source.pipe(dest);
}

/** A host stream lent to the guest. */
export class HostBody {
  #raw: Readable;
  #encoding: Encoding;
  #length: number | undefined;
  #decoded: AsyncIterator<Buffer> | undefined;

  /** `length`: how many raw bytes the stream will give, when the host knows it for certain. */
  constructor(raw: Readable, encoding: Encoding, length?: number) {
    this.#raw = raw;
    this.#encoding = encoding;
    this.#length = length;
    // Errors reach the guest through read(); an unread body must not crash the process.
    raw.on('error', () => undefined);
  }

  /** The next decoded chunk, or null at the end. */
  async read(): Promise<Uint8Array | null> {
    this.#decoded ??= (recode(this.#raw, this.#encoding, 'identity') as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    const { done, value } = await this.#decoded.next();
    return done ? null : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }

  /**
   * All remaining decoded bytes, held in `budget` as they arrive (so a decompression bomb stops at
   * the function's memory limit, not at the end of the bomb). On success the caller owns the
   * returned bytes' share of the budget and releases it; on failure it is released here.
   */
  async readAll(budget: MemoryBudget): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      for (let c = await this.read(); c !== null; c = await this.read()) {
        budget.hold(c.byteLength);
        total += c.byteLength;
        chunks.push(c);
      }
    } catch (error) {
      budget.release(total);
      this.destroy();
      throw error;
    }
    return Buffer.concat(chunks, total);
  }

  /** The body for sending on, coded as `to`; only valid if the guest has not read from it. */
  take(to: Encoding): Readable {
    if (this.#decoded) throw new TypeError('Body has already been read');
    return recode(this.#raw, this.#encoding, to);
  }

  /** The length of what {@link take} gives for `to`, when the host knows it (the raw bytes, untouched). */
  lengthAs(to: Encoding): number | undefined {
    return to === this.#encoding && !this.#decoded ? this.#length : undefined;
  }

  /** The content coding of the raw bytes. */
  get encoding(): Encoding {
    return this.#encoding;
  }

  destroy(): void {
    this.#raw.destroy();
  }
}

/**
 * Frees the memory behind bytes the host got from an isolate and no longer needs, now rather than
 * at Node's next garbage collection: isolates running in parallel can hand the host chunks faster
 * than the collector notices them (one function's refused 10 MB chunks reached 1.5 GB between two
 * collections). Only for bytes that own their whole buffer, which nothing else refers to.
 */
export function freeNow(bytes: Uint8Array): void {
  const buffer = bytes.buffer;
  if (buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength && !buffer.detached) buffer.transfer(0);
}

/** Size of the pieces response bodies are written to the client in. */
export const outputPiece = 64 * 1024;

/**
 * A response body the function gave whole (text or bytes) that is too large to write in one go: it
 * is written in pieces, and counts against the function's memory until the client has it all (or
 * goes away). `release` is called once, then.
 */
export function heldBody(bytes: Uint8Array, release: () => void): Readable {
  const pieces: Buffer[] = [];
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at < buffer.byteLength; at += outputPiece) pieces.push(buffer.subarray(at, at + outputPiece));
  const readable = Readable.from(pieces, { objectMode: false });
  let released = false;
  readable.once('close', () => {
    if (released) return;
    released = true;
    release();
  });
  return readable;
}

/** A Readable over a guest stream: each read() asks the isolate for one chunk. */
export class GuestBodyReadable extends Readable {
  readonly #pull: () => void;
  readonly #cancel: () => void;
  #ended = false;
  /** A pull is on its way to the guest: Node may ask again (it does after each pushed piece), but
   * the guest answers each pull with exactly one chunk, so at most one is outstanding. */
  #pulling = false;

  constructor(pull: () => void, cancel: () => void) {
    super({ highWaterMark: 64 * 1024 });
    this.#pull = pull;
    this.#cancel = cancel;
  }

  override _read(): void {
    if (this.#pulling || this.#ended) return;
    this.#pulling = true;
    // Node may call _read from inside push(), i.e. while the guest is on the stack (the chunk
    // arrives through a bridge call); entering the isolate again there is not allowed.
    queueMicrotask(this.#pull);
  }

  /** Called with each chunk the guest sends. */
  receive(chunk: Uint8Array | null, error: string | null): void {
    this.#pulling = false;
    if (this.#ended) return;
    if (error !== null) {
      this.#ended = true;
      this.destroy(new Error(error));
    } else if (chunk === null) {
      this.#ended = true;
      this.push(null);
    } else {
      const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (bytes.byteLength <= outputPiece) {
        this.push(bytes);
        return;
      }
      // A large chunk goes in copied pieces: what the client has not taken yet stays in this
      // stream's buffer, where the function's memory budget sees it (readableLength), and what it
      // has taken is freed (a view would keep the whole chunk alive).
      for (let at = 0; at < bytes.byteLength; at += outputPiece) this.push(Buffer.from(bytes.subarray(at, at + outputPiece)));
      freeNow(chunk);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#ended) {
      this.#ended = true;
      queueMicrotask(this.#cancel);
    }
    callback(error);
  }
}
