/**
 * The host side of the guest's TextDecoder for legacy encodings (guest/host-decoder.ts), so their
 * tables stay out of every isolate.
 *
 * All of them use @exodus/bytes, a JavaScript implementation of the standard tested against its
 * web-platform tests, rather than Node's ICU-backed TextDecoder. ICU's answers depend on the Node
 * line: Node 22 knows no ISO-8859-16 and decodes unmapped windows-125x bytes without an error in
 * fatal mode (a clean-clone CI run on Node 22 caught both), and even Node 24's multi-byte decoders
 * depart from the standard (checked over every one- and two-byte input and random byte soup): EUC-KR lacks the 8,822
 * Hangul syllables of the windows-949 extension (똠 comes out as U+008C 'c'), Big5 maps the HKSCS
 * characters to private-use code points, Shift_JIS turns the control bytes 0x1A, 0x1C and 0x7F
 * into one another, all four recover from errors differently, and a GBK, gb18030, EUC-JP or
 * ISO-2022-JP stream split inside a malformed sequence throws TypeError even when not fatal.
 * @exodus/bytes builds an encoding's table (all of them: about 2 MB of host heap) on its first
 * use in the process, in 10-30 ms that count as that execution's CPU time.
 *
 * Security: everything here runs on the event loop, for a function we assume hostile.
 * - CPU: one call decodes at most {@link maxDecodeBytes} (a millisecond or two at worst: measured
 *   3-6 ms per MB of CJK text, about 17 ms per MB of mixed single-byte input), so no call holds the event loop
 *   long. The slot charges each call's time to the execution's CPU time, and an execution whose
 *   decoding alone has used its whole CPU limit is refused further calls; the entry watchdog's
 *   wall-clock backstop stops a guest that keeps calling anyway.
 * - Memory: a call holds its input and output only while it runs (at most 64 KiB in, 128 KiB of
 *   UTF-16 out). Streaming decoders (a few hundred bytes of state each) are capped at
 *   {@link maxOpenDecoders} per execution and {@link maxIsolateDecoders} per isolate, and freed
 *   when their stream or their execution ends.
 * - Handles are random and belong to the execution that opened them: another execution (even of
 *   the same function, in the same isolate) cannot use, probe or free them.
 * - Nothing thrown here reaches Node: every failure becomes an answer the guest throws.
 */
import { randomInt } from 'node:crypto';
import { createMultibyteDecoder } from '@exodus/bytes/multi-byte.js';
import { createSinglebyteDecoder } from '@exodus/bytes/single-byte.js';
import type { WireDecoded } from '../guest/protocol.ts';

/** Most bytes one call may decode (the guest sends longer input in pieces). */
export const maxDecodeBytes = 64 * 1024;

/** Streaming decoders one execution may have open at once (a fetch body each needs one; 64 fetches at most). */
export const maxOpenDecoders = 128;

/** Streaming decoders one isolate may have open at once, whichever executions opened them. */
export const maxIsolateDecoders = 1024;

/**
 * The encodings decoded here, by their Encoding Standard names: all but utf-8, utf-16le/be,
 * windows-1252 and x-user-defined (decoded in the guest) and replacement (never decoded).
 */
export const hostEncodings: ReadonlySet<string> = new Set([
  'ibm866', 'iso-8859-2', 'iso-8859-3', 'iso-8859-4', 'iso-8859-5', 'iso-8859-6', 'iso-8859-7', 'iso-8859-8',
  'iso-8859-8-i', 'iso-8859-10', 'iso-8859-13', 'iso-8859-14', 'iso-8859-15', 'iso-8859-16', 'koi8-r', 'koi8-u',
  'macintosh', 'windows-874', 'windows-1250', 'windows-1251', 'windows-1253', 'windows-1254', 'windows-1255',
  'windows-1256', 'windows-1257', 'windows-1258', 'x-mac-cyrillic', 'gbk', 'gb18030', 'big5', 'euc-jp',
  'iso-2022-jp', 'shift_jis', 'euc-kr',
]);

const multiByte: ReadonlySet<string> = new Set(['gbk', 'gb18030', 'big5', 'euc-jp', 'iso-2022-jp', 'shift_jis', 'euc-kr']);

interface Decoder {
  decode(input: Uint8Array, options: { stream: boolean }): string;
}

/**
 * The standard's decoder for an encoding. A single-byte one keeps no state between calls, so
 * streaming changes nothing; no byte order mark is stripped in any of these encodings.
 */
function makeDecoder(encoding: string, fatal: boolean): Decoder {
  if (!multiByte.has(encoding)) {
    const decode = createSinglebyteDecoder(encoding, !fatal);
    return { decode: (input) => decode(input) };
  }
  const decode = createMultibyteDecoder(encoding, !fatal);
  return { decode: (input, { stream }) => decode(input, stream) };
}

/** Whom decoders are opened for: an execution, which runs cleanups when it ends. */
export interface DecoderOwner {
  own(cleanup: () => void): () => void;
}

interface Open {
  owner: object;
  decoder: Decoder;
}

interface Account {
  open: number;
  spentNs: bigint;
}

export interface HostDecodersOptions {
  /** The CPU time limit of one execution: its decoding may not take longer than that. */
  cpuMs: number;
}

/** One isolate's host decoders. */
export class HostDecoders {
  readonly #open = new Map<number, Open>();
  readonly #accounts = new WeakMap<object, Account>();
  readonly #budgetNs: bigint;
  /** Stands for code loading (global scope), which runs for no execution. */
  readonly #loading = {};

  constructor(options: HostDecodersOptions) {
    this.#budgetNs = BigInt(Math.ceil(options.cpuMs * 1e6));
  }

  /** Streaming decoders open right now. */
  get size(): number {
    return this.#open.size;
  }

  /**
   * Decodes one call's piece (args: protocol.ts's WireDecode) for the execution it names, found
   * with `execution` (id 0: code loading, which runs for none). Never throws.
   */
  decode(args: unknown, execution: (execId: number) => DecoderOwner | undefined): WireDecoded {
    if (!Array.isArray(args) || args.length !== 7) return refuse('TypeError', 'TextDecoder: bad call', 0);
    // ignoreBOM (the fifth) changes nothing here: none of these encodings has a byte order mark.
    const [execId, rawHandle, encoding, fatal, , bytes, flush] = args as unknown[];
    const exec = execId === 0 ? undefined : execution(Number(execId));
    if (execId !== 0 && exec === undefined) return refuse('TypeError', 'TextDecoder: this request has ended', 0);
    const owner = exec ?? this.#loading;
    const account = this.#account(owner, exec);
    const started = process.hrtime.bigint();
    let handle = typeof rawHandle === 'number' ? rawHandle : 0;
    try {
      if (handle !== 0 && this.#open.get(handle)?.owner !== owner) {
        return refuse('TypeError', 'TextDecoder: this stream is no longer open', 0);
      }
      if (bytes === null) {
        this.#close(handle, account);
        return [true, '', 0];
      }
      if (typeof encoding !== 'string' || !hostEncodings.has(encoding) || !(bytes instanceof Uint8Array) || typeof flush !== 'boolean') {
        return refuse('TypeError', 'TextDecoder: bad call', handle);
      }
      if (bytes.byteLength > maxDecodeBytes) return refuse('RangeError', `TextDecoder: at most ${maxDecodeBytes} bytes per call`, handle);
      if (account.spentNs > this.#budgetNs) {
        return refuse('TypeError', 'TextDecoder: decoding has used the whole CPU time limit of this request', handle);
      }
      let decoder = handle === 0 ? undefined : this.#open.get(handle)?.decoder;
      if (decoder === undefined) {
        if (!flush && account.open >= maxOpenDecoders) {
          return refuse('QuotaExceededError', `Too many TextDecoder streams open in this request: at most ${maxOpenDecoders}`, 0);
        }
        if (!flush && this.#open.size >= maxIsolateDecoders) {
          return refuse('QuotaExceededError', `Too many TextDecoder streams open in this function: at most ${maxIsolateDecoders}`, 0);
        }
        decoder = makeDecoder(encoding, fatal === true);
        if (!flush) handle = this.#register(owner, decoder, account);
      }
      let text: string;
      try {
        text = decoder.decode(bytes, { stream: !flush });
      } catch (error) {
        // Invalid input in fatal mode. Mid-stream the decoder carries on as the standard says; a
        // flush ends the stream either way.
        if (flush) this.#close(handle, account);
        const message = error instanceof Error ? error.message : 'The encoded data was not valid';
        return refuse('TypeError', message, flush ? 0 : handle);
      }
      if (flush) {
        this.#close(handle, account);
        handle = 0;
      }
      return [true, text, handle];
    } catch {
      return refuse('TypeError', 'TextDecoder: the host could not decode this input', handle);
    } finally {
      account.spentNs += process.hrtime.bigint() - started;
    }
  }

  #account(owner: object, exec: DecoderOwner | undefined): Account {
    let account = this.#accounts.get(owner);
    if (account === undefined) {
      account = { open: 0, spentNs: 0n };
      this.#accounts.set(owner, account);
      // The execution's streams end with it (code loading's live as long as the isolate).
      exec?.own(() => {
        for (const [handle, open] of this.#open) if (open.owner === owner) this.#open.delete(handle);
        this.#accounts.delete(owner);
      });
    }
    return account;
  }

  #register(owner: object, decoder: Decoder, account: Account): number {
    let handle: number;
    do handle = randomInt(1, 2 ** 48);
    while (this.#open.has(handle));
    this.#open.set(handle, { owner, decoder });
    account.open += 1;
    return handle;
  }

  #close(handle: number, account: Account): void {
    if (handle !== 0 && this.#open.delete(handle)) account.open -= 1;
  }
}

function refuse(name: string, message: string, handle: number): WireDecoded {
  return [false, name, message, handle];
}
