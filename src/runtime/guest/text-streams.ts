/** TextEncoderStream and TextDecoderStream, on top of the lazily loaded TransformStream. */
import { TextDecoder } from './encoding.ts';
import { utf8Encode } from './utf8.ts';
import { streams } from './streams.ts';
import { defineInterface } from './webidl.ts';

interface Controller {
  enqueue(chunk: unknown): void;
}

/** Builds both classes once the streams library is loaded. */
export function makeTextStreams(): { TextEncoderStream: unknown; TextDecoderStream: unknown } {
  const { TransformStream } = streams();

  class TextEncoderStream extends TransformStream {
    constructor() {
      // A trailing high surrogate waits for its pair in the next chunk.
      let pending = '';
      super({
        transform(chunk: unknown, controller: Controller) {
          let text = pending + String(chunk);
          pending = '';
          const last = text.charCodeAt(text.length - 1);
          if (last >= 0xd800 && last <= 0xdbff) {
            pending = text.slice(-1);
            text = text.slice(0, -1);
          }
          if (text.length > 0) controller.enqueue(utf8Encode(text));
        },
        flush(controller: Controller) {
          if (pending) controller.enqueue(new Uint8Array([0xef, 0xbf, 0xbd]));
        },
      });
    }
    get encoding(): string { return 'utf-8'; }

    static {
      defineInterface(TextEncoderStream, 'TextEncoderStream', 0);
    }
  }

  class TextDecoderStream extends TransformStream {
    #decoder: TextDecoder;
    constructor(label = 'utf-8', options: { fatal?: boolean; ignoreBOM?: boolean } = {}) {
      const decoder = new TextDecoder(label, options);
      super({
        transform(chunk: unknown, controller: Controller) {
          const text = decoder.decode(chunk as Uint8Array, { stream: true });
          if (text) controller.enqueue(text);
        },
        flush(controller: Controller) {
          const text = decoder.decode();
          if (text) controller.enqueue(text);
        },
      });
      this.#decoder = decoder;
    }
    get encoding(): string { return this.#decoder.encoding; }
    get fatal(): boolean { return this.#decoder.fatal; }
    get ignoreBOM(): boolean { return this.#decoder.ignoreBOM; }

    static {
      defineInterface(TextDecoderStream, 'TextDecoderStream', 0);
    }
  }

  return { TextEncoderStream, TextDecoderStream };
}
