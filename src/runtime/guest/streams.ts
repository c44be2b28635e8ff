/**
 * WHATWG streams, from web-streams-polyfill, loaded on first use: most functions never touch a
 * stream (string and byte bodies have fast paths), and evaluating the library costs ~3 ms per
 * isolate. `require` makes esbuild wrap the library in a lazy initialiser inside the one bundle.
 */
import { defineInterface } from './webidl.ts';
import { typeError } from './errors.ts';

declare function require(id: string): unknown;

/** The parts of a ReadableStream the runtime itself uses. */
export interface GuestReadableStream {
  readonly locked: boolean;
  getReader(): GuestReader;
  cancel(reason?: unknown): Promise<void>;
  tee(): [GuestReadableStream, GuestReadableStream];
}

export interface GuestReader {
  read(): Promise<{ done: boolean; value?: unknown }>;
  releaseLock(): void;
  cancel(reason?: unknown): Promise<void>;
}

export interface UnderlyingByteSource {
  type: 'bytes';
  autoAllocateChunkSize?: number;
  start?(controller: ByteController): void | Promise<void>;
  pull?(controller: ByteController): void | Promise<void>;
  cancel?(reason: unknown): void | Promise<void>;
}

export interface ByteController {
  enqueue(chunk: Uint8Array): void;
  close(): void;
  error(e: unknown): void;
  readonly byobRequest: { view: Uint8Array | null; respond(n: number): void } | null;
}

type Ctor = new (...args: unknown[]) => object;

export interface StreamsModule {
  ReadableStream: new (source?: object, strategy?: object) => GuestReadableStream;
  ReadableStreamDefaultReader: Ctor;
  ReadableStreamBYOBReader: Ctor;
  ReadableStreamDefaultController: Ctor;
  ReadableByteStreamController: Ctor;
  ReadableStreamBYOBRequest: Ctor;
  WritableStream: Ctor;
  WritableStreamDefaultWriter: Ctor;
  WritableStreamDefaultController: Ctor;
  TransformStream: new (transformer?: object) => { readable: GuestReadableStream; writable: object };
  TransformStreamDefaultController: Ctor;
  ByteLengthQueuingStrategy: Ctor;
  CountQueuingStrategy: Ctor;
}

let loaded: StreamsModule | undefined;

/** The streams classes, loading the library on first call. */
/** Required constructor arguments of the streams interfaces (WebIDL `length`). */
const streamInterfaces: Record<string, number> = {
  ReadableStream: 0, ReadableStreamDefaultReader: 1, ReadableStreamBYOBReader: 1, ReadableStreamDefaultController: 0,
  ReadableByteStreamController: 0, ReadableStreamBYOBRequest: 0, WritableStream: 0, WritableStreamDefaultWriter: 1,
  WritableStreamDefaultController: 0, TransformStream: 0, TransformStreamDefaultController: 0,
  ByteLengthQueuingStrategy: 1, CountQueuingStrategy: 1,
};

export function streams(): StreamsModule {
  if (!loaded) {
    loaded = require('web-streams-polyfill') as StreamsModule;
    // The library's classes get the same interface shape as ours, whoever touches them first.
    for (const [name, length] of Object.entries(streamInterfaces)) defineInterface((loaded as unknown as Record<string, unknown>)[name], name, length);
  }
  return loaded;
}

/** Whether a value is a ReadableStream, without loading the library just to ask. */
export function isReadableStream(value: unknown): value is GuestReadableStream {
  return loaded !== undefined && value instanceof loaded.ReadableStream;
}

/** A byte stream over bytes already in memory. */
export function streamOfBytes(bytes: Uint8Array): GuestReadableStream {
  const { ReadableStream } = streams();
  return new ReadableStream({
    type: 'bytes',
    start(controller: ByteController) {
      if (bytes.byteLength > 0) controller.enqueue(bytes);
      controller.close();
    },
  } satisfies UnderlyingByteSource);
}

/** Reads a whole stream into one Uint8Array. Non-Uint8Array chunks are a TypeError, as in fetch. */
export async function readAllBytes(stream: GuestReadableStream): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!(value instanceof Uint8Array)) {
      throw typeError('body', 'a body stream chunk must be a Uint8Array');
    }
    chunks.push(value);
    total += value.byteLength;
  }
  return concatBytes(chunks, total);
}

/** Joins byte chunks. */
function concatBytes(chunks: Uint8Array[], total?: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const out = new Uint8Array(total ?? chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
