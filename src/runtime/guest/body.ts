/**
 * The Body mixin of Fetch, shared by Request and Response. A body stays in the cheapest form it
 * arrived in (text, bytes, Blob, an untouched host stream) and becomes a ReadableStream only when
 * someone asks for `.body`, so the common cases never load the streams library.
 */
import { lazy, loaded } from './lazy.ts';
import { utf8Decode, utf8Encode } from './utf8.ts';
import { callHost } from './ops.ts';
import { host } from './host.ts';
import {
  type ByteController,
  type GuestReadableStream,
  isReadableStream,
  readAllBytes,
  streamOfBytes,
  streams,
} from './streams.ts';
import type { WireBody } from './protocol.ts';
import type { Headers } from './headers.ts';
import type { Blob } from './blob.ts';
import type { FormData } from './form-data.ts';
import { typeError } from './errors.ts';

/** Where a body's bytes are. */
export type BodySource =
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'blob'; blob: Blob }
  | { kind: 'host'; handle: number }
  | { kind: 'stream'; stream: GuestReadableStream };

/** The result of extracting a BodyInit: the source and the Content-Type it implies. */
export interface Extracted {
  source: BodySource | null;
  contentType: string | null;
}

/** Turns any BodyInit into a body source (Fetch "extract a body"). */
export function extractBody(init: unknown): Extracted {
  if (init === null || init === undefined) return { source: null, contentType: null };
  if (typeof init === 'string') return { source: { kind: 'text', text: init }, contentType: 'text/plain;charset=UTF-8' };
  if (init instanceof Uint8Array) return { source: { kind: 'bytes', bytes: init.slice() }, contentType: null };
  if (init instanceof ArrayBuffer) return { source: { kind: 'bytes', bytes: new Uint8Array(init.slice(0)) }, contentType: null };
  if (ArrayBuffer.isView(init)) {
    const view = new Uint8Array(init.buffer, init.byteOffset, init.byteLength);
    return { source: { kind: 'bytes', bytes: view.slice() }, contentType: null };
  }
  const { blob, formData, searchParams } = loaded();
  if (blob && init instanceof blob.Blob) return { source: { kind: 'blob', blob: init }, contentType: init.type || null };
  if (searchParams && init instanceof searchParams.URLSearchParams) {
    return { source: { kind: 'text', text: init.toString() }, contentType: 'application/x-www-form-urlencoded;charset=UTF-8' };
  }
  if (formData && init instanceof formData.FormData) {
    const boundary = formData.makeBoundary(Math.random);
    return {
      source: { kind: 'bytes', bytes: formData.encodeMultipart(init, boundary) },
      contentType: `multipart/form-data; boundary=${boundary}`,
    };
  }
  if (isReadableStream(init)) {
    if (init.locked) throw typeError('body', 'a ReadableStream body must not be disturbed or locked');
    return { source: { kind: 'stream', stream: init }, contentType: null };
  }
  return { source: { kind: 'text', text: String(init) }, contentType: 'text/plain;charset=UTF-8' };
}

/** A byte stream that pulls from a host stream, one host read per pull. */
export function streamOfHostBody(handle: number): GuestReadableStream {
  const { ReadableStream } = streams();
  return new ReadableStream({
    type: 'bytes',
    async pull(controller: ByteController) {
      const chunk = await callHost<Uint8Array | null>('read', handle);
      if (chunk === null) {
        controller.close();
        // A BYOB request left open after close must be answered with 0 bytes.
        controller.byobRequest?.respond(0);
      } else if (chunk.byteLength > 0) {
        controller.enqueue(chunk);
      }
    },
    cancel() {
      return callHost<void>('cancelBody', handle);
    },
  });
}

function toStream(source: BodySource): GuestReadableStream {
  switch (source.kind) {
    case 'text':
      return streamOfBytes(utf8Encode(source.text));
    case 'bytes':
      return streamOfBytes(source.bytes);
    case 'blob':
      return streamOfBytes(lazy.blob().blobBytes(source.blob));
    case 'host':
      return streamOfHostBody(source.handle);
    case 'stream':
      return source.stream;
  }
}

function isDisturbed(stream: GuestReadableStream): boolean {
  // web-streams-polyfill keeps the spec's [[disturbed]] slot as `_disturbed`.
  return (stream as unknown as { _disturbed?: boolean })._disturbed === true;
}

/**
 * A Request's or Response's body (Fetch's "body", with the used flag). It lives in a private field
 * of its Request or Response; only this module and theirs reach it.
 */
export class Body {
  used = false;

  constructor(
    public source: BodySource | null,
    /** The headers whose Content-Type `blob()` and `formData()` read. */
    readonly headers: Headers,
  ) {}

  get stream(): GuestReadableStream | null {
    const source = this.source;
    if (source === null) return null;
    if (source.kind !== 'stream') {
      const stream = toStream(source);
      this.source = { kind: 'stream', stream };
      if (this.used) void stream.cancel();
      return stream;
    }
    return source.stream;
  }

  /** Fetch: "body is non-null and its stream is disturbed"; a null body never is. */
  get disturbed(): boolean {
    const source = this.source;
    if (source === null) return false;
    if (source.kind === 'stream') return this.used || isDisturbed(source.stream);
    return this.used;
  }

  /** The source for a clone: streams are teed, everything else is immutable and shared. */
  cloneSource(): BodySource | null {
    if (this.disturbed) throw typeError('clone', 'the body has already been used');
    const source = this.source;
    if (source === null) return null;
    if (source.kind !== 'host' && source.kind !== 'stream') return source;
    const [a, b] = toStream(source).tee();
    this.source = { kind: 'stream', stream: a };
    return { kind: 'stream', stream: b };
  }

  /** Hands the body to the host (nothing for a null body), marking it used. */
  takeWire(): WireBody {
    return this.source === null ? null : toWireBody(this.take());
  }

  /** The source, marked used: what every reader starts with. */
  take(): BodySource | null {
    if (this.disturbed) throw typeError('body', 'the body has already been used');
    const source = this.source;
    if (source?.kind === 'stream' && source.stream.locked) throw typeError('body', 'the body stream is locked');
    this.used = true;
    return source;
  }

  async bytes(): Promise<Uint8Array> {
    return readSource(this.take());
  }

  async text(): Promise<string> {
    const source = this.take();
    if (source?.kind === 'text') return source.text;
    // The host's native decoder is far faster than a JS one for large bodies.
    if (source?.kind === 'host') return callHost<string>('readAllText', source.handle);
    return utf8Decode(await readSource(source));
  }

  async formData(): Promise<FormData> {
    const contentType = this.headers.get('content-type') ?? '';
    const essence = contentType.split(';')[0]?.trim().toLowerCase();
    const { FormData, appendParsedEntry } = lazy.formData();
    if (essence === 'application/x-www-form-urlencoded') {
      const fd = new FormData();
      for (const [name, value] of new (lazy.searchParams().URLSearchParams)(await this.text())) appendParsedEntry(fd, name, value);
      return fd;
    }
    if (essence === 'multipart/form-data') {
      const bytes = await this.bytes();
      const entries = await callHost<[string, string | { bytes: Uint8Array; filename: string; type: string }][]>(
        'formData',
        { bytes, contentType },
      );
      const fd = new FormData();
      for (const [name, value] of entries) appendParsedEntry(fd, name, value);
      return fd;
    }
    throw typeError('formData', `cannot parse a body of content-type ${contentType || 'none'} as FormData`);
  }
}

/** The members the Body mixin gives Request and Response (declared on each class for the types). */
export interface BodyMembers {
  readonly body: GuestReadableStream | null;
  readonly bodyUsed: boolean;
  arrayBuffer(): Promise<ArrayBuffer>;
  bytes(): Promise<Uint8Array>;
  text(): Promise<string>;
  json(): Promise<unknown>;
  blob(): Promise<Blob>;
  formData(): Promise<FormData>;
}

/**
 * Puts the Body mixin's members on an interface's prototype, as WebIDL does with a mixin: own,
 * enumerable members of Request.prototype and Response.prototype, with no class in between.
 * `bodyOf` reads the private field, so a foreign `this` is a TypeError (a rejection for methods).
 */
export function includeBody(iface: { prototype: object }, bodyOf: (target: unknown) => Body): void {
  const members: BodyMembers & ThisType<unknown> = {
    get body() { return bodyOf(this).stream; },
    get bodyUsed() { return bodyOf(this).disturbed; },
    async arrayBuffer() {
      const bytes = await bodyOf(this).bytes();
      if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer as ArrayBuffer;
      return bytes.slice().buffer as ArrayBuffer;
    },
    async bytes() { return bodyOf(this).bytes(); },
    async text() { return bodyOf(this).text(); },
    async json() { return JSON.parse(await bodyOf(this).text()) as unknown; },
    async blob() {
      const body = bodyOf(this);
      const bytes = await body.bytes();
      return new (lazy.blob().Blob)([bytes], { type: body.headers.get('content-type') ?? '' });
    },
    async formData() { return bodyOf(this).formData(); },
  };
  for (const key of Object.keys(members)) {
    const desc = Object.getOwnPropertyDescriptor(members, key) as PropertyDescriptor;
    Object.defineProperty(iface.prototype, key, { ...desc, enumerable: true, configurable: true });
  }
}

async function readSource(source: BodySource | null): Promise<Uint8Array> {
  if (source === null) return new Uint8Array(0);
  switch (source.kind) {
    case 'text':
      return utf8Encode(source.text);
    case 'bytes':
      return source.bytes;
    case 'blob':
      return lazy.blob().blobBytes(source.blob);
    case 'host':
      return callHost<Uint8Array>('readAll', source.handle);
    case 'stream':
      return readAllBytes(source.stream);
  }
}

const outgoing = new Map<number, { reader: ReturnType<GuestReadableStream['getReader']> }>();
let nextStreamId = 1;

/** Turns a body source into what the host receives. */
export function toWireBody(source: BodySource | null): WireBody {
  if (source === null) return null;
  switch (source.kind) {
    case 'text':
      return source.text;
    case 'bytes':
      return source.bytes;
    case 'blob':
      return lazy.blob().blobBytes(source.blob);
    case 'host':
      return { host: source.handle };
    case 'stream': {
      const id = nextStreamId++;
      outgoing.set(id, { reader: source.stream.getReader() });
      return { stream: id };
    }
  }
}

/** Entry: the host wants the next chunk of an outgoing stream; answered through host.chunk. */
export function pullOutgoing(streamId: number): void {
  const entry = outgoing.get(streamId);
  if (!entry) {
    host.chunk(streamId, null, 'stream is gone');
    return;
  }
  entry.reader.read().then(
    ({ done, value }) => {
      if (done) {
        outgoing.delete(streamId);
        host.chunk(streamId, null, null);
      } else if (value instanceof Uint8Array) {
        host.chunk(streamId, value, null);
      } else {
        outgoing.delete(streamId);
        void entry.reader.cancel();
        host.chunk(streamId, null, 'TypeError: a body stream chunk must be a Uint8Array');
      }
    },
    (error: unknown) => {
      outgoing.delete(streamId);
      host.chunk(streamId, null, String(error));
    },
  );
}

/** Entry: the host no longer wants an outgoing stream (client went away, execution ended). */
export function cancelOutgoing(streamId: number): void {
  const entry = outgoing.get(streamId);
  if (!entry) return;
  outgoing.delete(streamId);
  void entry.reader.cancel(new TypeError('the client went away')).catch(() => undefined);
}
