/**
 * TextDecoder for the legacy encodings (GBK, gb18030, Big5, Shift_JIS, EUC-KR, the single-byte
 * ones...): decoded on the host over the bridge (host/text-decode.ts), so their tables (hundreds
 * of KB) never enter an isolate (runtime notes: keep the guest layer small).
 *
 * Input crosses in pieces of at most 64 KiB (the host refuses more: each call blocks the host's
 * event loop while it runs, and is charged to the execution's CPU time). A stream that outlives one
 * call lives on the host under a handle that belongs to the request that opened it; the host frees
 * it when the stream ends or the request does, and keeps at most 128 open per request.
 */
import { currentExec } from './exec.ts';
import type { BridgeCalls, WireDecode, WireDecoded } from './protocol.ts';
import { errorFromHost, typeError } from './errors.ts';

declare function require(id: string): unknown;

/** Most bytes one bridge call decodes (the host's limit too, host/text-decode.ts). */
export const decodePiece = 64 * 1024;

let bridge: Readonly<BridgeCalls> | undefined;

// Required on first use: this module is also loaded outside an isolate (tests of the guest's own
// decoders in Node), where host.ts, which takes the bridge at load, cannot be.
function hostSync(args: WireDecode): WireDecoded {
  bridge ??= (require('./host.ts') as { host: Readonly<BridgeCalls> }).host;
  return bridge.sync('textDecode', args) as WireDecoded;
}

/** `bytes[from, to)` in an ArrayBuffer of its own: a view would carry its whole buffer across. */
function piece(bytes: Uint8Array, from: number, to: number): Uint8Array {
  const out = new Uint8Array(to - from);
  out.set(bytes.subarray(from, to));
  return out;
}

/** One TextDecoder's decoder for an encoding the host decodes; same contract as the guest's own. */
export class HostDecoder {
  readonly #encoding: string;
  readonly #ignoreBOM: boolean;
  /** The host's streaming decoder (0: none open), and the request it belongs to. */
  #handle = 0;
  #exec = 0;

  constructor(encoding: string, ignoreBOM: boolean) {
    this.#encoding = encoding;
    this.#ignoreBOM = ignoreBOM;
  }

  reset(): void {
    if (this.#handle !== 0) this.#drop();
  }

  decode(bytes: Uint8Array, flush: boolean, fatal: boolean): string {
    if (this.#handle !== 0 && this.#exec !== currentExec()) {
      // The host only lets the request that opened a stream use it (and has freed it if that ended).
      this.#handle = 0;
      throw typeError('TextDecoder.decode', `a stream of ${this.#encoding} opened by another request cannot be continued in this one`);
    }
    const length = bytes.length;
    // A fresh decoder given nothing has nothing to say, streaming or not.
    if (length === 0 && this.#handle === 0) return '';
    let out = '';
    let from = 0;
    do {
      const to = Math.min(length, from + decodePiece);
      const last = to === length;
      const result = hostSync([currentExec(), this.#handle, this.#encoding, fatal, this.#ignoreBOM, piece(bytes, from, to), flush && last]);
      if (!result[0]) {
        this.#handle = result[3];
        // A flush cut short leaves nothing open: the next call starts afresh (as TextDecoder resets).
        if (flush && this.#handle !== 0) this.#drop();
        throw errorFromHost(result[1], result[2]);
      }
      out += result[1];
      if (result[2] !== 0 && this.#handle === 0) this.#exec = currentExec();
      this.#handle = result[2];
      from = to;
    } while (from < length);
    return out;
  }

  #drop(): void {
    const handle = this.#handle;
    this.#handle = 0;
    if (this.#exec === currentExec()) hostSync([this.#exec, handle, this.#encoding, false, false, null, true]);
  }
}
